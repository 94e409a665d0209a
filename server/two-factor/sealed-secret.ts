/**
 * Authenticator-app secrets at rest: sealed with the key ring (purpose `two-factor`), never
 * stored in clear. The account id is sealed with the secret and checked on opening, so a
 * sealed secret copied onto another account's row does not open there.
 */
import type { KeyRing } from '../keys/keyring.ts';
import { openBox, sealBox } from '../keys/sealed-box.ts';

interface SealedClaims {
  accountId: string;
  secret: string;
}

export function sealTotpSecret(ring: KeyRing, accountId: string, secret: string): string {
  const claims: SealedClaims = { accountId, secret };
  return sealBox(ring, 'two-factor', Buffer.from(JSON.stringify(claims)));
}

/**
 * The secret sealed for `accountId`, or null when it does not open: tampered, sealed for
 * another account, or sealed by a key no longer on the ring.
 */
export function openTotpSecret(ring: KeyRing, accountId: string, sealed: string): string | null {
  const opened = openBox(ring, 'two-factor', sealed);
  if (!opened.ok) return null;
  const claims = JSON.parse(opened.plaintext.toString('utf8')) as Partial<SealedClaims>;
  if (claims.accountId !== accountId || typeof claims.secret !== 'string') return null;
  return claims.secret;
}
