import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { trackConnections } from '../../../server/http/drain.ts';

/** A raw client connection: what it received, and when the server closed it. */
function connect(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let wake: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
    wake?.();
  });
  socket.on('error', () => {});
  return {
    socket,
    connected: new Promise<void>((resolve) => socket.once('connect', () => resolve())),
    closed: new Promise<void>((resolve) => socket.once('close', () => resolve())),
    received: () => received,
    async until(text: string) {
      while (!received.includes(text)) await new Promise<void>((r) => (wake = r));
    },
  };
}

let server: Server;
afterEach(() => server?.closeAllConnections());

/** A server whose `/slow` requests wait until `release()`; everything else answers at once. */
async function gatedServer() {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let started: () => void = () => {};
  const slowStarted = new Promise<void>((resolve) => (started = resolve));
  server = createServer((req, res) => {
    if (req.url !== '/slow') return res.end('fast');
    started();
    void gate.then(() => res.end('slow done'));
  });
  const drain = trackConnections(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { drain, port: (server.address() as AddressInfo).port, release, slowStarted };
}

describe('trackConnections > close', () => {
  it('closes silent, half-sent and idle keep-alive connections at once, while a request in flight finishes with Connection: close', async () => {
    const { drain, port, release, slowStarted } = await gatedServer();
    const silent = Array.from({ length: 5 }, () => connect(port));
    await Promise.all(silent.map((c) => c.connected));
    const half = Array.from({ length: 5 }, () => connect(port));
    for (const c of half) c.socket.write('GET / HTTP/1.1\r\nHo');
    const idle = Array.from({ length: 5 }, () => connect(port));
    for (const c of idle) c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await Promise.all(idle.map((c) => c.until('fast')));
    const slow = connect(port);
    slow.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await slowStarted;

    let cut = false;
    const closed = drain.close({ graceMs: 60_000, cut: () => (cut = true) });
    // The slow request is still held at the gate: these closed without any grace period.
    await Promise.all([...silent, ...half, ...idle].map((c) => c.closed));
    for (const c of half) expect(c.received()).toBe('');

    release();
    await slow.closed;
    expect(slow.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(slow.received()).toContain('\r\nConnection: close\r\n');
    expect(slow.received().endsWith('slow done')).toBe(true);
    await closed;
    expect(cut).toBe(false);
  });

  it('cuts a request still in flight when the grace period ends, after calling cut', async () => {
    const { drain, port, slowStarted } = await gatedServer();
    const slow = connect(port);
    slow.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await slowStarted;
    let cut = false;
    await drain.close({ graceMs: 0, cut: () => (cut = true) });
    await slow.closed;
    expect(cut).toBe(true);
    expect(slow.received()).toBe('');
  });
});
