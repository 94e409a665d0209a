/**
 * Failing closed when the store is unreachable. A store call that fails because the store
 * cannot answer (a lost connection, a timeout, a busy or failing database: see
 * `isOutage`) becomes a `StoreUnavailableError`, so the routes and the live socket can tell
 * "the store is down, try again shortly" (503, logged at warn) from a bug. Any other error
 * (a TypeError, a constraint violation, a Redis script error) passes through unchanged and
 * is answered as a bug: 500, logged at error.
 */
import type { Store } from './store.ts';

/** Node's codes for a connection that failed, was refused or was cut. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

/**
 * SQLite's primary result codes for a database that cannot serve the call now (locked by
 * another connection, an I/O error, a full disk, out of memory, a file it cannot open);
 * extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE...) share their prefix.
 */
const SQLITE_OUTAGES = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_NOMEM',
  'SQLITE_CANTOPEN',
  'SQLITE_PROTOCOL',
];

/** Redis replies that mean "not now" rather than "wrong": loading, failing over, a busy script. */
const REDIS_REPLY_OUTAGES = /^(LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

/** ioredis's own messages for a command that never got an answer (Command.js, utils). */
const IOREDIS_NO_ANSWER = new Set(['Command timed out', 'Connection is closed.']);

/**
 * Whether `error` says the store could not answer (worth a retry shortly), as opposed to a
 * bug or a refused write. Follows `cause` links, so a wrapped connection error counts.
 */
export function isOutage(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof StoreUnavailableError) return true;
    const code = (e as { code?: unknown }).code;
    // Our own fail-fast guards: redis-connection.ts (unreachable, timed out).
    if (code === 'store.unreachable' || code === 'store.timeout') return true;
    // ioredis: a command retried past maxRetriesPerRequest, or flushed on a lost connection.
    if (e.name === 'MaxRetriesPerRequestError' || e.name === 'AbortError') return true;
    if (IOREDIS_NO_ANSWER.has(e.message)) return true;
    if (e.name === 'ReplyError' && REDIS_REPLY_OUTAGES.test(e.message)) return true;
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code)) return true;
      if (SQLITE_OUTAGES.some((prefix) => code === prefix || code.startsWith(`${prefix}_`)))
        return true;
    }
  }
  return false;
}

/**
 * What a failed store call throws: a `StoreUnavailableError` for an outage, else `error`
 * itself, so a bug keeps its own type and stack for the error log.
 */
export function storeFailure(operation: string, error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isOutage(error)) return error;
  return new StoreUnavailableError(operation, error);
}

export class StoreUnavailableError extends Error {
  readonly code = 'store.unavailable';
  /** Not for the browser: it may name hosts. The person sees a plain retry message. */
  readonly expose = false;
  readonly status = 503;
  constructor(operation: string, cause: unknown) {
    super(`The store did not answer ${operation}: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
    this.name = 'StoreUnavailableError';
  }
}

/** Seconds a client is asked to wait before retrying while the store is down. */
export const RETRY_AFTER_SECONDS = 2;

/** The message a person sees while the store is down. */
export const UNAVAILABLE_MESSAGE = 'Baton is briefly unavailable. Please try again in a moment.';

type AnyMethod = (...args: never[]) => Promise<unknown>;

function guard<T extends object>(part: T, name: string): T {
  const guarded = {} as Record<string, AnyMethod>;
  for (const key of Object.keys(part) as (keyof T & string)[]) {
    const method = part[key];
    if (typeof method !== 'function') continue;
    guarded[key] = async (...args: never[]) => {
      try {
        return await (method as AnyMethod).apply(part, args);
      } catch (error) {
        throw storeFailure(`${name}.${key}`, error);
      }
    };
  }
  return guarded as T;
}

/** Wraps a store so that every part of it fails with StoreUnavailableError on an outage. */
export function failClosed(store: Store): Store {
  return {
    kind: store.kind,
    accounts: guard(store.accounts, 'accounts'),
    sessions: guard(store.sessions, 'sessions'),
    handoffs: guard(store.handoffs, 'handoffs'),
    twoFactor: guard(store.twoFactor, 'twoFactor'),
    passkeys: guard(store.passkeys, 'passkeys'),
    challenges: guard(store.challenges, 'challenges'),
    tokens: guard(store.tokens, 'tokens'),
    mailbox: guard(store.mailbox, 'mailbox'),
    devices: guard(store.devices, 'devices'),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

export function isStoreUnavailable(error: unknown): error is StoreUnavailableError {
  return error instanceof StoreUnavailableError;
}
