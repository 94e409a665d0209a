/**
 * Look-alike emails (issue 12.10): every way of writing an address that looks the same
 * either normalizes to that address or is refused with a field error, so two accounts
 * never differ only in how their address was written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFields, normalizeEmail } from '../../shared/forms.ts';

const INVISIBLE_ERROR = 'Remove the invisible characters from this email address.';
const INVISIBLES = ['\u200b', '\u200c', '\u200d', '\u2060', '\u00ad', '\u202e', '\u180e', '\u0007'];

/** Fullwidth forms of the printable ASCII letters and digits (U+FF01 to U+FF5E). */
const fullwidth = (c: string) =>
  /[!-~]/.test(c) && c !== ' ' ? String.fromCodePoint((c.codePointAt(0) as number) + 0xfee0) : c;

const emailError = (email: string) => checkFields('signup', { email, password: 'p' }).email;

describe('normalizeEmail', () => {
  it('folds fullwidth letters, decomposed accents, case and surrounding space into one address', () => {
    expect(normalizeEmail('  ＡＬＩＣＥ@ｅｘａｍｐｌｅ.ｃｏｍ ')).toBe('alice@example.com');
    expect(normalizeEmail('Jose\u0301@example.com')).toBe('jos\u00e9@example.com');
    expect(normalizeEmail('jos\u00e9@EXAMPLE.com')).toBe('jos\u00e9@example.com');
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (raw) => {
        const once = normalizeEmail(raw);
        expect(normalizeEmail(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the email rule', () => {
  it('refuses an address with a zero-width, format or control character in it', () => {
    for (const invisible of INVISIBLES) {
      expect(emailError(`ali${invisible}ce@example.com`)).toBe(INVISIBLE_ERROR);
    }
  });

  it('maps every look-alike of an address to it, or refuses it with a field error', () => {
    const base = 'josé.alice@example.com';
    const variant = fc
      .tuple(
        fc.array(fc.constantFrom('upper', 'fullwidth', 'decompose', 'invisible', 'none'), {
          minLength: base.length,
          maxLength: base.length,
        }),
        fc.constantFrom('', ' ', '\t', '\u3000'),
        fc.constantFrom(...INVISIBLES),
      )
      .map(([changes, pad, invisible]) => {
        const chars = [...base].map((c, i) => {
          switch (changes[i]) {
            case 'upper':
              return c.toUpperCase();
            case 'fullwidth':
              return fullwidth(c);
            case 'decompose':
              return c.normalize('NFD');
            case 'invisible':
              return c + invisible;
            default:
              return c;
          }
        });
        return { written: pad + chars.join('') + pad, hidden: changes.includes('invisible') };
      });
    fc.assert(
      fc.property(variant, ({ written, hidden }) => {
        if (hidden) expect(emailError(written)).toBe(INVISIBLE_ERROR);
        else {
          expect(emailError(written)).toBeUndefined();
          expect(normalizeEmail(written)).toBe(base);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
