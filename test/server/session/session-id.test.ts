import { createHash } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { newSessionId, sessionRef } from '../../../server/session/session-id.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

describe('session ids', () => {
  it('begin with the time they were drawn, then 256 random bits', () => {
    const at = Date.UTC(2026, 11, 2, 6, 0, 0);
    const id = newSessionId(at);
    expect(id).toMatch(/^[0-9a-f]{12}[A-Za-z0-9_-]{43}$/);
    expect(Number.parseInt(id.slice(0, 12), 16)).toBe(at);
    expect(newSessionId(at)).not.toBe(id);
  });

  it('have refs that keep the time and hash the rest, so a ref is no cookie', () => {
    const id = newSessionId(1_700_000_000_000);
    const ref = sessionRef(id);
    expect(ref).toBe(id.slice(0, 12) + sha256(id));
    expect(ref).not.toContain(id.slice(12));
    expect(sessionRef(id)).toBe(ref);
  });

  it('file later sessions after earlier ones', () => {
    const refs = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000].map((at) =>
      sessionRef(newSessionId(at)),
    );
    expect([...refs].sort()).toEqual(refs);
  });

  it('give an id drawn before the time prefix its plain hash as before', () => {
    const legacy = 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c';
    expect(sessionRef(legacy)).toBe(sha256(legacy));
  });
});

describe('a session signed in before the time prefix', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('stays signed in after the upgrade', async () => {
    server = await startServer();
    const browser = new BrowserSession(server.url);
    const signUp = await browser.post('/signup', {
      email: 'legacy@example.com',
      password: 'a fine password',
    });
    expect(signUp.status).toBe(303);
    const current = browser.cookies.get('baton.sid') as string;
    const data = await server.store.sessions.get(sessionRef(current));
    expect(data).not.toBeNull();

    // The same session as an older Baton wrote it: a 43-character id, filed by its plain hash.
    const legacy = 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c';
    await server.store.sessions.destroy(sessionRef(current));
    await server.store.sessions.set(sha256(legacy), data as Record<string, unknown>, 60_000);
    const ctx = server.baton.app.createContext(
      new IncomingMessage(new Socket()),
      new ServerResponse(new IncomingMessage(new Socket())),
    );
    ctx.cookies.set('baton.sid', legacy, { signed: true });
    const signature = /baton\.sid\.sig=([^;]+)/.exec(String(ctx.response.get('Set-Cookie')))?.[1];
    browser.cookies.set('baton.sid', legacy);
    browser.cookies.set('baton.sid.sig', signature as string);

    const account = await browser.fetch('/account');
    expect(account.status).toBe(200);
    expect(await account.text()).toContain('legacy@example.com');
  });
});
