import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import {
  matchTotp,
  newTotpSecret,
  normalizeTotpCode,
  totpStep,
  totpUri,
} from '../../../server/two-factor/totp.ts';

/** 10 s into a time step, so a step either side is whole. */
const NOW = Date.UTC(2030, 0, 1, 0, 0, 10);

/** The code an authenticator app shows at `timestamp`, computed independently of the module. */
function codeAt(secret: string, timestamp: number): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp,
  });
}

describe('newTotpSecret', () => {
  it('draws 160 random bits, base32-encoded, new every time', () => {
    const secret = newTotpSecret();

    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(Secret.fromBase32(secret).bytes).toHaveLength(20);
    expect(newTotpSecret()).not.toBe(secret);
  });
});

describe('totpUri', () => {
  it('names Baton and the account email, with the settings every app supports', () => {
    const uri = new URL(
      totpUri({ secret: 'JBSWY3DPEHPK3PXP', issuer: 'Baton', email: 'ada+1@example.com' }),
    );

    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Baton:ada+1@example.com');
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      issuer: 'Baton',
      secret: 'JBSWY3DPEHPK3PXP',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});

describe('matchTotp', () => {
  const secret = newTotpSecret();
  const step = totpStep(NOW);

  it("accepts the current step's code and says which step it is", () => {
    expect(matchTotp(secret, codeAt(secret, NOW), NOW)).toBe(step);
  });

  it('accepts the codes of one step before and one step after', () => {
    expect(matchTotp(secret, codeAt(secret, NOW - 30_000), NOW)).toBe(step - 1);
    expect(matchTotp(secret, codeAt(secret, NOW + 30_000), NOW)).toBe(step + 1);
  });

  it('refuses the codes of two steps away', () => {
    expect(matchTotp(secret, codeAt(secret, NOW - 60_000), NOW)).toBeNull();
    expect(matchTotp(secret, codeAt(secret, NOW + 60_000), NOW)).toBeNull();
  });

  it('refuses a wrong code and the code of another secret', () => {
    const right = codeAt(secret, NOW);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');

    expect(matchTotp(secret, wrong, NOW)).toBeNull();
    expect(matchTotp(secret, codeAt(newTotpSecret(), NOW), NOW)).toBeNull();
  });

  it('accepts a code typed with spaces, and refuses anything but six digits', () => {
    const code = codeAt(secret, NOW);

    expect(matchTotp(secret, ` ${code.slice(0, 3)} ${code.slice(3)} `, NOW)).toBe(step);
    expect(matchTotp(secret, `${code}0`, NOW)).toBeNull();
    expect(matchTotp(secret, code.slice(1), NOW)).toBeNull();
    expect(normalizeTotpCode('12345a')).toBeNull();
    expect(normalizeTotpCode('١٢٣٤٥٦')).toBeNull();
  });
});
