import { describe, expect, it } from 'vitest';
import {
  type Admission,
  createPasswordGate,
  type GatePass,
} from '../../../server/accounts/password-gate.ts';

/** A job whose end the test decides. */
function controlled() {
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { done, finish: () => finish() };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function passOf(admission: Admission): GatePass {
  if (!admission.ok) throw new Error(`expected a pass, got busy ${admission.retryAfterSeconds} s`);
  return admission.pass;
}

describe('createPasswordGate', () => {
  it('runs at most `concurrency` hashes at once, the rest in arrival order', async () => {
    const gate = createPasswordGate({ concurrency: 2, perIp: 10, perAccount: 10 });
    const jobs = ['a', 'b', 'c', 'd'].map((name) => ({ name, ...controlled() }));
    const started: string[] = [];
    const runs = jobs.map((job, i) =>
      passOf(gate.admit(`ip-${i}`, `acct-${i}`)).run(async () => {
        started.push(job.name);
        await job.done;
      }),
    );
    await flush();
    expect(started).toEqual(['a', 'b']);
    expect([gate.running, gate.waiting]).toEqual([2, 2]);
    jobs[1]?.finish();
    await flush();
    expect(started).toEqual(['a', 'b', 'c']);
    for (const job of jobs) job.finish();
    await Promise.all(runs);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect([gate.running, gate.waiting]).toEqual([0, 0]);
  });

  it('refuses a pass beyond the per-IP and per-account caps at once, and admits again after leave', () => {
    const gate = createPasswordGate({ concurrency: 1, perIp: 2, perAccount: 1 });
    const first = passOf(gate.admit('198.51.100.1', 'a@example.com'));
    passOf(gate.admit('198.51.100.1', 'b@example.com'));
    expect(gate.admit('198.51.100.1', 'c@example.com')).toMatchObject({ ok: false });
    expect(gate.admit('198.51.100.2', 'a@example.com')).toMatchObject({ ok: false });
    expect(gate.admit('198.51.100.2', 'c@example.com')).toMatchObject({ ok: true });
    first.leave();
    first.leave(); // twice is once
    expect(gate.held).toBe(2);
    expect(gate.admit('198.51.100.1', 'a@example.com')).toMatchObject({ ok: true });
  });

  it('answers busy once the expected wait (passes ahead x average hash time / slots) passes maxWaitMs', () => {
    const gate = createPasswordGate({
      concurrency: 2,
      perIp: 100,
      perAccount: 100,
      maxWaitMs: 2000,
      initialHashMs: 400,
    });
    // Up to eleven passes ahead over two slots: five rounds of 400 ms, 2000 ms, within the wait.
    for (let i = 0; i < 12; i++) passOf(gate.admit(`ip-${i}`, `acct-${i}`));
    // Twelve ahead: six rounds, 2400 ms.
    expect(gate.admit('ip-12', 'acct-12')).toEqual({ ok: false, retryAfterSeconds: 3 });
    expect(gate.held).toBe(12);
  });

  it('holds at most queueLimit passes however fast the hashes are, so memory stays bounded', () => {
    const gate = createPasswordGate({
      concurrency: 1,
      perIp: 1_000,
      perAccount: 1_000,
      queueLimit: 5,
      initialHashMs: 1,
    });
    const answers = Array.from({ length: 1_000 }, (_, i) => gate.admit('ip', `acct-${i}`));
    expect(answers.filter((answer) => answer.ok)).toHaveLength(5);
    expect(answers.slice(5)).toEqual(Array(995).fill({ ok: false, retryAfterSeconds: 1 }));
    expect(gate.held).toBe(5);
  });

  it('learns the hash time from its clock (a running average)', async () => {
    let now = 0;
    const gate = createPasswordGate({
      concurrency: 1,
      perIp: 100,
      perAccount: 100,
      maxWaitMs: 1000,
      initialHashMs: 100,
      now: () => now,
    });
    const pass = passOf(gate.admit('ip', 'acct'));
    // Hashes take 1100 ms on this clock: the average climbs from 100 ms towards it.
    for (let i = 0; i < 20; i++) {
      await pass.run(async () => {
        now += 1100;
      });
    }
    pass.leave();
    // One pass ahead now means a wait past a second: a second newcomer is told to come back.
    passOf(gate.admit('ip-2', 'acct-2'));
    expect(gate.admit('ip-3', 'acct-3')).toEqual({ ok: false, retryAfterSeconds: 2 });
  });

  it('frees the slot of a hash that fails', async () => {
    const gate = createPasswordGate({ concurrency: 1 });
    const pass = passOf(gate.admit('ip', 'acct'));
    await expect(pass.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await pass.run(async () => 'next')).toBe('next');
    expect(gate.running).toBe(0);
  });

  it('refuses options that are not whole numbers of at least 1, naming the option and the value', () => {
    expect(() => createPasswordGate({ concurrency: 0 })).toThrow(
      'createPasswordGate option concurrency must be a whole number of at least 1 (received 0)',
    );
    expect(() => createPasswordGate({ concurrency: 1, perIp: 1.5 })).toThrow(
      'createPasswordGate option perIp must be a whole number of at least 1 (received 1.5)',
    );
    expect(() => createPasswordGate({ concurrency: 1, maxWaitMs: 0 })).toThrow(
      'createPasswordGate option maxWaitMs must be a positive number (received 0)',
    );
  });
});
