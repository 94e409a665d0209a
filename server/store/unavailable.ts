/**
 * Failing closed when the store is unreachable. Every store call that throws becomes a
 * `StoreUnavailableError`, so the routes and the live socket can tell "the store is down,
 * try again shortly" (503, nothing written) from a bug, whichever store is behind it.
 */
import type { Store } from './store.ts';

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
        throw new StoreUnavailableError(`${name}.${key}`, error);
      }
    };
  }
  return guarded as T;
}

/** Wraps a store so that its accounts, sessions and ledger fail with StoreUnavailableError. */
export function failClosed(store: Store): Store {
  return {
    kind: store.kind,
    accounts: guard(store.accounts, 'accounts'),
    sessions: guard(store.sessions, 'sessions'),
    handoffs: guard(store.handoffs, 'handoffs'),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

export function isStoreUnavailable(error: unknown): error is StoreUnavailableError {
  return error instanceof StoreUnavailableError;
}
