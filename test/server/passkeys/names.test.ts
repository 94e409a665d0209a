import { describe, expect, it } from 'vitest';
import { normalizePasskeyName } from '../../../server/passkeys/names.ts';

describe('normalizePasskeyName', () => {
  it('trims and collapses spaces', () => {
    expect(normalizePasskeyName('  Work \t laptop\n')).toBe('Work laptop');
  });

  it('removes control and invisible characters', () => {
    expect(normalizePasskeyName('Pho\u200bne\u0007\u202e')).toBe('Phone');
  });

  it('composes accents (NFC)', () => {
    expect(normalizePasskeyName('Cafe\u0301')).toBe('Caf\u00e9');
  });

  it('refuses a name with nothing left, or longer than 50 characters', () => {
    expect(normalizePasskeyName(' \u200b ')).toBeNull();
    expect(normalizePasskeyName('é'.repeat(50))).toBe('é'.repeat(50));
    expect(normalizePasskeyName('x'.repeat(51))).toBeNull();
  });
});
