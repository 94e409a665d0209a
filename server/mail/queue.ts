/**
 * The mail queue: sending never holds up a request. `send` queues the email and returns at
 * once; a few deliveries run at a time, and a failed one is tried again after each of a few
 * growing waits before it is given up. Every outcome is logged with the email's kind, its
 * queue id and the attempt, never with its address, words or links: a server's reply is
 * not logged either, since it may quote the message.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { Email } from './email.ts';
import type { MailTransport } from './transport.ts';

/** Runs `task` after `ms` and returns a function that cancels it. */
export type Schedule = (task: () => void, ms: number) => () => void;

export interface MailQueueOptions {
  transport: MailTransport;
  /** The sender of every email (MAIL_FROM). */
  from: string;
  logger: Logger;
  /** The wait before each retry: as many retries as entries. */
  retryDelaysMs?: readonly number[];
  /** Timers for retries and for the grace at close (tests fire them by hand). */
  schedule?: Schedule;
  /** Most deliveries at once. */
  concurrency?: number;
  /** Most emails held (waiting, sending or between tries); past it, new ones are dropped and logged. */
  maxPending?: number;
}

export const MAIL_QUEUE_DEFAULTS = Object.freeze({
  retryDelaysMs: Object.freeze([5_000, 30_000, 120_000]),
  concurrency: 4,
  maxPending: 1_000,
});

export interface Mailer {
  /** Queues an email and returns at once; its delivery, and any failure, happen later. */
  send(email: Email): void;
  /** Resolves once nothing is waiting, sending or due for a retry. */
  idle(): Promise<void>;
  /**
   * Stops taking emails, lets those waiting or sending finish for up to `graceMs`, then
   * drops the rest (logged) and closes the transport.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

interface Job {
  id: string;
  email: Email;
  attempt: number;
}

/** A timer that does not keep the process alive. */
export const realSchedule: Schedule = (task, ms) => {
  const timer = setTimeout(task, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * What may be logged of a failed delivery: the error's code, and the SMTP reply code and
 * command when there was a reply. Its message only when no server replied (a refused
 * connection, a timeout): a reply's text may quote the email.
 */
export function describeFailure(error: unknown): Record<string, string | number> {
  if (!(error instanceof Error)) return { error: typeof error };
  const e = error as Error & { code?: unknown; responseCode?: unknown; command?: unknown };
  const replied = 'response' in e && e.response !== undefined;
  return {
    error: typeof e.code === 'string' ? e.code : e.name,
    ...(typeof e.responseCode === 'number' ? { responseCode: e.responseCode } : {}),
    ...(typeof e.command === 'string' ? { command: e.command } : {}),
    ...(replied ? {} : { message: e.message }),
  };
}

export function createMailQueue(options: MailQueueOptions): Mailer {
  const { transport, from, logger } = options;
  const retryDelays = options.retryDelaysMs ?? MAIL_QUEUE_DEFAULTS.retryDelaysMs;
  const schedule = options.schedule ?? realSchedule;
  const concurrency = options.concurrency ?? MAIL_QUEUE_DEFAULTS.concurrency;
  const maxPending = options.maxPending ?? MAIL_QUEUE_DEFAULTS.maxPending;

  const waiting: Job[] = [];
  const retries = new Map<Job, () => void>();
  let sending = 0;
  let closed = false;
  /** Resolved once nothing is waiting or sending (and, for `idle`, due for a retry). */
  let idleWaiters: Array<() => void> = [];
  let drainWaiters: Array<() => void> = [];

  const busy = () => waiting.length + sending + retries.size;
  const settle = () => {
    if (waiting.length + sending > 0) return;
    const drained = drainWaiters;
    drainWaiters = [];
    for (const resolve of drained) resolve();
    if (retries.size > 0) return;
    const idle = idleWaiters;
    idleWaiters = [];
    for (const resolve of idle) resolve();
  };

  const failed = (job: Job, error: unknown) => {
    const fields = { mail: job.id, kind: job.email.kind, attempt: job.attempt };
    const delay = retryDelays[job.attempt - 1];
    if (delay === undefined || closed) {
      logger.error(
        { code: 'mail.failed', ...fields, ...describeFailure(error) },
        'email not sent: gave up',
      );
      return;
    }
    logger.warn(
      { code: 'mail.retry', ...fields, retryInMs: delay, ...describeFailure(error) },
      'email not sent: will retry',
    );
    retries.set(
      job,
      schedule(() => {
        retries.delete(job);
        waiting.push(job);
        pump();
      }, delay),
    );
  };

  const deliver = (job: Job) => {
    job.attempt += 1;
    sending += 1;
    Promise.resolve()
      .then(() => transport.deliver({ ...job.email, from }))
      .then(
        () =>
          logger.info(
            { code: 'mail.sent', mail: job.id, kind: job.email.kind, attempt: job.attempt },
            'email sent',
          ),
        (error: unknown) => failed(job, error),
      )
      .finally(() => {
        sending -= 1;
        pump();
        settle();
      });
  };

  function pump(): void {
    while (sending < concurrency && waiting.length > 0) deliver(waiting.shift() as Job);
  }

  return {
    send(email) {
      if (closed || busy() >= maxPending) {
        logger.error(
          { code: 'mail.dropped', kind: email.kind, reason: closed ? 'closed' : 'queue full' },
          'email not sent: dropped',
        );
        return;
      }
      waiting.push({ id: randomUUID(), email, attempt: 0 });
      pump();
    },
    idle() {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        settle();
      });
    },
    async close({ graceMs = 1_000 } = {}) {
      closed = true;
      // Waiting for what is under way, not for retries that are minutes off.
      await new Promise<void>((resolve) => {
        const cancel = schedule(resolve, graceMs);
        drainWaiters.push(() => {
          cancel();
          resolve();
        });
        settle();
      });
      const dropped = waiting.length + retries.size;
      for (const cancel of retries.values()) cancel();
      retries.clear();
      waiting.length = 0;
      if (dropped > 0) {
        logger.error({ code: 'mail.dropped', count: dropped, reason: 'closed' }, 'emails not sent');
      }
      await transport.close();
      settle();
    },
  };
}
