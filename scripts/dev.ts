/**
 * `npm run dev`: Vite's dev server (hot reload) in this process, and the Koa server beside it
 * in a child (scripts/dev-server.ts), restarted whenever a file under server/ or shared/
 * changes. Open the Vite URL: it serves the client and proxies every route the Koa server
 * has, and its live socket, to it. The proxy asks the route list the child reports from its
 * own router, so a route added to the server is proxied after the restart that adds it.
 * One Ctrl-C stops both. `VITE_PORT` (default 5173) and `PORT` (default 3000) pick the ports.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { loadConfig } from '../server/config.ts';
import { routeMatcher, type ServerRoute } from '../server/http/route-list.ts';
import { type DevServerMessage, devOrigins, VITE_PORT_DEFAULT } from './dev-protocol.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const CHILD = path.join(ROOT, 'scripts/dev-server.ts');
const WATCHED = [path.join(ROOT, 'server'), path.join(ROOT, 'shared')];

const vitePort = Number(process.env.VITE_PORT ?? VITE_PORT_DEFAULT);
const config = loadConfig(process.env);
const target = `http://${config.host}:${config.port}`;

let isServerRoute: (url: string, upgrade?: boolean) => boolean = () => false;
let child: ChildProcess | undefined;
let stopping = false;

/** Starts the Koa child and resolves once it listens (with its routes), or rejects if it dies first. */
function startChild(): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = fork(CHILD, {
      cwd: ROOT,
      env: { ...process.env, VITE_PORT: String(vitePort) },
      execArgv: ['--import', 'tsx'],
      stdio: 'inherit',
    });
    child = started;
    started.on('message', (message: DevServerMessage) => {
      if (message.type !== 'ready') return;
      isServerRoute = routeMatcher(message.routes as ServerRoute[]);
      resolve();
    });
    started.once('exit', (code) => {
      if (child === started) child = undefined;
      reject(new Error(`the Koa server exited (${code}) before it was ready`));
    });
  });
}

/** Stops the child (SIGTERM; it closes its sockets with 1012, so pages reconnect) and waits. */
async function stopChild(): Promise<void> {
  const running = child;
  if (!running || running.exitCode !== null || running.signalCode !== null) return;
  const exited = new Promise((resolve) => running.once('exit', resolve));
  running.kill('SIGTERM');
  await exited;
}

let restarting: Promise<void> = Promise.resolve();
function restartChild(file: string): void {
  restarting = restarting.then(async () => {
    if (stopping) return;
    console.log(`${path.relative(ROOT, file)} changed: restarting the Koa server`);
    await stopChild();
    // A server that does not start (a syntax error, say) is retried on the next edit.
    await startChild().catch((error: Error) => console.error(error.message));
  });
}

await startChild();

// Every path the Koa server routes goes to it; everything else is Vite's (client modules,
// `/@vite/client`...). Matching is anchored, so the client module /live/socket.ts stays
// Vite's while the live socket's /live goes to Koa.
const proxyAll = { target, changeOrigin: false, ws: true } as const;
const vite: ViteDevServer = await createServer({
  configFile: path.join(ROOT, 'vite.config.ts'),
  server: {
    port: vitePort,
    strictPort: true,
    proxy: {
      '^/': {
        ...proxyAll,
        // A request that comes while the Koa server restarts waits for it, rather than failing.
        bypass: async (req) => {
          await restarting;
          const upgrade = req.headers.upgrade?.toLowerCase() === 'websocket';
          return isServerRoute(req.url ?? '/', upgrade) ? undefined : req.url;
        },
      },
    },
  },
});

// A runtime error in the page (client/dev.ts reports it) is shown in Vite's error overlay.
vite.hot.on('baton:runtime-error', (error: { message: string; stack: string }) => {
  vite.hot.send({ type: 'error', err: { message: error.message, stack: error.stack } });
});

vite.watcher.add(WATCHED);
vite.watcher.on('change', (file) => {
  if (WATCHED.some((dir) => file.startsWith(dir + path.sep))) restartChild(file);
});

await vite.listen();
console.log(
  `Baton dev server: http://localhost:${vitePort} (Koa on ${target}; ${devOrigins(vitePort).join(', ')} may post)`,
);

const stop = async () => {
  if (stopping) return;
  stopping = true;
  await restarting;
  await vite.close();
  await stopChild();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
