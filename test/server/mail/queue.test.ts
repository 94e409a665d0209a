/**
 * The mail queue with a fake transport and hand-fired timers: sending returns at once,
 * failures are retried after each configured wait, and no log line carries an email's
 * address, words or links.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../server/logger.ts';
import { composeEmail, type Email } from '../../../server/mail/email.ts';
import {
  createMailQueue,
  describeFailure,
  type MailQueueOptions,
  type Schedule,
} from '../../../server/mail/queue.ts';
import type { MailTransport, OutgoingEmail } from '../../../server/mail/transport.ts';
import { captureLogs } from '../../helpers/log-capture.ts';

const LINK = 'https://baton.example/reset-password/Zm9vYmFyLXRva2VuLXRoYXQtbXVzdC1uZXZlci1sZWFr';
const FROM = 'Baton <no-reply@baton.example>';

function email(n = 1): Email {
  return composeEmail({
    to: `person-${n}@example.com`,
    kind: 'test-notice',
    subject: `Secret subject ${n}`,
    blocks: [`Private words ${n}`, { label: 'Open', href: LINK }],
  });
}

/** Timers fired by the test: nothing happens until it says so. */
function handTimers() {
  const timers: Array<{ task: () => void; ms: number; live: boolean }> = [];
  const schedule: Schedule = (task, ms) => {
    const timer = { task, ms, live: true };
    timers.push(timer);
    return () => {
      timer.live = false;
    };
  };
  return {
    schedule,
    /** The waits of the timers not yet fired or cancelled. */
    pending: () => timers.filter((t) => t.live).map((t) => t.ms),
    /** Fires every live timer once. */
    fire() {
      for (const timer of timers.filter((t) => t.live)) {
        timer.live = false;
        timer.task();
      }
    },
  };
}

/** A transport that fails the first `failures` deliveries, then accepts. */
function fakeTransport(failures: number, error: () => Error = connectionRefused) {
  const delivered: OutgoingEmail[] = [];
  let attempts = 0;
  let closed = false;
  const transport: MailTransport = {
    kind: 'smtp',
    async deliver(outgoing) {
      attempts += 1;
      if (attempts <= failures) throw error();
      delivered.push(outgoing);
    },
    async close() {
      closed = true;
    },
  };
  return { transport, delivered, attempts: () => attempts, closed: () => closed };
}

function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2525'), {
    code: 'ESOCKET',
    command: 'CONN',
  });
}

/** What nodemailer rejects with when the server refuses the message, quoting it. */
function refusedQuotingTheMessage(): Error {
  return Object.assign(
    new Error(`Message failed: 554 rejected: blocked link ${LINK} to person-1@example.com`),
    {
      code: 'EMESSAGE',
      responseCode: 554,
      command: 'DATA',
      response: `554 rejected: blocked link ${LINK} to person-1@example.com`,
    },
  );
}

function queueWith(transport: MailTransport, options: Partial<MailQueueOptions> = {}) {
  const logs = captureLogs();
  const timers = handTimers();
  const mailer = createMailQueue({
    transport,
    from: FROM,
    logger: createLogger({ level: 'debug', destination: logs.destination }),
    retryDelaysMs: [1_000, 5_000, 20_000],
    schedule: timers.schedule,
    ...options,
  });
  return { mailer, logs, timers };
}

/** Lets queued promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createMailQueue', () => {
  it('returns from send before the transport is even asked', async () => {
    let asked = 0;
    let release = () => {};
    const transport: MailTransport = {
      kind: 'smtp',
      deliver: () => {
        asked += 1;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      close: async () => {},
    };
    const { mailer } = queueWith(transport);

    expect(mailer.send(email())).toBeUndefined();
    expect(asked).toBe(0);

    await settle();
    expect(asked).toBe(1);
    release();
    await mailer.idle();
  });

  it('hands the transport the email with MAIL_FROM as its sender, and logs it by kind', async () => {
    const fake = fakeTransport(0);
    const { mailer, logs } = queueWith(fake.transport);

    mailer.send(email());
    await mailer.idle();

    expect(fake.delivered).toEqual([{ ...email(), from: FROM }]);
    expect(logs.records()).toEqual([
      expect.objectContaining({
        level: 30,
        code: 'mail.sent',
        kind: 'test-notice',
        attempt: 1,
        mail: expect.any(String),
      }),
    ]);
  });

  it('retries a failed delivery after each configured wait in turn', async () => {
    const fake = fakeTransport(2);
    const { mailer, logs, timers } = queueWith(fake.transport);

    mailer.send(email());
    await settle();
    expect(fake.attempts()).toBe(1);
    expect(timers.pending()).toEqual([1_000]);

    timers.fire();
    await settle();
    expect(fake.attempts()).toBe(2);
    expect(timers.pending()).toEqual([5_000]);

    timers.fire();
    await mailer.idle();
    expect(fake.attempts()).toBe(3);
    expect(fake.delivered).toHaveLength(1);
    expect(logs.records().map((r) => [r.code, r.attempt, r.retryInMs])).toEqual([
      ['mail.retry', 1, 1_000],
      ['mail.retry', 2, 5_000],
      ['mail.sent', 3, undefined],
    ]);
  });

  it('gives up after the last retry, logging the failure at error', async () => {
    const fake = fakeTransport(Number.POSITIVE_INFINITY);
    const { mailer, logs, timers } = queueWith(fake.transport);

    mailer.send(email());
    for (let i = 0; i < 3; i += 1) {
      await settle();
      timers.fire();
    }
    await mailer.idle();

    expect(fake.attempts()).toBe(4);
    expect(timers.pending()).toEqual([]);
    const last = logs.records().at(-1);
    expect(last).toMatchObject({
      level: 50,
      code: 'mail.failed',
      kind: 'test-notice',
      attempt: 4,
      error: 'ESOCKET',
      command: 'CONN',
      message: 'connect ECONNREFUSED 127.0.0.1:2525',
    });
  });

  it('never logs the address, subject, words or links, even when the server quotes them', async () => {
    const fake = fakeTransport(Number.POSITIVE_INFINITY, refusedQuotingTheMessage);
    const { mailer, logs, timers } = queueWith(fake.transport);

    mailer.send(email());
    for (let i = 0; i < 3; i += 1) {
      await settle();
      timers.fire();
    }
    await mailer.idle();

    const text = logs.text();
    expect(logs.records()).toHaveLength(4);
    expect(logs.records().at(-1)).toMatchObject({
      code: 'mail.failed',
      error: 'EMESSAGE',
      responseCode: 554,
      command: 'DATA',
    });
    for (const secret of [
      LINK,
      'person-1@example.com',
      'Secret subject',
      'Private words',
      'reset-password',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('sends at most `concurrency` emails at once', async () => {
    let inFlight = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const transport: MailTransport = {
      kind: 'smtp',
      deliver: () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        return new Promise<void>((resolve) => {
          releases.push(() => {
            inFlight -= 1;
            resolve();
          });
        });
      },
      close: async () => {},
    };
    const { mailer } = queueWith(transport, { concurrency: 2 });

    for (let n = 0; n < 5; n += 1) mailer.send(email(n));
    for (let released = 0; released < 5; released += 1) {
      await settle();
      expect(inFlight).toBe(Math.min(2, 5 - released));
      releases.shift()?.();
    }
    await mailer.idle();

    expect(most).toBe(2);
  });

  it('drops, and logs, emails past `maxPending` instead of holding them without bound', async () => {
    const fake = fakeTransport(Number.POSITIVE_INFINITY);
    const { mailer, logs } = queueWith(fake.transport, { maxPending: 2 });

    mailer.send(email(1));
    mailer.send(email(2));
    mailer.send(email(3));

    expect(logs.records()).toEqual([
      expect.objectContaining({
        level: 50,
        code: 'mail.dropped',
        kind: 'test-notice',
        reason: 'queue full',
      }),
    ]);
  });

  it('waits at close for what is being sent, then drops the retries due later and says how many', async () => {
    const failing = fakeTransport(1);
    const { mailer, logs, timers } = queueWith(failing.transport);
    mailer.send(email(1));
    await settle();
    expect(timers.pending()).toEqual([1_000]);
    mailer.send(email(2));

    await mailer.close({ graceMs: 500 });

    expect(failing.delivered.map((e) => e.to)).toEqual(['person-2@example.com']);
    expect(timers.pending()).toEqual([]);
    expect(failing.closed()).toBe(true);
    expect(logs.records().at(-1)).toMatchObject({ code: 'mail.dropped', count: 1 });
    mailer.send(email(3));
    expect(logs.records().at(-1)).toMatchObject({ code: 'mail.dropped', reason: 'closed' });
    await mailer.idle();
  });
});

describe('describeFailure', () => {
  it("keeps an error's message only when no server replied", () => {
    expect(describeFailure(connectionRefused())).toEqual({
      error: 'ESOCKET',
      command: 'CONN',
      message: 'connect ECONNREFUSED 127.0.0.1:2525',
    });
    expect(describeFailure(refusedQuotingTheMessage())).toEqual({
      error: 'EMESSAGE',
      responseCode: 554,
      command: 'DATA',
    });
  });

  it('leaves out a command that is not a string (ioredis puts the arguments there)', () => {
    const error = Object.assign(new Error('ERR script failed'), {
      name: 'ReplyError',
      command: { name: 'evalsha', args: ['{"text":"Private words"}'] },
    });
    expect(describeFailure(error)).toEqual({ error: 'ReplyError', message: 'ERR script failed' });
  });
});
