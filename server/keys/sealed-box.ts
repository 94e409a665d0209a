/**
 * Sealed boxes: AES-256-GCM with a random 96-bit nonce per seal and a key derived per
 * purpose from the ring's newest secret. Hand-rolled on node:crypto because the libraries
 * that do this (@hapi/iron, jose JWE) either derive keys with a password KDF per call or
 * parse a JSON header per token, neither of which a server-to-itself box needs; this is
 * about 60 lines of standard AEAD framing on the hot path of every redeem.
 *
 * Layout, base64url-encoded:
 *   version (1) | purpose (1) | key id (8) | nonce (12) | ciphertext | tag (16)
 * The first 10 bytes (the header) are authenticated as additional data, so a header cannot
 * be swapped onto another box.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { KEY_ID_BYTES, type KeyPurpose, type KeyRing } from './keyring.ts';
import { randomBytesFast } from './random.ts';

export const BOX_VERSION = 1;

/** The purposes a box can be sealed for, with their header byte. */
export const BOX_PURPOSES = {
  handoff: 1,
  flash: 2,
  'two-factor': 3,
  return: 4,
  'second-factor': 5,
} as const satisfies Partial<Record<KeyPurpose, number>>;
export type BoxPurpose = keyof typeof BOX_PURPOSES;

const HEADER_BYTES = 2 + KEY_ID_BYTES;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const MIN_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;
/** Longest token accepted, in characters; larger input is refused before decoding. */
export const MAX_BOX_CHARS = 8192;

export type OpenFailure = 'malformed' | 'wrong-purpose' | 'unknown-key' | 'tampered';
export type OpenResult = { ok: true; plaintext: Buffer } | { ok: false; reason: OpenFailure };

/** Encrypts and authenticates `plaintext` for `purpose` with the ring's newest key. */
export function sealBox(ring: KeyRing, purpose: BoxPurpose, plaintext: Buffer): string {
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = BOX_VERSION;
  header[1] = BOX_PURPOSES[purpose];
  ring.current.id.copy(header, 2);
  const nonce = randomBytesFast(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', ring.current.key(purpose), nonce);
  cipher.setAAD(header);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([header, nonce, body, final, cipher.getAuthTag()]).toString('base64url');
}

/**
 * Whether `token` names the ring's newest key (read from its header, without opening it):
 * a value kept at rest can then be sealed again under the newest key before an older one
 * leaves the ring.
 */
export function sealedByCurrentKey(ring: KeyRing, token: string): boolean {
  // 16 base64url characters hold the first 12 bytes, the whole header among them.
  const header = Buffer.from(token.slice(0, 16), 'base64url');
  return header.length >= HEADER_BYTES && header.subarray(2, HEADER_BYTES).equals(ring.current.id);
}

/** Opens a box sealed for `purpose` by any key on the ring. Never throws. */
export function openBox(ring: KeyRing, purpose: BoxPurpose, token: string): OpenResult {
  if (typeof token !== 'string' || token.length > MAX_BOX_CHARS) {
    return { ok: false, reason: 'malformed' };
  }
  const bytes = Buffer.from(token, 'base64url');
  // Node decodes leniently (skipping what is not base64url, accepting `+`, `/` and `=`), so
  // only a canonical token encodes back to itself: this refuses every other character too.
  if (bytes.length < MIN_BYTES || bytes.toString('base64url') !== token) {
    return { ok: false, reason: 'malformed' };
  }
  if (bytes[0] !== BOX_VERSION) return { ok: false, reason: 'malformed' };
  if (bytes[1] !== BOX_PURPOSES[purpose]) return { ok: false, reason: 'wrong-purpose' };
  const key = ring.find(bytes.subarray(2, HEADER_BYTES));
  if (!key) return { ok: false, reason: 'unknown-key' };
  const nonce = bytes.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const body = bytes.subarray(HEADER_BYTES + NONCE_BYTES, bytes.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key(purpose), nonce, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(bytes.subarray(0, HEADER_BYTES));
    decipher.setAuthTag(tag);
    return { ok: true, plaintext: Buffer.concat([decipher.update(body), decipher.final()]) };
  } catch {
    return { ok: false, reason: 'tampered' };
  }
}
