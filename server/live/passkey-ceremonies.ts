/**
 * The passkey ceremonies over the live socket (issue 17): `passkey-options` asks for a
 * challenge, kept for this socket alone (server/passkeys/challenges.ts), and the browser's
 * answer comes back on the same socket as `passkey-register` or `passkey-sign-in`. Only a
 * completed ceremony is `accepted`, with a handoff sealed as a form's is, so the session
 * cookie is still set by the one full-page POST to /handoff.
 *
 * Adding a passkey needs a signed-in socket whose session authenticated within SUDO_MINUTES
 * (refused with `auth.recent-required`, which sends the page to /confirm-password and back),
 * both when the challenge is asked for and when the answer comes. Its handoff changes no
 * session: it shows the passkeys page with a notice, and the account is emailed one.
 *
 * A sign-in is counted against the client IP's failed sign-in limit before the answer is
 * checked, so answers sent at once count too; a success gives the point back. It ends as a
 * password sign-in does (a new session, "Welcome back", the page first asked for), and that
 * sign-in counts for sudo mode. An account with authenticator codes on is signed in without
 * one: a passkey is already two factors, something held (the authenticator's private key)
 * and something the authenticator checked (a PIN or fingerprint: user verification). An
 * authenticator that did not verify its user (a bare security key) was only the first
 * factor, so that sign-in still waits for the code, as after a password.
 *
 * A confirmation (sudo mode, as /confirm-password's password) needs a signed-in socket and
 * one of its account's own passkeys, its user verified. It is counted as a failed sign-in
 * is, before the answer is checked, and ends as a password confirmation does: the `confirm`
 * change, to the page that asked for it.
 */

import { FORMS } from '../../shared/forms.ts';
import type { Flash } from '../../shared/page.ts';
import { PASSKEYS_PATH } from '../../shared/page.ts';
import type { ClientMessage, ServerMessage } from '../../shared/protocol.ts';
import {
  AUTH_REQUIRED,
  limited,
  RECENT_AUTH_REQUIRED,
  recentlyAuthenticated,
  WELCOME_BACK,
} from '../accounts/forms.ts';
import type { Accepted } from '../accounts/outcome.ts';
import { forget, refund, take } from '../limits/limits.ts';
import { PASSKEY_MESSAGES, type PasskeyFailure } from '../passkeys/context.ts';
import type { Passkeys } from '../passkeys/passkeys.ts';
import type { LiveDeps, LivePeer } from './connection.ts';
import { acceptedReply, refusedReply } from './replies.ts';

export type PasskeyMessage = Extract<
  ClientMessage,
  { type: 'passkey-options' | 'passkey-register' | 'passkey-sign-in' | 'passkey-confirm' }
>;

/** What the passkeys page says once a passkey is added. */
export const passkeyAdded = (name: string): Flash => ({
  kind: 'info',
  text: `Passkey “${name}” added. You can sign in with it now.`,
});

/** Answers one passkey request on `peer`'s socket. */
export function answerPasskey(
  message: PasskeyMessage,
  peer: LivePeer,
  deps: LiveDeps,
): Promise<ServerMessage> {
  const passkeys = deps.passkeys;
  if (!passkeys) return Promise.resolve(failed(message.ref, 'passkey.unavailable'));
  switch (message.type) {
    case 'passkey-options':
      if (message.purpose === 'sign-in') return signInOptions(message.ref, peer, passkeys);
      if (message.purpose === 'confirm') return confirmOptions(message.ref, peer, passkeys);
      return registrationOptions(message.ref, peer, deps, passkeys);
    case 'passkey-register':
      return register(message, peer, deps, passkeys);
    case 'passkey-sign-in':
      return signIn(message, peer, deps, passkeys);
    case 'passkey-confirm':
      return confirm(message, peer, deps, passkeys);
  }
}

/** A ceremony's failure, in plain words; no field is to blame. */
function failed(ref: number, code: PasskeyFailure): ServerMessage {
  return { type: 'refused', ref, code, message: PASSKEY_MESSAGES[code], errors: {} };
}

/** The options as they travel: the JSON the browser gives `navigator.credentials`. */
function optionsReply(ref: number, options: object): ServerMessage {
  return { type: 'passkey-options', ref, options: options as Record<string, unknown> };
}

async function signInOptions(
  ref: number,
  peer: LivePeer,
  passkeys: Passkeys,
): Promise<ServerMessage> {
  const asked = await passkeys.signInOptions({ socketId: peer.id });
  return asked.ok ? optionsReply(ref, asked.options) : failed(ref, asked.code);
}

/**
 * The signed-in account, when the socket's session authenticated recently; otherwise the
 * refusal to answer with.
 */
async function recentAccount(peer: LivePeer, deps: LiveDeps) {
  if (!peer.accountId) return { ok: false as const, refused: AUTH_REQUIRED };
  const who = { ip: peer.ip, accountId: peer.accountId, sessionRef: peer.sessionRef };
  if (!(await recentlyAuthenticated(deps.forms, who)))
    return { ok: false as const, refused: RECENT_AUTH_REQUIRED };
  const account = await deps.forms.store.accounts.findById(peer.accountId);
  if (!account) return { ok: false as const, refused: AUTH_REQUIRED };
  return { ok: true as const, account };
}

async function registrationOptions(
  ref: number,
  peer: LivePeer,
  deps: LiveDeps,
  passkeys: Passkeys,
): Promise<ServerMessage> {
  const found = await recentAccount(peer, deps);
  if (!found.ok) return refusedReply(ref, found.refused);
  const { account } = found;
  const asked = await passkeys.registrationOptions({
    account: { id: account.id, email: account.email },
    socketId: peer.id,
  });
  return asked.ok ? optionsReply(ref, asked.options) : failed(ref, asked.code);
}

async function register(
  message: Extract<PasskeyMessage, { type: 'passkey-register' }>,
  peer: LivePeer,
  deps: LiveDeps,
  passkeys: Passkeys,
): Promise<ServerMessage> {
  const found = await recentAccount(peer, deps);
  if (!found.ok) return refusedReply(message.ref, found.refused);
  const added = await passkeys.register({
    accountId: found.account.id,
    socketId: peer.id,
    response: message.response,
    name: message.name,
  });
  if (!added.ok) return failed(message.ref, added.code);
  // Filed: the account hears of it (queued, so the reply does not wait for the mail).
  deps.forms.mail.passkeyAdded(found.account.email, added.passkey.name);
  const outcome: Accepted = {
    ok: true,
    change: { kind: 'none' },
    destination: PASSKEYS_PATH,
    flash: [passkeyAdded(added.passkey.name)],
  };
  return acceptedReply(message.ref, outcome, peer, deps);
}

async function signIn(
  message: Extract<PasskeyMessage, { type: 'passkey-sign-in' }>,
  peer: LivePeer,
  deps: LiveDeps,
  passkeys: Passkeys,
): Promise<ServerMessage> {
  const { loginFailsPerIp: perIp, loginFailsPerAccount: perAccount } = deps.limiters;
  // Counted first: a failure keeps the point, whatever it was.
  const wait = await take(perIp, peer.ip);
  if (wait) return refusedReply(message.ref, limited(wait, 'failed sign-ins'));
  const verified = await passkeys.signIn({ socketId: peer.id, response: message.response });
  if (!verified.ok) return failed(message.ref, verified.code);
  const account = await deps.forms.store.accounts.findById(verified.accountId);
  // Deleted while the ceremony ran (its passkeys go with it, so this is a narrow race).
  if (!account) return failed(message.ref, 'passkey.unknown');
  const change = {
    accountId: account.id,
    credentialVersion: account.credentialVersion,
    remember: message.remember,
  };
  if (!verified.userVerified && (await deps.forms.twoFactor.status(account.id)).enabled) {
    // One factor only (see the top): the code step next, the account's count kept until then.
    await refund(perIp, peer.ip);
    const codeFirst: Accepted = {
      ok: true,
      change: { kind: 'second-factor', ...change },
      destination: FORMS['login-code'].action,
      flash: [],
    };
    return acceptedReply(message.ref, codeFirst, peer, deps);
  }
  // As a right password does: the IP's point back, the account's failed count cleared.
  await Promise.all([refund(perIp, peer.ip), forget(perAccount, account.email)]);
  const outcome: Accepted = {
    ok: true,
    change: { kind: 'sign-in', ...change },
    destination: '/account',
    flash: [WELCOME_BACK],
  };
  return acceptedReply(message.ref, outcome, peer, deps);
}

async function confirmOptions(
  ref: number,
  peer: LivePeer,
  passkeys: Passkeys,
): Promise<ServerMessage> {
  if (!peer.accountId) return refusedReply(ref, AUTH_REQUIRED);
  const asked = await passkeys.confirmOptions({ accountId: peer.accountId, socketId: peer.id });
  return asked.ok ? optionsReply(ref, asked.options) : failed(ref, asked.code);
}

async function confirm(
  message: Extract<PasskeyMessage, { type: 'passkey-confirm' }>,
  peer: LivePeer,
  deps: LiveDeps,
  passkeys: Passkeys,
): Promise<ServerMessage> {
  if (!peer.accountId) return refusedReply(message.ref, AUTH_REQUIRED);
  const perIp = deps.limiters.loginFailsPerIp;
  // Counted first: a failure keeps the point, whatever it was.
  const wait = await take(perIp, peer.ip);
  if (wait) return refusedReply(message.ref, limited(wait, 'failed sign-ins'));
  const verified = await passkeys.confirm({
    accountId: peer.accountId,
    socketId: peer.id,
    response: message.response,
  });
  if (!verified.ok) return failed(message.ref, verified.code);
  const account = await deps.forms.store.accounts.findById(peer.accountId);
  if (!account) return refusedReply(message.ref, AUTH_REQUIRED);
  await refund(perIp, peer.ip);
  const outcome: Accepted = {
    ok: true,
    change: {
      kind: 'confirm',
      accountId: account.id,
      credentialVersion: account.credentialVersion,
    },
    destination: '/account',
    flash: [],
  };
  return acceptedReply(message.ref, outcome, peer, deps);
}
