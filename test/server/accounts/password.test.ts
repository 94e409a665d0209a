import { describe, expect, it } from 'vitest';
import {
  createPasswordHasher,
  hashPassword,
  hashPasswordScrypt,
  needsRehash,
  OWASP_ARGON2,
  verifyPassword,
} from '../../../server/accounts/password.ts';

const CHEAP = { memoryCost: 64, timeCost: 1, parallelism: 1 };

describe('hashPassword / verifyPassword', () => {
  it('hashes with argon2id into a PHC string that carries its parameters', async () => {
    const hash = await hashPassword('correct horse', CHEAP);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  });

  it("defaults to OWASP's argon2id parameters (m=19456 KiB, t=2, p=1)", async () => {
    expect(OWASP_ARGON2).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(await hashPassword('x')).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('accepts the right password and refuses any other', async () => {
    const hash = await hashPassword('correct horse', CHEAP);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsf', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same', CHEAP)).not.toBe(await hashPassword('same', CHEAP));
  });

  it('verifies a legacy scrypt hash and says it needs redoing as argon2id', async () => {
    const legacy = await hashPasswordScrypt('pw', { ln: 10, r: 8, p: 1 });
    expect(legacy).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    expect(await verifyPassword('pw', legacy)).toBe(true);
    expect(await verifyPassword('pX', legacy)).toBe(false);
    expect(needsRehash(legacy, CHEAP)).toBe(true);
  });

  it('says a hash made with other argon2 parameters needs redoing, and one with these does not', async () => {
    const older = await hashPassword('pw', { ...CHEAP, memoryCost: 32 });
    expect(await verifyPassword('pw', older)).toBe(true);
    expect(needsRehash(older, CHEAP)).toBe(true);
    expect(needsRehash(await hashPassword('pw', CHEAP), CHEAP)).toBe(false);
  });

  it('never matches a malformed hash', async () => {
    for (const hash of [
      '',
      'plain',
      '$scrypt$ln=10,r=8,p=1$$',
      '$bcrypt$x',
      '$argon2id$v=19$m=64,t=1,p=1$$',
      '$argon2id$garbage',
    ]) {
      expect(await verifyPassword('pw', hash)).toBe(false);
      expect(needsRehash(hash, CHEAP)).toBe(true);
    }
  });
});

describe('createPasswordHasher', () => {
  it('hashes with the parameters it was given and verifies what it hashed', async () => {
    const hasher = createPasswordHasher(CHEAP);
    const hash = await hasher.hash('a fine password');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
    expect(await hasher.verify('a fine password', hash)).toBe(true);
    expect(hasher.needsRehash(hash)).toBe(false);
  });
});
