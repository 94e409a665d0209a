/**
 * Passkeys for Baton accounts: adding one (sudo is the caller's to check), signing in with
 * one over the live socket, confirming a signed-in person with one (sudo mode), and
 * listing, renaming and removing an account's passkeys.
 * Everything a ceremony needs comes in as options; the relying party is read from `origins`
 * (PUBLIC_ORIGIN) at each ceremony, as the Origin guard reads them.
 *
 * Each ceremony is two calls on one live socket: the options the browser needs, then its
 * answer. `socketId` is that socket's own id (LivePeer.id): the challenge is kept under it,
 * so an answer sent on any other socket finds no challenge and is refused.
 */
import type { Store } from '../store/store.ts';
import {
  type SignInOptionsResult,
  type SignInResult,
  signInOptions,
  verifySignIn,
} from './authentication.ts';
import { createChallenges } from './challenges.ts';
import {
  type ConfirmOptionsResult,
  type ConfirmResult,
  confirmOptions,
  verifyConfirm,
} from './confirmation.ts';
import { type Failed, type PasskeyContext, type PasskeySummary, summarize } from './context.ts';
import { normalizePasskeyName } from './names.ts';
import {
  type RegistrationOptionsResult,
  type RegistrationResult,
  registrationOptions,
  verifyRegistration,
} from './registration.ts';
import { type RelyingParty, relyingPartyFor } from './relying-party.ts';

export interface PasskeyOptions {
  store: Pick<Store, 'passkeys' | 'challenges'>;
  /** PUBLIC_ORIGIN's origins (BatonOptions.origins); the first names the relying party. */
  origins: readonly string[];
  now?: () => number;
  /** Shown by the browser when it asks to create or use a passkey. Default "Baton". */
  rpName?: string;
  /** How long a ceremony's challenge lasts. Default 2 minutes. */
  challengeTtlMs?: number;
  /** Most passkeys an account can have. Default 20. */
  maxPerAccount?: number;
}

export const PASSKEY_DEFAULTS = Object.freeze({
  rpName: 'Baton',
  challengeTtlMs: 2 * 60_000,
  maxPerAccount: 20,
});

export interface Passkeys {
  /** The relying party as PUBLIC_ORIGIN now reads, or null when passkeys cannot work there. */
  relyingParty(): RelyingParty | null;
  /** Options for `navigator.credentials.create()`; the challenge is kept for this socket. */
  registrationOptions(request: {
    account: { id: string; email: string };
    socketId: string;
  }): Promise<RegistrationOptionsResult>;
  /** Verifies the browser's answer on the same socket and files the passkey. */
  register(request: {
    accountId: string;
    socketId: string;
    response: unknown;
    name?: string;
  }): Promise<RegistrationResult>;
  /** Options for `navigator.credentials.get()` (any of the site's passkeys). */
  signInOptions(request: { socketId: string }): Promise<SignInOptionsResult>;
  /** Verifies the browser's answer on the same socket; names the account to sign in. */
  signIn(request: { socketId: string; response: unknown }): Promise<SignInResult>;
  /** Options for `get()` with the account's own passkeys, user verification required (sudo). */
  confirmOptions(request: { accountId: string; socketId: string }): Promise<ConfirmOptionsResult>;
  /** Verifies the answer on the same socket came from one of the account's passkeys. */
  confirm(request: {
    accountId: string;
    socketId: string;
    response: unknown;
  }): Promise<ConfirmResult>;
  /** The account's passkeys, oldest first. */
  list(accountId: string): Promise<PasskeySummary[]>;
  rename(accountId: string, id: string, name: string): Promise<{ ok: true } | Failed>;
  /** True when the account had that passkey. */
  remove(accountId: string, id: string): Promise<boolean>;
  /** Removes every passkey of the account (deleting it); resolves with how many. */
  removeAll(accountId: string): Promise<number>;
}

/**
 * @example
 * const passkeys = createPasskeys({ store, origins: config.publicOrigins });
 * const asked = await passkeys.signInOptions({ socketId: peer.id }); // send asked.options
 * const done = await passkeys.signIn({ socketId: peer.id, response }); // seal for done.accountId
 */
export function createPasskeys(options: PasskeyOptions): Passkeys {
  const settings: Settings = {
    rpName: options.rpName ?? PASSKEY_DEFAULTS.rpName,
    challengeTtlMs: options.challengeTtlMs ?? PASSKEY_DEFAULTS.challengeTtlMs,
    maxPerAccount: options.maxPerAccount ?? PASSKEY_DEFAULTS.maxPerAccount,
  };
  checkOptions(settings);
  const now = options.now ?? Date.now;
  const { store, origins } = options;

  const context: PasskeyContext = {
    store: store.passkeys,
    challenges: createChallenges({ store: store.challenges, now, ttlMs: settings.challengeTtlMs }),
    relyingParty: () => relyingPartyFor(origins, settings.rpName),
    now,
    challengeTtlMs: settings.challengeTtlMs,
    maxPerAccount: settings.maxPerAccount,
  };

  return {
    relyingParty: context.relyingParty,
    registrationOptions: (request) => registrationOptions(context, request),
    register: (request) => verifyRegistration(context, request),
    signInOptions: (request) => signInOptions(context, request),
    signIn: (request) => verifySignIn(context, request),
    confirmOptions: (request) => confirmOptions(context, request),
    confirm: (request) => verifyConfirm(context, request),
    async list(accountId) {
      return (await store.passkeys.listForAccount(accountId)).map(summarize);
    },
    async rename(accountId, id, raw) {
      const name = normalizePasskeyName(raw);
      if (name === null) return { ok: false, code: 'passkey.name-invalid' };
      return (await store.passkeys.rename(accountId, id, name))
        ? { ok: true }
        : { ok: false, code: 'passkey.not-found' };
    },
    remove: (accountId, id) => store.passkeys.remove(accountId, id),
    removeAll: (accountId) => store.passkeys.removeAll(accountId),
  };
}

type Settings = Required<Pick<PasskeyOptions, 'rpName' | 'challengeTtlMs' | 'maxPerAccount'>>;

function checkOptions(settings: Settings): void {
  if (typeof settings.rpName !== 'string' || settings.rpName.trim() === '') {
    throw new Error(
      `createPasskeys: option "rpName" must be a non-empty name (received ${JSON.stringify(settings.rpName)})`,
    );
  }
  for (const name of ['challengeTtlMs', 'maxPerAccount'] as const) {
    const value = settings[name];
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(
        `createPasskeys: option "${name}" must be a positive whole number (received ${String(value)})`,
      );
    }
  }
}
