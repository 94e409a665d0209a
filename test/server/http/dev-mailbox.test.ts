/**
 * The dev mailbox: `GET /dev/mailbox` (the page), `/dev/mailbox/<id>` (an email's HTML part)
 * and `/dev/mailbox/json`, the emails the `mailbox:` transport kept, newest first; routes
 * that exist only with MAIL_URL=mailbox: outside production.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

const DEV_PATHS = ['/dev/mailbox/json', '/dev/mailbox', '/dev/mailbox/mail-1'];

/** An email as the mailbox keeps it, with a link and markup that must not run. */
const EMAIL = {
  id: 'mail-1',
  to: 'ada@example.com',
  subject: 'Reset your Baton password',
  text: 'Reset your password:\nhttp://127.0.0.1:3000/reset-password/abc\n',
  html: '<!doctype html><p><a href="http://127.0.0.1:3000/reset-password/abc">Reset</a><button class="danger">x</button></p>',
  sentAt: Date.UTC(2025, 0, 2, 3, 4, 5),
};

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

  it.each(DEV_PATHS)('%s does not exist in production (404)', async (path) => {
    server = await startServer({ production: true });
    await server.store.mailbox.add(EMAIL);

    expect((await fetch(`${server.url}${path}`)).status).toBe(404);
  });

  it.each(DEV_PATHS)('%s does not exist when MAIL_URL names an SMTP server (404)', async (path) => {
    server = await startServer({
      mail: { url: { kind: 'smtp', secure: false, host: '127.0.0.1', port: 1 } },
    });
    await server.store.mailbox.add(EMAIL);

    expect((await fetch(`${server.url}${path}`)).status).toBe(404);
  });
});

describe('GET /dev/mailbox', () => {
  it('lists every email newest first, its text readable and its links clickable', async () => {
    server = await startServer();
    await server.store.mailbox.add(EMAIL);
    await server.store.mailbox.add({
      ...EMAIL,
      id: 'mail-2',
      subject: 'Second <b>',
      text: 'Nothing to click & <i>no</i> markup.\n',
      sentAt: EMAIL.sentAt + 1_000,
    });

    const response = await fetch(`${server.url}/dev/mailbox`);

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('<title>Dev mailbox · Baton</title>');
    expect(html.indexOf('Second &lt;b>')).toBeGreaterThan(0);
    expect(html.indexOf('Second &lt;b>')).toBeLessThan(html.indexOf('Reset your Baton password'));
    expect(html).toContain('Nothing to click &amp; &lt;i>no&lt;/i> markup.');
    // Solid marks where text and elements were inserted (comments, data-hk): set aside.
    const markup = html.replace(/<!--\/?\$?-->/g, '').replace(/ data-hk="\w+"/g, '');
    expect(markup).toContain('To ada@example.com');
    expect(markup).toContain(
      '<a href="http://127.0.0.1:3000/reset-password/abc">http://127.0.0.1:3000/reset-password/abc</a>',
    );
    expect(html).toContain('href="/dev/mailbox/mail-1"');
    expect(html).not.toContain('<button class="danger">');
  });

  it('says so when nothing was sent', async () => {
    server = await startServer();

    expect(await (await fetch(`${server.url}/dev/mailbox`)).text()).toContain('No email yet.');
  });
});

describe('GET /dev/mailbox/<id>', () => {
  it('shows the HTML part as it is, in a sandbox with no script and nothing loaded', async () => {
    server = await startServer();
    await server.store.mailbox.add(EMAIL);

    const response = await fetch(`${server.url}/dev/mailbox/mail-1`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy.split(';')).toEqual(
      expect.arrayContaining([
        'sandbox allow-popups allow-popups-to-escape-sandbox',
        "default-src 'none'",
        "frame-ancestors 'none'",
      ]),
    );
    expect(policy).not.toContain('allow-scripts');
    expect(policy).not.toContain('allow-same-origin');
    expect(await response.text()).toBe(EMAIL.html);
  });

  it('is 404 for an id the mailbox does not hold', async () => {
    server = await startServer();

    expect((await fetch(`${server.url}/dev/mailbox/nope`)).status).toBe(404);
  });
});
