import { afterAll, describe, expect, it } from 'vitest';
import { parseHash } from '../../server/accounts/password.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { type RunningServer, startServer } from '../helpers/start-server.ts';

const store = openSqliteStore({ file: ':memory:' });
const running: RunningServer[] = [];
afterAll(async () => {
  for (const server of running) await server.stop();
  await store.close();
});

describe('raising the scrypt parameters', () => {
  it("rehashes an account's password at its next sign-in, and the new hash still verifies", async () => {
    const before = await startServer({ store, scrypt: { ln: 10, r: 8, p: 1 } });
    running.push(before);
    await new BrowserSession(before.url).post('/signup', {
      email: 'rehash@example.com',
      password: 'a fine password',
    });
    const old = await store.accounts.findByEmail('rehash@example.com');
    expect(parseHash(old?.passwordHash ?? '')).toMatchObject({ ln: 10 });

    const after = await startServer({ store, scrypt: { ln: 11, r: 8, p: 1 } });
    running.push(after);
    const wrong = await new BrowserSession(after.url).post('/login', {
      email: 'rehash@example.com',
      password: 'nope nope',
    });
    expect(wrong.status).toBe(422);
    expect((await store.accounts.findByEmail('rehash@example.com'))?.passwordHash).toBe(
      old?.passwordHash,
    );

    const login = await new BrowserSession(after.url).post('/login', {
      email: 'rehash@example.com',
      password: 'a fine password',
    });
    expect(login.headers.get('location')).toBe('/account');
    const raised = await store.accounts.findByEmail('rehash@example.com');
    expect(parseHash(raised?.passwordHash ?? '')).toMatchObject({ ln: 11 });
    expect(raised?.passwordHash).not.toBe(old?.passwordHash);

    const again = await new BrowserSession(after.url).post('/login', {
      email: 'rehash@example.com',
      password: 'a fine password',
    });
    expect(again.headers.get('location')).toBe('/account');
  });
});
