import { describe, expect, it } from 'vitest';
import { createKeyRing } from '../../../server/keys/keyring.ts';
import { sealBox, sealedByCurrentKey } from '../../../server/keys/sealed-box.ts';

const OLD = 'o'.repeat(40);
const NEW = 'n'.repeat(40);

describe('sealedByCurrentKey', () => {
  it("tells a box sealed by the ring's newest key from one sealed by an older key", () => {
    const before = createKeyRing([OLD]);
    const after = createKeyRing([NEW, OLD]);

    expect(sealedByCurrentKey(after, sealBox(after, 'flash', Buffer.from('x')))).toBe(true);
    expect(sealedByCurrentKey(after, sealBox(before, 'flash', Buffer.from('x')))).toBe(false);
  });

  it('says false for a token too short to hold a header', () => {
    expect(sealedByCurrentKey(createKeyRing([NEW]), 'AQE')).toBe(false);
  });
});
