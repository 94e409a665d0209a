/**
 * The notices Baton emails about an account: short, in plain words, each saying what
 * happened, when, and what to do if it was not the account's owner.
 */
import { PASSKEYS_PATH, SESSIONS_PATH } from '../../shared/page.ts';
import { UNKNOWN_DEVICE } from '../session/device.ts';
import { absoluteLink, type Block, composeEmail, type Email } from './email.ts';

/** Where a notice is going and what it can link to. */
export interface NoticeContext {
  to: string;
  /** The first PUBLIC_ORIGIN: every link is built on it. */
  origin: string;
  /** When it happened (ms since the epoch). */
  at: number;
}

/** The last line of every email. */
export const SIGNATURE = '— Baton';

/** "Tue, 05 Mar 2024 10:00:00 GMT": unambiguous whatever the reader's time zone. */
function when(at: number): string {
  return new Date(at).toUTCString();
}

/**
 * "Your password was changed": sent after every password change, to the account's address.
 * If it was not the owner, someone else has the password: the way back is a reset, which
 * ends every session of the account.
 */
export function passwordChangedNotice(context: NoticeContext): Email {
  return composeEmail({
    to: context.to,
    kind: 'password-changed',
    subject: 'Your password was changed',
    blocks: [
      'Hello,',
      `The password of your Baton account (${context.to}) was changed on ${when(context.at)}.`,
      'If you changed it, there is nothing more to do.',
      'If it was not you, someone else knows your password. Reset it now: resetting it signs every browser out of your account, including theirs.',
      { label: 'Reset your password', href: absoluteLink(context.origin, '/forgot-password') },
      SIGNATURE,
    ],
  });
}

/**
 * "Two-factor authentication was turned off": sent when the authenticator app stops being
 * asked for at sign-in. If it was not the owner, someone signed in (and confirmed the
 * password) in their place: the way back is a reset, then turning it on again.
 */
export function twoFactorDisabledNotice(context: NoticeContext): Email {
  return composeEmail({
    to: context.to,
    kind: 'two-factor-disabled',
    subject: 'Two-factor authentication was turned off',
    blocks: [
      'Hello,',
      `Two-factor authentication was turned off for your Baton account (${context.to}) on ${when(context.at)}. Signing in now needs only your password.`,
      'If you turned it off, there is nothing more to do.',
      'If it was not you, someone else can sign in to your account. Reset your password now: resetting it signs every browser out of your account. Then turn two-factor authentication on again.',
      { label: 'Reset your password', href: absoluteLink(context.origin, '/forgot-password') },
    ],
  });
}

/**
 * "Your account was deleted": sent to the address once its account is gone. Nothing is left
 * to protect, so it only says what happened; if it was not the owner, someone had their
 * password, and the address is free to sign up again.
 */
export function accountDeletedNotice(context: NoticeContext): Email {
  return composeEmail({
    to: context.to,
    kind: 'account-deleted',
    subject: 'Your Baton account was deleted',
    blocks: [
      'Hello,',
      `The Baton account of ${context.to} was deleted on ${when(context.at)}, with everything Baton kept for it, and it was signed out everywhere.`,
      'If you deleted it, there is nothing more to do.',
      'If it was not you, someone else knew your password. You can create an account with this address again, with a new password.',
      { label: 'Create an account', href: absoluteLink(context.origin, '/signup') },
      SIGNATURE,
    ],
  });
}

/** What the new-device notice says about the sign-in. */
export interface NewDeviceContext extends NoticeContext {
  /** The browser, readable ("Chrome on Linux": session/device.ts). */
  device: string;
  /** The client IP it signed in from. */
  ip: string;
}

/** "Chrome on Linux" as it reads in the middle of a sentence ("an unknown browser"). */
function inSentence(device: string): string {
  return device === UNKNOWN_DEVICE ? device.toLowerCase() : device;
}

/**
 * "New sign-in from Chrome on Linux": sent when a browser that never signed in to the
 * account before does (session/new-device.ts). It links to the sessions page, where the
 * person sees that browser and can sign it out; if it was not them, someone has the
 * password, and changing it signs every other browser out.
 */
export function newDeviceNotice(context: NewDeviceContext): Email {
  const device = inSentence(context.device);
  return composeEmail({
    to: context.to,
    kind: 'new-device',
    subject: `New sign-in from ${device}`,
    blocks: [
      'Hello,',
      `Someone signed in to your Baton account (${context.to}) from ${device}, a browser that had not signed in to it before, on ${when(context.at)}, from the IP address ${context.ip}.`,
      'If it was you, there is nothing more to do.',
      'If it was not you, someone else knows your password. Sign that browser out on your sessions page, and change your password: changing it signs every other browser out of your account.',
      {
        label: 'Review your sessions',
        href: absoluteLink(context.origin, SESSIONS_PATH),
      },
      { label: 'Change your password', href: absoluteLink(context.origin, '/change-password') },
      SIGNATURE,
    ],
  });
}

/**
 * "Your email was changed": sent to the address an account had, once it moved to another.
 * It names the new address, so the owner knows where the account went. If it was not the
 * owner, someone had the password: the way back is to log in with the new address, change
 * the password (which signs every other browser out) and change the email back, whose link
 * then comes to the owner's own address.
 */
export function emailChangedNotice(context: NoticeContext & { newEmail: string }): Email {
  return composeEmail({
    to: context.to,
    kind: 'email-changed',
    subject: 'Your email was changed',
    blocks: [
      'Hello,',
      `The email of your Baton account was changed from ${context.to} to ${context.newEmail} on ${when(context.at)}. You now log in with the new address, and emails about the account go there.`,
      'If you changed it, there is nothing more to do.',
      'If it was not you, someone else knows your password. Log in with the new address and your password, change your password (that signs every other browser out), then change your email back.',
      { label: 'Log in', href: absoluteLink(context.origin, '/login') },
      SIGNATURE,
    ],
  });
}

/** Which passkey a passkey notice is about. */
export interface PasskeyNoticeContext extends NoticeContext {
  /** The name the account gave the passkey (server/passkeys/names.ts). */
  name: string;
}

/** What a passkey notice links to: the passkeys page, and the way to sign others out. */
function passkeyLinks(origin: string): Block[] {
  return [
    { label: 'Review your passkeys', href: absoluteLink(origin, PASSKEYS_PATH) },
    { label: 'Change your password', href: absoluteLink(origin, '/change-password') },
  ];
}

/**
 * "A passkey was added to your Baton account": sent once a passkey is filed for the account.
 * A passkey signs in without the password, so one the owner did not add is a way in that a
 * password change alone does not close: the notice says to remove it first.
 */
export function passkeyAddedNotice(context: PasskeyNoticeContext): Email {
  return composeEmail({
    to: context.to,
    kind: 'passkey-added',
    subject: 'A passkey was added to your Baton account',
    blocks: [
      'Hello,',
      `A passkey named “${context.name}” was added to your Baton account (${context.to}) on ${when(context.at)}. It can sign in to your account from now on.`,
      'If you added it, there is nothing more to do.',
      'If it was not you, someone else can sign in to your account. Remove that passkey on your passkeys page, then change your password: changing it signs every other browser out of your account.',
      ...passkeyLinks(context.origin),
      SIGNATURE,
    ],
  });
}

/**
 * "A passkey was removed from your Baton account": sent once a passkey is taken off the
 * account. If it was not the owner, someone signed in (and confirmed who they were) in their
 * place.
 */
export function passkeyRemovedNotice(context: PasskeyNoticeContext): Email {
  return composeEmail({
    to: context.to,
    kind: 'passkey-removed',
    subject: 'A passkey was removed from your Baton account',
    blocks: [
      'Hello,',
      `The passkey named “${context.name}” was removed from your Baton account (${context.to}) on ${when(context.at)}. It no longer signs in to your account.`,
      'If you removed it, there is nothing more to do.',
      'If it was not you, someone else can sign in to your account. Check the passkeys left on your passkeys page, then change your password: changing it signs every other browser out of your account.',
      ...passkeyLinks(context.origin),
      SIGNATURE,
    ],
  });
}
