import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseForm } from '../../../server/http/form-body.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

describe('parseForm', () => {
  it('decodes what a browser sends: plus as space, percent-encoded UTF-8', () => {
    expect(parseForm('email=ada%40example.com&password=caf%C3%A9+au+lait')).toEqual({
      email: 'ada@example.com',
      password: 'café au lait',
    });
  });

  it('keeps the first value of a name posted twice', () => {
    expect(parseForm('email=first%40example.com&email=second%40example.com')).toEqual({
      email: 'first@example.com',
    });
  });

  it('reads bracket and dot names as plain names, never as nesting', () => {
    expect(parseForm('email[a]=x&email.b=y&email=z')).toEqual({
      'email[a]': 'x',
      'email.b': 'y',
      email: 'z',
    });
  });

  it('files __proto__ as a field and touches no prototype', () => {
    const fields = parseForm('__proto__=x&constructor=y');
    expect(Object.getPrototypeOf(fields)).toBeNull();
    expect(Object.entries(fields)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('reads an empty body as no fields', () => {
    expect(parseForm('')).toEqual({});
  });
});

describe('posted bodies', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  const post = (body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string>) =>
    fetch(`${server.url}/login`, {
      method: 'POST',
      body,
      headers: { origin: server.origin, ...headers },
      redirect: 'manual',
    });

  it('refuses a form over 16 KB with 413 and plain words', async () => {
    const response = await post(`email=${'a'.repeat(16 * 1024)}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(response.status).toBe(413);
    expect(await response.text()).toBe('That form was too large to read.');
  });

  it('refuses a compressed form with 415', async () => {
    const response = await post(Uint8Array.from(gzipSync('email=a%40example.com&password=x')), {
      'content-type': 'application/x-www-form-urlencoded',
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(415);
    expect(await response.text()).toBe('A form must be sent uncompressed.');
  });

  it('reads a body of another type as an empty form', async () => {
    const response = await post(JSON.stringify({ email: 'a@example.com', password: 'x' }), {
      'content-type': 'application/json',
    });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('Enter your email address.');
  });

  it('accepts the content type with a charset and in any case', async () => {
    const browser = new BrowserSession(server.url);
    expect(
      (
        await browser.post('/signup', {
          email: 'typed@example.com',
          password: 'a fine password',
        })
      ).status,
    ).toBe(303);
    const response = await post('email=typed%40example.com&password=a+fine+password', {
      'content-type': 'Application/X-WWW-Form-Urlencoded; charset=UTF-8',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/account');
  });
});
