/**
 * createNewDeviceNotices on its own, with fakes: when it does its work (after the response,
 * never before) and what it decides for a sign-up, a known browser and an account deleted
 * meanwhile. The whole flow through a real server is in new-device.test.ts.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../server/logger.ts';
import type { AccountMail } from '../../../server/mail/account-mail.ts';
import {
  createNewDeviceNotices,
  deviceDigest,
  type SignInSighting,
} from '../../../server/session/new-device.ts';
import { openSqliteStore } from '../../../server/store/sqlite.ts';

const CHROME_ON_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** A response still being sent until `finish()`. */
function openResponse(): ServerResponse & { finish(): void } {
  const response = Object.assign(new EventEmitter(), {
    closed: false,
    finish() {
      response.closed = true;
      response.emit('close');
    },
  });
  return response as unknown as ServerResponse & { finish(): void };
}

const doneResponse = () => ({ closed: true }) as unknown as ServerResponse;

async function harness() {
  const store = openSqliteStore({ file: ':memory:' });
  const account = await store.accounts.create('owner@example.test', 'hash');
  if (!account) throw new Error('no account');
  const sent: Array<{ to: string; device: string; ip: string; at: number }> = [];
  const none = () => {};
  const mail: AccountMail = {
    passwordChanged: none,
    twoFactorDisabled: none,
    passwordReset: none,
    loginLink: none,
    confirmEmail: none,
    emailChange: none,
    emailChanged: none,
    passkeyAdded: none,
    passkeyRemoved: none,
    accountDeleted: none,
    newDevice: (to, signIn) => void sent.push({ to, ...signIn }),
  };
  const notices = createNewDeviceNotices({
    devices: store.devices,
    accounts: store.accounts,
    mail,
    logger: createLogger({ level: 'silent' }),
  });
  const sighting = (overrides: Partial<SignInSighting> = {}): SignInSighting => ({
    accountId: account.id,
    binding: 'binding-hash-1',
    userAgent: CHROME_ON_LINUX,
    ip: '203.0.113.7',
    at: 1_000,
    signUp: false,
    ...overrides,
  });
  return { store, account, sent, notices, sighting };
}

describe('createNewDeviceNotices', () => {
  it('touches the store only once the response is sent, then queues one notice for a new browser', async () => {
    const { store, account, sent, notices, sighting } = await harness();
    const response = openResponse();

    notices.signedIn(sighting(), response);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await store.devices.count(account.id)).toBe(0);

    response.finish();
    await notices.idle();
    expect(await store.devices.count(account.id)).toBe(1);
    expect(sent).toEqual([
      { to: 'owner@example.test', device: 'Chrome on Linux', ip: '203.0.113.7', at: 1_000 },
    ]);
  });

  it('files a sign-up browser without a notice, and a browser already known gets none', async () => {
    const { store, account, sent, notices, sighting } = await harness();

    notices.signedIn(sighting({ signUp: true }), doneResponse());
    notices.signedIn(sighting({ at: 2_000 }), doneResponse());
    await notices.idle();

    expect(sent).toEqual([]);
    expect(await store.devices.count(account.id)).toBe(1);
  });

  it('sends nothing for an account deleted before its notice is decided', async () => {
    const { store, account, sent, notices, sighting } = await harness();
    const response = openResponse();

    notices.signedIn(sighting(), response);
    await store.accounts.delete(account.id);
    response.finish();
    await notices.idle();

    expect(sent).toEqual([]);
    expect(await store.devices.count(account.id)).toBe(0);
  });
});

describe('deviceDigest', () => {
  it('files one browser under a different digest for each account, none of them its binding hash', () => {
    const first = deviceDigest('account-1', 'binding-hash-1');
    const second = deviceDigest('account-2', 'binding-hash-1');

    expect(first).not.toBe(second);
    expect(first).not.toContain('binding-hash-1');
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
