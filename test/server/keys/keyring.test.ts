import { describe, expect, it } from 'vitest';
import { createKeyRing } from '../../../server/keys/keyring.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('createKeyRing', () => {
  it('derives a distinct 32-byte key per purpose', () => {
    const key = createKeyRing([A]).current;
    expect(key.key('handoff')).toHaveLength(32);
    expect(key.key('handoff').equals(key.key('cookie'))).toBe(false);
    expect(key.key('handoff').equals(key.key('flash'))).toBe(false);
  });

  it('derives the same keys and id from the same secret, so every instance agrees', () => {
    const [one, two] = [createKeyRing([A]).current, createKeyRing([A]).current];
    expect(one.id.equals(two.id)).toBe(true);
    expect(one.key('handoff').equals(two.key('handoff'))).toBe(true);
  });

  it('seals with the newest key and finds every key by id', () => {
    const ring = createKeyRing([B, A]);
    const old = createKeyRing([A]).current;
    expect(ring.current.id.equals(createKeyRing([B]).current.id)).toBe(true);
    expect(ring.find(old.id)?.key('handoff').equals(old.key('handoff'))).toBe(true);
    expect(ring.find(Buffer.alloc(8))).toBeUndefined();
  });

  it('does not reveal the secret in the key id', () => {
    expect(createKeyRing([A]).current.id.toString('latin1')).not.toContain('aaaa');
  });

  it('refuses an empty ring and a repeated secret', () => {
    expect(() => createKeyRing([])).toThrow(
      'createKeyRing needs at least one secret (received none)',
    );
    expect(() => createKeyRing([A, A])).toThrow('createKeyRing received the same secret twice');
  });
});
