import { describe, expect, it } from 'vitest';
import {
  hashRecoveryCode,
  newRecoveryCodes,
  normalizeRecoveryCode,
} from '../../../server/two-factor/recovery-codes.ts';

describe('newRecoveryCodes', () => {
  it('draws 10 distinct codes of 12 unambiguous characters in groups of four', () => {
    const codes = newRecoveryCodes();

    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes)
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}$/);
  });
});

describe('normalizeRecoveryCode', () => {
  it('takes a code however it is typed: case, dashes, spaces', () => {
    expect(normalizeRecoveryCode('7k3m-q9xd-2rtb')).toBe('7K3MQ9XD2RTB');
    expect(normalizeRecoveryCode(' 7K3M Q9XD 2RTB ')).toBe('7K3MQ9XD2RTB');
  });

  it('reads O as zero and I or L as one, as Crockford base32 does', () => {
    expect(normalizeRecoveryCode('OOOO-IIII-LLLL')).toBe('000011111111');
  });

  it('refuses the wrong length and characters outside the alphabet', () => {
    expect(normalizeRecoveryCode('7K3M-Q9XD-2RT')).toBeNull();
    expect(normalizeRecoveryCode('7K3M-Q9XD-2RTBX')).toBeNull();
    expect(normalizeRecoveryCode('7K3M-Q9XD-2RTU')).toBeNull();
    expect(normalizeRecoveryCode('123456')).toBeNull();
  });
});

describe('hashRecoveryCode', () => {
  it('is a fixed SHA-256 hex digest that depends on the account', () => {
    const hash = hashRecoveryCode('account-1', '7K3MQ9XD2RTB');

    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode('account-1', '7K3MQ9XD2RTB')).toBe(hash);
    expect(hashRecoveryCode('account-2', '7K3MQ9XD2RTB')).not.toBe(hash);
    expect(hash).not.toContain('7K3M');
  });
});
