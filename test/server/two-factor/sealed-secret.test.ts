import { describe, expect, it } from 'vitest';
import { createKeyRing } from '../../../server/keys/keyring.ts';
import { sealBox } from '../../../server/keys/sealed-box.ts';
import { openTotpSecret, sealTotpSecret } from '../../../server/two-factor/sealed-secret.ts';

const ring = createKeyRing(['s'.repeat(40)]);
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

describe('sealTotpSecret', () => {
  it('seals the secret so that it is not readable at rest, and opens it again', () => {
    const sealed = sealTotpSecret(ring, 'account-1', SECRET);

    expect(sealed).not.toContain(SECRET);
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain(SECRET);
    expect(openTotpSecret(ring, 'account-1', sealed)).toBe(SECRET);
  });

  it('does not open for another account', () => {
    expect(openTotpSecret(ring, 'account-2', sealTotpSecret(ring, 'account-1', SECRET))).toBeNull();
  });

  it('does not open once tampered with, under a key off the ring, or sealed for another purpose', () => {
    const sealed = sealTotpSecret(ring, 'account-1', SECRET);
    const flipped = Buffer.from(sealed, 'base64url');
    flipped[flipped.length - 1] = (flipped.at(-1) ?? 0) ^ 1;
    const plaintext = Buffer.from(JSON.stringify({ accountId: 'account-1', secret: SECRET }));

    expect(openTotpSecret(ring, 'account-1', flipped.toString('base64url'))).toBeNull();
    expect(openTotpSecret(createKeyRing(['t'.repeat(40)]), 'account-1', sealed)).toBeNull();
    expect(openTotpSecret(ring, 'account-1', sealBox(ring, 'handoff', plaintext))).toBeNull();
  });
});
