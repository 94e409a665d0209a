/**
 * `npm run dev` as a developer runs it: Vite's dev server proxying every route of the Koa
 * server it starts beside it, pages rendered from the components' source, the live socket
 * through the proxy, a restart of the Koa side on a server edit, and one Ctrl-C to stop it all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMS } from '../../shared/forms.ts';
import { BrowserSession } from '../helpers/browser-session.ts';
import { freePort } from '../helpers/cluster.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
// Readiness waits, not performance bounds: Vite and the server start on a busy machine.
const READY_TIMEOUT_MS = 90_000;
const PASSWORD = 'a long enough password';

/** Resolves once `text` appears in the output after `from` characters, or rejects on exit. */
function waitForOutput(dev: ChildProcess, output: () => string, text: string, from = 0) {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${text}" in time:\n${output()}`)),
      READY_TIMEOUT_MS,
    );
    const check = () => {
      if (!output().slice(from).includes(text)) return;
      clearTimeout(timer);
      dev.stdout?.off('data', check);
      resolve();
    };
    dev.stdout?.on('data', check);
    dev.once('exit', (code) => reject(new Error(`npm run dev exited (${code}):\n${output()}`)));
    check();
  });
}

/** Whether any process of the process group `pgid` is still running. */
function groupIsRunning(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('npm run dev', () => {
  let dev: ChildProcess;
  let output = '';
  let base: string;
  let vitePort: number;
  let koaPort: number;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'baton-dev-'));

  beforeAll(async () => {
    vitePort = await freePort();
    koaPort = await freePort();
    base = `http://localhost:${vitePort}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(koaPort),
      VITE_PORT: String(vitePort),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    };
    // As in a developer's shell: vitest's NODE_ENV=test would change how Vite serves.
    delete env.NODE_ENV;
    // Its own process group, so the test can press Ctrl-C on all of it, as a terminal does.
    dev = spawn('npm', ['run', 'dev'], { cwd: ROOT, env, detached: true });
    dev.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    dev.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitForOutput(dev, () => output, 'Baton dev server:');
  }, READY_TIMEOUT_MS + 10_000);

  afterAll(() => {
    // Only if a test failed before stopping it.
    if (dev?.pid && groupIsRunning(dev.pid)) process.kill(-dev.pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('renders every form page for a signed-out visitor, from the components', async () => {
    const browser = new BrowserSession(base);
    // Forms opened from an emailed link have no page without their token.
    const pages = Object.values(FORMS).filter(
      (form) => form.audience === 'signed-out' && !form.link,
    );
    for (const spec of pages) {
      const response = await browser.fetch(spec.action);
      expect(response.status, spec.action).toBe(200);
      const html = await response.text();
      expect(html).toContain(`<title>${spec.title} · Baton</title>`);
      expect(html).toContain(`action="${spec.action}"`);
      expect(html).toContain('<script type="module" src="/entries/form.tsx"></script>');
      expect(html).toMatch(/data-hk="/);
    }
    const root = await browser.fetch('/');
    expect(root.status).toBe(303);
    expect(root.headers.get('location')).toBe('/login');
    expect((await browser.fetch('/healthz')).status).toBe(200);
  });

  it('signs up without JavaScript through the proxy, then serves /account and /change-password', async () => {
    const browser = new BrowserSession(base);
    await browser.fetch('/signup');
    const posted = await browser.post('/signup', { email: 'dev@example.com', password: PASSWORD });
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe('/account');

    const account = await browser.fetch('/account');
    expect(account.status).toBe(200);
    const accountHtml = await account.text();
    expect(accountHtml).toContain('dev@example.com');
    expect(accountHtml).toContain('<script type="module" src="/entries/account.tsx"></script>');

    const change = await browser.fetch('/change-password');
    expect(change.status).toBe(200);
    const changeHtml = await change.text();
    expect(changeHtml).toContain('<title>Change your password · Baton</title>');
    expect(changeHtml).toContain('Current password');
    expect(changeHtml).toContain('action="/change-password"');
  });

  it('leaves the client modules to Vite, /live/socket.ts beside the /live socket included', async () => {
    for (const module of ['/entries/form.tsx', '/live/socket.ts', '/@vite/client']) {
      const response = await fetch(base + module);
      expect(response.status, module).toBe(200);
      expect(response.headers.get('content-type'), module).toMatch(/javascript/);
    }
  });

  it('upgrades the live socket through the proxy, and reconnects after a server edit restarts Koa', async () => {
    const browser = new BrowserSession(base);
    await browser.fetch('/login');
    const socket = await browser.openSocket();
    const reply = await socket.request({
      type: 'validate',
      form: 'login',
      fields: { email: 'not-an-email', password: '' },
    });
    expect(reply.type).toBe('validated');

    const from = output.length;
    const edited = path.join(ROOT, 'server/http/health.ts');
    const now = new Date();
    utimesSync(edited, now, now);
    expect((await socket.closed).code).toBe(1012);
    await waitForOutput(dev, () => output, 'restarting the Koa server', from);

    // The page's socket comes back once the new server listens.
    await expect
      .poll(async () => (await browser.openSocket().catch(() => null)) !== null, {
        timeout: READY_TIMEOUT_MS,
        interval: 250,
      })
      .toBe(true);
  });

  it('stops Vite and the Koa server with one Ctrl-C', async () => {
    const pid = dev.pid as number;
    process.kill(-pid, 'SIGINT');
    // npm, tsx, Vite's process and the Koa child: every one of them ends.
    await expect
      .poll(() => groupIsRunning(pid), { timeout: READY_TIMEOUT_MS, interval: 100 })
      .toBe(false);
    expect(await portIsClosed(vitePort)).toBe(true);
    expect(await portIsClosed(koaPort)).toBe(true);
    expect(output).not.toMatch(/Error|cannot start/);
  });
});
