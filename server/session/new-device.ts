/**
 * The new-device notice (issue 16): a sign-in from a browser that never signed in to the
 * account before emails the account ("New sign-in from Chrome on Linux"), with a link to
 * its sessions page.
 *
 * A browser is its binding cookie (binding.ts), which it keeps for 400 days. Each account
 * keeps the digests of the browsers it has seen (`KnownDeviceStore`, the most recently seen
 * few), filed after every sign-in that makes a session: a handoff's redeem and the plain
 * form post, which passkey, code and emailed-link sign-ins end in too. A sign-up files its
 * browser without an email: the person who made the account is right there.
 *
 * The work happens after the response is sent, never on the redeem's path: the store step
 * that files the browser, then (for a new one) the account's address and the queued email.
 * A failure is logged and loses one notice, never a sign-in.
 */
import { hash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Logger } from '../logger.ts';
import type { AccountMail } from '../mail/account-mail.ts';
import type { AccountStore, KnownDeviceStore } from '../store/store.ts';
import { describeDevice } from './device.ts';

/** A sign-in that has just made a session, as the notice needs it. */
export interface SignInSighting {
  accountId: string;
  /** SHA-256 of the browser's binding cookie, base64url (as a handoff carries it). */
  binding: string;
  /** The request's User-Agent, named only when the email is written. */
  userAgent: string | undefined;
  /** The client IP. */
  ip: string;
  /** When it signed in (ms). */
  at: number;
  /** A new account's first sign-in: its browser is filed, and no email goes. */
  signUp: boolean;
}

export interface NewDeviceNotices {
  /**
   * Files the sign-in's browser under its account once `response` is done, and queues the
   * notice when the browser is new to the account. Not awaited, never throws.
   */
  signedIn(sighting: SignInSighting, response: ServerResponse): void;
  /** Resolves once every sign-in handed over has been filed and its notice queued. */
  idle(): Promise<void>;
}

export interface NewDeviceOptions {
  devices: KnownDeviceStore;
  accounts: AccountStore;
  mail: AccountMail;
  logger: Logger;
}

/**
 * What an account files a browser under: SHA-256 of the account id and the binding's hash.
 * Not the binding's hash itself, which is the same for every account the browser signs in
 * to: a copy of the store would then tell which accounts one browser uses. Neither can the
 * digest be turned back into the binding or its hash, which a handoff is bound to. Not keyed
 * by the key ring either: a rotated key would make every browser new again.
 */
export function deviceDigest(accountId: string, bindingHash: string): string {
  return hash('sha256', `baton.known-device\n${accountId}\n${bindingHash}`, 'base64url');
}

/** Resolves once `response` has been sent (or the client went away). */
function afterResponse(response: ServerResponse): Promise<void> {
  if (response.closed) return Promise.resolve();
  return new Promise((resolve) => response.once('close', () => resolve()));
}

export function createNewDeviceNotices(options: NewDeviceOptions): NewDeviceNotices {
  const pending = new Set<Promise<void>>();

  async function notice(sighting: SignInSighting): Promise<void> {
    const { accountId, at } = sighting;
    const digest = deviceDigest(accountId, sighting.binding);
    const isNew = await options.devices.remember(accountId, digest, at);
    if (!isNew || sighting.signUp) return;
    // Deleted since the sign-in: nobody to tell.
    const account = await options.accounts.findById(accountId);
    if (account === null) return;
    const device = describeDevice(sighting.userAgent);
    options.mail.newDevice(account.email, { device, ip: sighting.ip, at });
  }

  return {
    signedIn(sighting, response) {
      const task = afterResponse(response)
        .then(() => notice(sighting))
        .catch((error: unknown) =>
          options.logger.warn({ err: error }, 'new-device notice not decided'),
        )
        .finally(() => pending.delete(task));
      pending.add(task);
    },
    async idle() {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}
