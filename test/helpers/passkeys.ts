/**
 * Passkeys from a test: a server whose relying party is `localhost`, and the two ceremonies
 * over a browser's live socket answered by a software authenticator.
 */
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { expect } from 'vitest';
import type { BatonOptions } from '../../server/app.ts';
import { DEFAULT_LIMITS, type RateLimits } from '../../server/config.ts';
import type { ServerMessage } from '../../shared/protocol.ts';
import { BrowserSession, type LiveClient } from './browser-session.ts';
import { PASSWORD, testClock } from './outcomes.ts';
import type { SoftAuthenticator } from './soft-authenticator.ts';
import { startServer } from './start-server.ts';

export const SUDO_MS = 10 * 60_000;

export type PasskeyServer = Awaited<ReturnType<typeof startPasskeyServer>>;

/**
 * A server whose relying party is `localhost` (PUBLIC_ORIGIN names it first, as a passkey
 * needs a host name), on a moving clock; `overrides` for anything else (its mail transport). Browsers talk to 127.0.0.1 and send the localhost
 * Origin, as a page opened at http://localhost would.
 */
export async function startPasskeyServer(
  limits: Partial<RateLimits> = {},
  overrides: Partial<BatonOptions> = {},
) {
  const clock = testClock();
  const origins: string[] = [];
  const running = await startServer({
    now: clock.now,
    origins,
    sudoMs: SUDO_MS,
    limits: { ...DEFAULT_LIMITS, ...limits },
    ...overrides,
  });
  const origin = running.url.replace('127.0.0.1', 'localhost');
  origins.push(origin, running.url);
  /** A new browser on the login page. */
  const visitor = async () => {
    const browser = new BrowserSession(running.url, origin);
    await browser.fetch('/login');
    return browser;
  };
  /** A new browser signed up (so signed in, and its authentication recent). */
  const signedUp = async (email: string) => {
    const browser = await visitor();
    const response = await browser.post('/signup', { email, password: PASSWORD });
    expect(response.headers.get('location')).toBe('/account');
    await browser.fetch('/account');
    return browser;
  };
  return { clock, server: running, origin, visitor, signedUp };
}

export async function askOptions(live: LiveClient, purpose: 'register' | 'sign-in' | 'confirm') {
  return live.request({ type: 'passkey-options', purpose });
}

export function creationOptions(reply: ServerMessage): PublicKeyCredentialCreationOptionsJSON {
  if (reply.type !== 'passkey-options') throw new Error(`no options: ${JSON.stringify(reply)}`);
  return reply.options as unknown as PublicKeyCredentialCreationOptionsJSON;
}

export function requestOptions(reply: ServerMessage): PublicKeyCredentialRequestOptionsJSON {
  if (reply.type !== 'passkey-options') throw new Error(`no options: ${JSON.stringify(reply)}`);
  return reply.options as unknown as PublicKeyCredentialRequestOptionsJSON;
}

/** Adds `authenticator`'s passkey to the signed-in `browser`'s account; the reply to the answer. */
export async function addPasskey(
  browser: BrowserSession,
  authenticator: SoftAuthenticator,
  origin: string,
  name = 'Laptop',
): Promise<ServerMessage> {
  const live = await browser.openSocket();
  try {
    const options = creationOptions(await askOptions(live, 'register'));
    const response = authenticator.register(options, { origin });
    return await live.request({ type: 'passkey-register', response, name });
  } finally {
    live.close();
  }
}

/** Signs in with `authenticator` over a new socket of `browser`; the reply to the answer. */
export async function passkeySignIn(
  browser: BrowserSession,
  authenticator: SoftAuthenticator,
  origin: string,
  remember = false,
): Promise<ServerMessage> {
  const live = await browser.openSocket();
  try {
    const options = requestOptions(await askOptions(live, 'sign-in'));
    const response = authenticator.authenticate(options, { origin });
    return await live.request({ type: 'passkey-sign-in', response, remember });
  } finally {
    live.close();
  }
}

/** Confirms `browser`'s signed-in person with `authenticator` over a new socket; the reply. */
export async function passkeyConfirm(
  browser: BrowserSession,
  authenticator: SoftAuthenticator,
  origin: string,
): Promise<ServerMessage> {
  const live = await browser.openSocket();
  try {
    const options = requestOptions(await askOptions(live, 'confirm'));
    const response = authenticator.authenticate(options, { origin });
    return await live.request({ type: 'passkey-confirm', response });
  } finally {
    live.close();
  }
}

export function handoffOf(reply: ServerMessage): string {
  if (reply.type !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(reply)}`);
  return reply.handoff;
}

export const refusal = (reply: ServerMessage) =>
  reply.type === 'refused' ? reply.code : `${reply.type}: ${JSON.stringify(reply)}`;
