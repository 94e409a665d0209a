/**
 * What the passkey ceremonies share: the store, the challenges, the relying party and the
 * clock, and the outcomes they answer with.
 */
import type { AuthenticatorTransportFuture } from '@simplewebauthn/server';
import type { PasskeyStore, StoredPasskey } from '../store/store.ts';
import type { Challenges } from './challenges.ts';
import type { RelyingParty } from './relying-party.ts';

export interface PasskeyContext {
  store: PasskeyStore;
  challenges: Challenges;
  /** The relying party as PUBLIC_ORIGIN reads now, or null when passkeys cannot work. */
  relyingParty: () => RelyingParty | null;
  now: () => number;
  challengeTtlMs: number;
  maxPerAccount: number;
}

export type PasskeyFailure =
  /** PUBLIC_ORIGIN names no host a passkey can belong to (an IP address). */
  | 'passkey.unavailable'
  /** No challenge for this socket: never asked, already used, expired, or another socket's. */
  | 'passkey.challenge-missing'
  /** The answer did not verify (signature, challenge, origin, relying party, shape). */
  | 'passkey.invalid'
  /** A sign-in with a passkey that is not (or no longer) on file. */
  | 'passkey.unknown'
  /** The signature counter did not move forward: a replay or a cloned authenticator. */
  | 'passkey.counter'
  | 'passkey.already-registered'
  | 'passkey.too-many'
  | 'passkey.name-invalid'
  /** Renaming or removing a passkey the account does not have. */
  | 'passkey.not-found';

export type Failed = { ok: false; code: PasskeyFailure };

/** Plain words for each failure, for the pages and the live forms. */
export const PASSKEY_MESSAGES: Readonly<Record<PasskeyFailure, string>> = Object.freeze({
  'passkey.unavailable': 'Passkeys are not available on this address.',
  'passkey.challenge-missing': 'That request has expired. Please try again.',
  'passkey.invalid': 'That passkey could not be checked. Please try again.',
  'passkey.unknown': 'That passkey is not registered with any account.',
  'passkey.counter': 'That passkey could not be checked. Please try again.',
  'passkey.already-registered': 'That passkey is already registered.',
  'passkey.too-many': 'You have as many passkeys as an account can have. Remove one first.',
  'passkey.name-invalid': `Give the passkey a name of 1 to 50 characters.`,
  'passkey.not-found': 'That passkey is not on your account.',
});

/** A passkey as the passkeys page lists it: nothing of its key. */
export interface PasskeySummary {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export function summarize(passkey: StoredPasskey): PasskeySummary {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt,
    lastUsedAt: passkey.lastUsedAt,
  };
}

const TRANSPORTS: ReadonlySet<string> = new Set<AuthenticatorTransportFuture>([
  'ble',
  'cable',
  'hybrid',
  'internal',
  'nfc',
  'smart-card',
  'usb',
]);

/** The transports WebAuthn defines, from what a browser reported; anything else dropped. */
export function knownTransports(
  transports: readonly string[] | undefined,
): AuthenticatorTransportFuture[] {
  return [...new Set(transports ?? [])].filter((t): t is AuthenticatorTransportFuture =>
    TRANSPORTS.has(t),
  );
}

/**
 * The WebAuthn user handle of an account: its id's bytes. Stable, so an authenticator keeps
 * one passkey per account and site, and free of personal data, as the spec asks.
 */
export function userHandle(accountId: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(accountId);
}

/** Longest credential id accepted: 1023 bytes (WebAuthn's limit) in base64url. */
export const MAX_CREDENTIAL_ID_CHARS = 1364;

/** A browser's answer, checked only as far as reading its credential id needs. */
export function credentialId(response: unknown): string | null {
  if (typeof response !== 'object' || response === null) return null;
  const id = (response as { id?: unknown }).id;
  if (typeof id !== 'string' || id === '' || id.length > MAX_CREDENTIAL_ID_CHARS) return null;
  return id;
}
