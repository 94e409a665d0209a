/**
 * Recovery codes: single-use codes that stand in for the authenticator app when it is lost.
 * Each is 12 characters of Crockford's base32 (no I, L, O or U, so none is misread), grouped
 * in fours for reading: 60 random bits. Only their hashes are stored. A fast hash is enough
 * for that many random bits; the account id goes into it, so one table of guesses cannot
 * serve every account at once.
 */
import { createHash, randomBytes } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 12;
const GROUP = 4;

/** `count` new codes, e.g. "7K3M-Q9XD-2RTB". */
export function newRecoveryCodes(count: number = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    // 32 divides 256, so taking each byte modulo 32 keeps every character equally likely.
    const chars = [...randomBytes(CODE_LENGTH)].map((byte) => ALPHABET[byte % 32]).join('');
    return chars.match(new RegExp(`.{${GROUP}}`, 'g'))?.join('-') ?? chars;
  });
}

/**
 * The code as stored: upper case, without the dashes and spaces a person may type, with the
 * letters Crockford's base32 reads as digits (O as 0, I and L as 1) mapped to them. Null for
 * anything that cannot be a recovery code.
 */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input.replace(/[\s-]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  if (code.length !== CODE_LENGTH) return null;
  for (const char of code) if (!ALPHABET.includes(char)) return null;
  return code;
}

/** The stored form of a normalized code of `accountId`: hex SHA-256. */
export function hashRecoveryCode(accountId: string, normalized: string): string {
  return createHash('sha256')
    .update(`baton/recovery-code/v1\0${accountId}\0${normalized}`)
    .digest('hex');
}
