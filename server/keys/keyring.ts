/**
 * The key ring: secrets newest first. The newest seals; every key opens. Each secret yields
 * a short public id (so a sealed value names the key that opens it, without trying them
 * all) and one derived key per purpose, so a key used for handoffs is never the one that
 * signs cookies.
 */
import { hkdfSync } from 'node:crypto';

/**
 * What a derived key is for. Each purpose gets its own HKDF `info`, so keys never overlap.
 * `two-factor` seals authenticator-app secrets at rest (server/two-factor/sealed-secret.ts);
 * `return` seals the page to go back to after a sign-in (server/session/return-to.ts);
 * `second-factor` seals a sign-in waiting for its code (server/session/pending-sign-in.ts).
 */
export type KeyPurpose = 'handoff' | 'flash' | 'cookie' | 'two-factor' | 'return' | 'second-factor';

export const KEY_ID_BYTES = 8;

export interface RingKey {
  /** Public identifier of the secret, derived from it one-way. */
  readonly id: Buffer;
  /** 32 bytes for `purpose`, derived with HKDF-SHA256 and cached. */
  key(purpose: KeyPurpose): Buffer;
}

export interface KeyRing {
  /** The newest key: the one that seals and signs. */
  readonly current: RingKey;
  /** All keys, newest first. */
  readonly keys: readonly RingKey[];
  /** The key with this id, or undefined when it is not (or no longer) on the ring. */
  find(id: Buffer): RingKey | undefined;
}

const SALT = Buffer.from('baton/key-ring/v1');

function derive(secret: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, info, length));
}

function ringKey(secret: string): RingKey {
  const material = Buffer.from(secret, 'utf8');
  const id = derive(material, 'baton/key-id', KEY_ID_BYTES);
  const cache = new Map<KeyPurpose, Buffer>();
  return {
    id,
    key(purpose) {
      let key = cache.get(purpose);
      if (!key) {
        key = derive(material, `baton/${purpose}/v1`, 32);
        cache.set(purpose, key);
      }
      return key;
    },
  };
}

/**
 * Builds a ring from secrets, newest first.
 * @example
 * const ring = createKeyRing([process.env.NEW_SECRET, process.env.OLD_SECRET]);
 * ring.current.key('handoff'); // 32 bytes
 */
export function createKeyRing(secrets: readonly string[]): KeyRing {
  if (secrets.length === 0)
    throw new Error('createKeyRing needs at least one secret (received none)');
  const keys = secrets.map(ringKey);
  const byId = new Map(keys.map((k) => [k.id.toString('hex'), k]));
  if (byId.size !== keys.length) {
    throw new Error('createKeyRing received the same secret twice; each secret must be distinct');
  }
  const current = keys[0] as RingKey;
  return {
    current,
    keys,
    find: (id) => byId.get(id.toString('hex')),
  };
}
