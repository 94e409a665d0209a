/**
 * Password hashing with node:crypto scrypt. The parameters travel inside each hash (PHC
 * string format), so they can be raised later and old hashes still verify:
 *   $scrypt$ln=17,r=8,p=1$<salt>$<hash>
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { HASH_SLOTS } from './hash-slots.ts';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  r: number;
  p: number;
}

/** OWASP's recommendation for scrypt: N = 2^17, r = 8, p = 1 (128 MiB, 1 pass). */
export const OWASP_SCRYPT: Readonly<ScryptParams> = Object.freeze({ ln: 17, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function derive(
  password: string,
  salt: Buffer,
  params: ScryptParams,
  length: number,
): Promise<Buffer> {
  const N = 2 ** params.ln;
  return HASH_SLOTS.run(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        // maxmem must cover 128 * N * r bytes, or Node refuses the larger costs.
        const maxmem = 128 * N * params.r * 2;
        scrypt(
          password.normalize('NFC'),
          salt,
          length,
          { N, r: params.r, p: params.p, maxmem },
          (error, key) => (error ? reject(error) : resolve(key)),
        );
      }),
  );
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

/** Hashes a password into a self-describing string. */
export async function hashPassword(
  password: string,
  params: ScryptParams = OWASP_SCRYPT,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

export function parseHash(hash: string): (ScryptParams & { salt: Buffer; key: Buffer }) | null {
  const m = PHC.exec(hash);
  if (!m) return null;
  const [, ln, r, p, salt, key] = m as unknown as [string, string, string, string, string, string];
  return {
    ln: Number(ln),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt, 'base64'),
    key: Buffer.from(key, 'base64'),
  };
}

/** Checks a password against a stored hash in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (!parsed || parsed.key.length === 0) return false;
  const key = await derive(password, parsed.salt, parsed, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** True when a hash was made with other parameters than `params`, so it should be redone. */
export function needsRehash(hash: string, params: ScryptParams): boolean {
  const parsed = parseHash(hash);
  return !parsed || parsed.ln !== params.ln || parsed.r !== params.r || parsed.p !== params.p;
}
