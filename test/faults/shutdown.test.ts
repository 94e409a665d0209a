/**
 * SIGTERM, sent to the server process or to npm in front of it, stops Baton gracefully:
 * requests in flight finish, live sockets get 1012, `stopped` is logged and the exit code is
 * 0 (the server exits 1 by itself past its 10 s deadline, so 0 also means "in time").
 *
 * Nothing here waits on a timer. "In flight" is a request the server has provably started
 * (it answered `Expect: 100-continue`) whose body is held back until the shutdown began;
 * connections that never sent a whole request must be closed while that request is still
 * open, i.e. without waiting out the grace period, after which it would be cut.
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/protocol.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { freePort, type Instance, startInstance } from '../helpers/cluster.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** How many of each kind of connection are open at the SIGTERM. */
const MANY = 4;

let dataDir: string;
let projectCopy: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-shutdown-'));
  projectCopy = copyProject();
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(projectCopy, { recursive: true, force: true });
});

/**
 * What `npm start` needs, copied to a temporary folder: its build rewrites dist/, which the
 * other test files of this run are serving from.
 */
function copyProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-npm-start-'));
  for (const entry of [
    'package.json',
    'tsconfig.json',
    'vite.config.ts',
    'vite.server.config.ts',
    'client',
    // vite.config.ts's plugin that gives the passkey chunk its URL.
    'scripts',
    'server',
    'shared',
  ]) {
    cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

async function instanceEnv(): Promise<Record<string, string>> {
  const port = await freePort();
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_ORIGIN: `http://127.0.0.1:${port}`,
    // info: the test waits for the `shutting down` and `stopped` lines.
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
  };
}

/** A raw connection that records what it receives and when the server closes it. */
function rawConnection(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  socket.on('error', () => {}); // a reset is one way of being closed
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    closed,
    connected: new Promise<void>((resolve) => socket.once('connect', () => resolve())),
    received: () => received,
    async until(text: string): Promise<void> {
      while (!received.includes(text)) {
        await new Promise<void>((wake) => waiters.push(wake));
      }
    },
  };
}

async function outputUntil(instance: Instance, text: string): Promise<void> {
  while (!instance.output().includes(text)) {
    const { exitCode, signalCode } = instance.child;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(`exited (${exitCode ?? signalCode}) before "${text}"`);
    }
    await new Promise<void>((wake) => {
      instance.child.stdout?.once('data', () => wake());
      instance.child.once('exit', () => wake());
    });
  }
}

/**
 * A socket request that waits as long as a busy machine needs (a sign-up hashes a password):
 * this file tests the shutdown, not the reply time.
 */
async function patientRequest(
  live: Awaited<ReturnType<BrowserSession['openSocket']>>,
  message: Record<string, unknown>,
): Promise<ServerMessage> {
  const ref = live.nextRef();
  live.sendRaw(JSON.stringify({ ...message, ref }));
  return live.waitFor((m) => 'ref' in m && m.ref === ref, 60_000);
}

/** Shuts `instance` down with SIGTERM sent to `target` and checks every promise. */
async function gracefulStopScenario(instance: Instance, signal: () => void): Promise<void> {
  const port = Number(new URL(instance.url).port);
  const browser = new BrowserSession(instance.url);
  await browser.fetch('/signup');
  const live = await Promise.all(Array.from({ length: MANY }, () => browser.openSocket()));

  const silent = Array.from({ length: MANY }, () => rawConnection(port));
  await Promise.all(silent.map((c) => c.connected));
  const half = Array.from({ length: MANY }, () => rawConnection(port));
  for (const c of half)
    c.socket.write(`POST /signup HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Ty`);
  // Keep-alive connections that finished a request and wait for the next one.
  const idle = Array.from({ length: MANY }, () => rawConnection(port));
  for (const c of idle) c.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  await Promise.all(idle.map((c) => c.until('"ok":true')));

  // A cheap request (no password hash), so that how busy the machine is cannot make it
  // outlast the grace period: a handoff that does not open, answered 303 to /login.
  const body = new URLSearchParams({ handoff: 'not-a-handoff' }).toString();
  const inFlight = Array.from({ length: MANY }, () => rawConnection(port));
  for (const c of inFlight) {
    c.socket.write(
      [
        'POST /handoff HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        `Origin: ${instance.url}`,
        'Content-Type: application/x-www-form-urlencoded',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Expect: 100-continue',
        '',
        '',
      ].join('\r\n'),
    );
  }
  // Node answers 100 Continue when it hands the request to the app: it is now in flight.
  await Promise.all(inFlight.map((c) => c.until('100 Continue')));

  signal();
  await outputUntil(instance, '"msg":"shutting down"');
  for (const socket of live) {
    expect(await socket.closed).toEqual({ code: 1012, reason: 'service restart' });
  }
  // Closed while the requests in flight are still open, so not by the grace period's cut.
  await Promise.all([...silent, ...half, ...idle].map((c) => c.closed));
  for (const c of half) expect(c.received()).toBe('');

  for (const c of inFlight) c.socket.write(body);
  for (const c of inFlight) {
    await c.closed;
    const head = c
      .received()
      .split('\r\n\r\n')
      .find((part) => !part.includes('100 Continue'));
    expect(head).toMatch(/^HTTP\/1\.1 303 See Other\r\n/);
    expect(head).toContain('\r\nLocation: /login\r\n');
    expect(head).toContain('\r\nConnection: close\r\n');
  }

  expect(await instance.stop()).toBe(0);
  expect(instance.output()).toContain('"msg":"stopped"');
}

describe('graceful shutdown on SIGTERM', () => {
  it('sent to the server process: finishes the request in flight, closes live sockets with 1012, closes idle and half-sent connections at once, logs stopped and exits 0', async () => {
    const instance = await startInstance(await instanceEnv());
    try {
      await gracefulStopScenario(instance, () => instance.child.kill('SIGTERM'));
    } finally {
      await instance.stop();
    }
  }, 150_000);

  it('sent to the `npm start` process alone (as docker stop or a process manager does): reaches the server, which stops the same way, and npm exits 0', async () => {
    // `npm start` builds first; a busy machine may take a while.
    const instance = await startInstance(await instanceEnv(), {
      command: ['npm', 'start'],
      cwd: projectCopy,
      startTimeoutMs: 90_000,
    });
    try {
      await gracefulStopScenario(instance, () => instance.child.kill('SIGTERM'));
    } finally {
      await instance.stop();
    }
  }, 150_000);

  it('ignores a second SIGTERM during the shutdown (npm forwards it, a process group gets it too)', async () => {
    const instance = await startInstance(await instanceEnv());
    try {
      await gracefulStopScenario(instance, () => {
        instance.child.kill('SIGTERM');
        instance.child.kill('SIGTERM');
      });
    } finally {
      await instance.stop();
    }
  }, 150_000);

  it('lets a sign-in go through a restart of the instance serving its socket', async () => {
    const env = await instanceEnv();
    let instance: Instance = await startInstance(env);
    try {
      const browser = new BrowserSession(instance.url);
      await browser.fetch('/signup');
      const first = await browser.openSocket();
      const validated = await patientRequest(first, {
        type: 'validate',
        form: 'signup',
        fields: { email: 'restart@example.com', password: 'a fine password' },
      });
      expect(validated).toEqual({ type: 'validated', ref: 1, errors: {} });
      const stopping = instance.stop();
      expect((await first.closed).code).toBe(1012);
      expect(await stopping).toBe(0);
      // The client reconnects (here: to the same instance, restarted) and submits there.
      instance = await startInstance(env);
      const second = await browser.openSocket();
      const reply = await patientRequest(second, {
        type: 'submit',
        form: 'signup',
        fields: { email: 'restart@example.com', password: 'a fine password' },
      });
      second.close();
      if (reply.type !== 'accepted') throw new Error(`sign-up refused: ${JSON.stringify(reply)}`);
      expect(
        (await browser.post('/handoff', { handoff: reply.handoff })).headers.get('location'),
      ).toBe('/account');
      expect(await (await browser.fetch('/account')).text()).toContain('restart@example.com');
    } finally {
      await instance.stop();
    }
  }, 150_000);
});
