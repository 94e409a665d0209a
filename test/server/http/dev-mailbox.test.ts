/**
 * `GET /dev/mailbox/json`: the emails the `mailbox:` transport kept, newest first; a route
 * that exists only with MAIL_URL=mailbox: outside production.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

let server: RunningServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

describe('GET /dev/mailbox/json', () => {
  it('lists every email kept, newest first, each with id, to, subject, text, html and sentAt', async () => {
    server = await startServer();
    const first = {
      id: 'mail-1',
      to: 'ada@example.com',
      subject: 'First',
      text: 'one\n',
      html: '<p>one</p>',
      sentAt: Date.UTC(2025, 0, 2, 3, 4, 5, 6),
    };
    const second = { ...first, id: 'mail-2', subject: 'Second', sentAt: first.sentAt + 1_000 };
    await server.store.mailbox.add(first);
    await server.store.mailbox.add(second);

    const response = await fetch(`${server.url}/dev/mailbox/json`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual([
      { ...second, sentAt: '2025-01-02T03:04:06.006Z' },
      { ...first, sentAt: '2025-01-02T03:04:05.006Z' },
    ]);
  });

  it('lists nothing when nothing was sent', async () => {
    server = await startServer({ mail: { url: { kind: 'mailbox' } } });

    expect(await (await fetch(`${server.url}/dev/mailbox/json`)).json()).toEqual([]);
  });

  it('does not exist in production (404)', async () => {
    server = await startServer({ production: true });

    expect((await fetch(`${server.url}/dev/mailbox/json`)).status).toBe(404);
  });

  it('does not exist when MAIL_URL names an SMTP server (404)', async () => {
    server = await startServer({
      mail: { url: { kind: 'smtp', secure: false, host: '127.0.0.1', port: 1 } },
    });

    expect((await fetch(`${server.url}/dev/mailbox/json`)).status).toBe(404);
  });
});
