/**
 * `npm run dev`: the Koa server and the Vite dev server in one process, so one Ctrl-C
 * stops both. Open the Vite URL: it serves the client with hot reload and proxies the
 * pages, the form posts and the live socket to Koa, which renders each page from the
 * source template with Vite's client script added.
 */
import path from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { createBaton, optionsFromConfig } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { resolveSecrets } from '../server/keys/secret-file.ts';
import { createLimiters } from '../server/limits/limits.ts';
import { createLogger } from '../server/logger.ts';
import { createPageRenderer, devAssets, type PagesModule } from '../server/pages/pages.ts';
import { openStore } from '../server/store/open.ts';

const VITE_PORT = Number(process.env.VITE_PORT ?? 5173);
const viteOrigins = [`http://localhost:${VITE_PORT}`, `http://127.0.0.1:${VITE_PORT}`];

const config = loadConfig(process.env);
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
const { store, events, limiterFactory } = await openStore(config.storeUrl);

let vite: ViteDevServer;
const baton = await createBaton({
  store,
  events,
  secrets: resolveSecrets({
    configured: config.secretKeys,
    dataDir: config.dataDir,
    production: false,
  }).secrets,
  ...optionsFromConfig(config),
  // Shared counters on Redis, so N instances do not allow N times each limit.
  limiters: createLimiters(config.limits, limiterFactory),
  origins: [...config.publicOrigins, ...viteOrigins],
  devServer: true,
  // Loaded through Vite on every page, so edits to the components show without a restart.
  renderPage: createPageRenderer(
    () => vite.ssrLoadModule('/entry-server.tsx') as Promise<PagesModule>,
    devAssets,
  ),
  logger,
});
const koa = await baton.listen(config.port, config.host);
const target = `http://${config.host}:${koa.port}`;

// Anchored at both ends: Vite serves client modules by path (/live/socket.ts), so a prefix
// like '^/live' would send them to Koa.
// Vite matches against the path with its query string, which a page may carry.
const SERVER_ROUTES = ['^/(login|signup|account|handoff|logout|healthz)?(\\?.*)?$'];
vite = await createServer({
  configFile: path.resolve(import.meta.dirname, '../vite.config.ts'),
  server: {
    port: VITE_PORT,
    strictPort: true,
    proxy: {
      ...Object.fromEntries(SERVER_ROUTES.map((route) => [route, { target, changeOrigin: false }])),
      '^/live$': { target, ws: true, changeOrigin: false }, // not a prefix: /live/socket.ts is a client module
    },
  },
});
await vite.listen();
console.log(`Baton dev server: http://localhost:${VITE_PORT} (Koa on ${target})`);

const stop = async () => {
  await vite.close();
  await baton.close();
  await events.close();
  await store.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
