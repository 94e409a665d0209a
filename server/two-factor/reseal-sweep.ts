/**
 * The reseal sweep: seals every authenticator secret that is on again under the ring's
 * newest key, so that an older key can leave SECRET_KEYS without locking anyone out of
 * their authenticator app. A sign-in with a code already does this for its own account
 * (two-factor.ts `verify`); the sweep does it for the accounts that do not sign in before
 * the old key goes. Baton runs it once at each start when the ring holds more than one key
 * (app.ts).
 *
 * It reads the store a page at a time, with a pause before each page, and writes each
 * secret back with the store's compare-and-set `reseal`: a secret turned off, set up again
 * or resealed elsewhere (a sign-in, another instance's sweep) since it was listed is left
 * as it is. Any number of instances may sweep at once. A pending setup's secret is left:
 * it lives for minutes, far shorter than any rotation. A secret no key on the ring opens is
 * counted and logged by its account id, never deleted: its recovery codes still work.
 *
 * Nothing secret is logged: not the secret, not its sealed form (a store error is logged by
 * its code and message only, since a Redis error carries the arguments of its command).
 */
import type { KeyRing } from '../keys/keyring.ts';
import { sealedByCurrentKey } from '../keys/sealed-box.ts';
import type { Logger } from '../logger.ts';
import { realSchedule, type Schedule } from '../mail/queue.ts';
import type { SealedSecretPage, TwoFactorStore } from '../store/store.ts';
import { openTotpSecret, sealTotpSecret } from './sealed-secret.ts';

export interface ResealSweepOptions {
  store: TwoFactorStore;
  ring: KeyRing;
  logger: Logger;
  /** Stops the sweep after the store call in flight (Baton's `close`). */
  signal?: AbortSignal;
  /** Secrets asked for per page. Default 100. */
  pageSize?: number;
  /** The pause before each page (the first included, so a start is not slowed). Default 200 ms. */
  pauseMs?: number;
  /** The waits before trying a page the store failed again: as many tries more as entries. */
  retryDelaysMs?: readonly number[];
  /** Timers for the pauses and the retries (tests fire them at once, or hold them). */
  schedule?: Schedule;
}

export const RESEAL_SWEEP_DEFAULTS = Object.freeze({
  pageSize: 100,
  pauseMs: 200,
  retryDelaysMs: Object.freeze([5_000, 30_000, 120_000]),
});

/** What a sweep found, secret by secret. */
export interface ResealCounts {
  /** Sealed under an older key, and now sealed under the newest. */
  resealed: number;
  /** Already sealed under the newest key. */
  alreadyCurrent: number;
  /** Opened by no key on the ring (or not sealed for its account): left as it is. */
  unreadable: number;
  /** Changed between the listing and the write (turned off, set up again, resealed elsewhere). */
  changed: number;
}

/**
 * How a sweep ended: `done` once every page was read (and `two-factor.resealed` logged),
 * `stopped` by its signal, `failed` when the store failed a page past every retry.
 */
export interface ResealOutcome {
  status: 'done' | 'stopped' | 'failed';
  counts: ResealCounts;
}

/**
 * Runs the sweep to its end. Checks its options at once (throws on a bad one); the promise
 * it returns never rejects.
 *
 * @example
 * const outcome = await resealTotpSecrets({ store: store.twoFactor, ring, logger, signal });
 * // outcome.status === 'done': every secret that is on opens with the newest key alone
 */
export function resealTotpSecrets(options: ResealSweepOptions): Promise<ResealOutcome> {
  const pageSize = options.pageSize ?? RESEAL_SWEEP_DEFAULTS.pageSize;
  const pauseMs = options.pauseMs ?? RESEAL_SWEEP_DEFAULTS.pauseMs;
  const retryDelaysMs = options.retryDelaysMs ?? RESEAL_SWEEP_DEFAULTS.retryDelaysMs;
  checkOptions(pageSize, pauseMs, retryDelaysMs);
  return sweep({
    ...options,
    pageSize,
    pauseMs,
    retryDelaysMs,
    schedule: options.schedule ?? realSchedule,
  }).catch((error: unknown): ResealOutcome => {
    // Store failures are handled page by page; this is a bug, and it runs in the background
    // where nothing else would see it.
    options.logger.error(
      { code: 'two-factor.reseal-failed', ...describeError(error) },
      'reseal sweep failed',
    );
    return {
      status: 'failed',
      counts: { resealed: 0, alreadyCurrent: 0, unreadable: 0, changed: 0 },
    };
  });
}

type Settled = Required<Omit<ResealSweepOptions, 'signal'>> & Pick<ResealSweepOptions, 'signal'>;

async function sweep(options: Settled): Promise<ResealOutcome> {
  const { store, ring, logger, signal, schedule } = options;
  const counts: ResealCounts = { resealed: 0, alreadyCurrent: 0, unreadable: 0, changed: 0 };
  const end = (status: ResealOutcome['status']): ResealOutcome => {
    if (status === 'done') {
      logger.info(
        { code: 'two-factor.resealed', ...counts },
        'authenticator secrets sealed under the newest key',
      );
    } else if (status === 'stopped') {
      logger.info({ code: 'two-factor.reseal-stopped', ...counts }, 'reseal sweep stopped');
    }
    return { status, counts: { ...counts } };
  };

  let cursor: string | null = null;
  let failures = 0;
  let wait = options.pauseMs;
  for (;;) {
    if (!(await pause(schedule, wait, signal))) return end('stopped');
    let page: PageResult;
    try {
      const listed = await store.sealedSecrets(cursor, options.pageSize);
      page = await resealPage(store, ring, listed, signal);
    } catch (error) {
      const retryInMs = options.retryDelaysMs[failures];
      failures += 1;
      if (retryInMs === undefined) {
        logger.warn(
          { code: 'two-factor.reseal-failed', ...counts, ...describeError(error) },
          'reseal sweep gave up: the store failed',
        );
        return end('failed');
      }
      logger.warn(
        { code: 'two-factor.reseal-retry', retryInMs, ...describeError(error) },
        'reseal sweep: the store failed a page, trying it again',
      );
      wait = retryInMs;
      continue;
    }
    // A page counts once it is whole, so a page tried again is not counted twice (a secret
    // resealed before the failure then counts as already current).
    failures = 0;
    wait = options.pauseMs;
    counts.resealed += page.resealed;
    counts.alreadyCurrent += page.alreadyCurrent;
    counts.changed += page.changed;
    counts.unreadable += page.unreadable.length;
    for (const accountId of page.unreadable) {
      logger.warn(
        { code: 'two-factor.secret-unreadable', accountId },
        'authenticator secret opens with no key on the ring: left as it is',
      );
    }
    if (page.stopped) return end('stopped');
    if (page.next === null) return end('done');
    cursor = page.next;
  }
}

interface PageResult extends Omit<ResealCounts, 'unreadable'> {
  /** The accounts whose secret no key opened. */
  unreadable: string[];
  next: string | null;
  /** The signal aborted before every entry was seen. */
  stopped: boolean;
}

async function resealPage(
  store: TwoFactorStore,
  ring: KeyRing,
  page: SealedSecretPage,
  signal: AbortSignal | undefined,
): Promise<PageResult> {
  const result: PageResult = {
    resealed: 0,
    alreadyCurrent: 0,
    changed: 0,
    unreadable: [],
    next: page.next,
    stopped: false,
  };
  for (const { accountId, sealedSecret } of page.entries) {
    if (signal?.aborted) {
      result.stopped = true;
      break;
    }
    if (sealedByCurrentKey(ring, sealedSecret)) {
      result.alreadyCurrent += 1;
      continue;
    }
    const secret = openTotpSecret(ring, accountId, sealedSecret);
    if (secret === null) {
      result.unreadable.push(accountId);
      continue;
    }
    // Compare-and-set: only while the stored secret is still the one listed.
    const swapped = await store.reseal(
      accountId,
      sealedSecret,
      sealTotpSecret(ring, accountId, secret),
    );
    if (swapped) result.resealed += 1;
    else result.changed += 1;
  }
  return result;
}

/** Waits `ms` on `schedule`; false when `signal` aborts first (or had already). */
function pause(schedule: Schedule, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false);
      return;
    }
    let cancel = () => {};
    const onAbort = () => {
      cancel();
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    cancel = schedule(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
  });
}

/** What may be logged of a store failure: its code (or name) and message, none of its fields. */
function describeError(error: unknown): { error: string; message?: string } {
  if (!(error instanceof Error)) return { error: typeof error };
  const code = (error as { code?: unknown }).code;
  return { error: typeof code === 'string' ? code : error.name, message: error.message };
}

function checkOptions(pageSize: number, pauseMs: number, retryDelaysMs: readonly number[]): void {
  const problems: string[] = [];
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
    problems.push(
      `option "pageSize" must be a whole number from 1 to 10000 (received ${String(pageSize)})`,
    );
  }
  if (!Number.isSafeInteger(pauseMs) || pauseMs < 0) {
    problems.push(
      `option "pauseMs" must be a whole number of milliseconds, 0 or more (received ${String(pauseMs)})`,
    );
  }
  if (
    !Array.isArray(retryDelaysMs) ||
    !retryDelaysMs.every((ms) => Number.isSafeInteger(ms) && ms >= 0)
  ) {
    problems.push(
      `option "retryDelaysMs" must list whole numbers of milliseconds, 0 or more (received ${JSON.stringify(retryDelaysMs)})`,
    );
  }
  if (problems.length > 0) throw new Error(`resealTotpSecrets: ${problems.join('; ')}`);
}
