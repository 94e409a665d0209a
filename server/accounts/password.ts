/**
 * Password hashing: argon2id (through @node-rs/argon2) for every new hash, stored as a PHC
 * string that carries its own parameters, so they can be raised later and old hashes still
 * verify:
 *   $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
 * Hashes from before argon2 (node:crypto scrypt, `$scrypt$ln=17,r=8,p=1$<salt>$<hash>`)
 * still verify, and `needsRehash` says they should be redone at the next sign-in.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify, parseOptions } from '@node-rs/argon2';

export interface Argon2Params {
  /** Memory per hash, in KiB (`m=`). */
  memoryCost: number;
  /** Passes over the memory (`t=`). */
  timeCost: number;
  /** Lanes (`p=`). */
  parallelism: number;
}

/** OWASP's recommendation for argon2id: m = 19 MiB, t = 2, p = 1. */
export const OWASP_ARGON2: Readonly<Argon2Params> = Object.freeze({
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
});

/** What the forms hash and verify with; tests pass a counting or hand-driven one. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when `password` matches `stored`; a malformed hash never matches. */
  verify(password: string, stored: string): Promise<boolean>;
  /** True when `stored` was made another way than `hash` makes them now. */
  needsRehash(stored: string): boolean;
}

/** The hasher for the given argon2id parameters (OWASP's by default). */
export function createPasswordHasher(params: Argon2Params = OWASP_ARGON2): PasswordHasher {
  const options = { ...params };
  return {
    hash: (password) => hashPassword(password, options),
    verify: verifyPassword,
    needsRehash: (stored) => needsRehash(stored, options),
  };
}

/** Hashes a password with argon2id into a PHC string. */
export function hashPassword(
  password: string,
  params: Argon2Params = OWASP_ARGON2,
): Promise<string> {
  // @node-rs/argon2 defaults to argon2id, version 0x13, a 16-byte random salt and a 32-byte output.
  return argon2Hash(password.normalize('NFC'), { ...params });
}

/** Checks a password against a stored argon2id or legacy scrypt hash. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$argon2id$')) {
    // The library throws on a hash it cannot parse: that is a non-match, not an error.
    return argon2Verify(stored, password.normalize('NFC')).catch(() => false);
  }
  const legacy = parseScryptHash(stored);
  if (!legacy || legacy.key.length === 0) return false;
  const key = await scryptKey(password, legacy.salt, legacy, legacy.key.length);
  return timingSafeEqual(key, legacy.key);
}

/** True when a hash is not argon2id with exactly `params` (a scrypt hash always is), so it should be redone. */
export function needsRehash(stored: string, params: Argon2Params): boolean {
  if (!stored.startsWith('$argon2id$')) return true;
  try {
    const parsed = parseOptions(stored);
    return (
      parsed.memoryCost !== params.memoryCost ||
      parsed.timeCost !== params.timeCost ||
      parsed.parallelism !== params.parallelism
    );
  } catch {
    return true;
  }
}

/** The legacy scrypt hashes' parameters: log2 of the cost N, block size r, parallelism p. */
export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

const SCRYPT_PHC =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export function parseScryptHash(
  stored: string,
): (ScryptParams & { salt: Buffer; key: Buffer }) | null {
  const m = SCRYPT_PHC.exec(stored);
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

/**
 * Makes a legacy scrypt hash. Only tests call it, to stand for the hashes stored before
 * argon2; the server never writes one.
 */
export async function hashPasswordScrypt(password: string, params: ScryptParams): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptKey(password, salt, params, 32);
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

function scryptKey(
  password: string,
  salt: Buffer,
  params: ScryptParams,
  length: number,
): Promise<Buffer> {
  const N = 2 ** params.ln;
  // maxmem must cover 128 * N * r bytes, or Node refuses the larger costs.
  const maxmem = 128 * N * params.r * 2;
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      length,
      { N, r: params.r, p: params.p, maxmem },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}
