import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  needsRehash,
  parseHash,
  verifyPassword,
} from '../../../server/accounts/password.ts';

const CHEAP = { ln: 10, r: 8, p: 1 };

describe('hashPassword / verifyPassword', () => {
  it('stores its parameters inside the hash', async () => {
    const hash = await hashPassword('correct horse', CHEAP);
    expect(hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(parseHash(hash)).toMatchObject({ ln: 10, r: 8, p: 1 });
  });

  it('defaults to OWASP parameters (N=2^17, r=8, p=1)', async () => {
    expect(await hashPassword('x')).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
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

  it('verifies hashes made with older parameters and says they need redoing', async () => {
    const old = await hashPassword('pw', { ln: 9, r: 8, p: 1 });
    expect(await verifyPassword('pw', old)).toBe(true);
    expect(needsRehash(old, CHEAP)).toBe(true);
    expect(needsRehash(await hashPassword('pw', CHEAP), CHEAP)).toBe(false);
  });

  it('never matches a malformed hash', async () => {
    for (const hash of ['', 'plain', '$scrypt$ln=10,r=8,p=1$$', '$bcrypt$x']) {
      expect(await verifyPassword('pw', hash)).toBe(false);
    }
  });
});
