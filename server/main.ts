/**
 * The server process: reads the configuration, opens the store, serves the built client and
 * the live socket, and prints the URL. A bad configuration stops it with one line. `npm start`
 * runs its build, dist/server/main.js, with node (vite.server.config.ts); `npm run dev` and the
 * tests may run this source with tsx.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBaton, optionsFromConfig } from './app.ts';
import { loadConfig } from './config.ts';
import { resolveSecrets } from './keys/secret-file.ts';
import { createLimiters } from './limits/limits.ts';
import { createLogger } from './logger.ts';
import { BUILD_LAYOUT, loadBuiltPages } from './pages/pages.ts';
import { openStore } from './store/open.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
// The client and the pages' builds sit beside the server build (dist/server, dist/client,
// dist/ssr), or, run from source, in dist/ under the project root.
const distDir =
  path.basename(path.dirname(here)) === 'dist'
    ? path.join(here, '..')
    : path.join(here, '..', 'dist');
const GRACE_MS = 8000;
const EXIT_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
  const secrets = resolveSecrets({
    configured: config.secretKeys,
    dataDir: config.dataDir,
    production: config.production,
  });
  if (secrets.created) {
    logger.warn(
      { file: secrets.generatedFile },
      'SECRET_KEYS is not set: generated a secret into DATA_DIR. Set SECRET_KEYS before running several instances.',
    );
  } else if (secrets.generatedFile) {
    logger.warn(
      { file: secrets.generatedFile },
      'SECRET_KEYS is not set: using the generated secret in DATA_DIR.',
    );
  }
  const renderPage = await loadBuiltPages(distDir);
  const { store, events, limiterFactory } = await openStore(config.storeUrl);
  const baton = await createBaton({
    store,
    events,
    secrets: secrets.secrets,
    ...optionsFromConfig(config),
    // Shared counters on Redis, so N instances do not allow N times each limit.
    limiters: createLimiters(config.limits, limiterFactory),
    renderPage,
    assetsDir: path.join(distDir, BUILD_LAYOUT.client),
    logger,
  });
  const address = await baton.listen(config.port, config.host);
  const shown = address.address.includes(':') ? `[${address.address}]` : address.address;
  const url = `http://${shown === '127.0.0.1' ? 'localhost' : shown}:${address.port}`;
  logger.info({ url, store: store.kind, mail: config.mail.url.kind }, 'Baton is listening');
  console.log(`Baton is running at ${url}`);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    // Whatever happens, exit within 10 seconds: an orchestrator's patience is finite.
    setTimeout(() => process.exit(1), EXIT_DEADLINE_MS).unref();
    await baton.close({ code: 1012, graceMs: GRACE_MS });
    await events.close();
    await store.close();
    logger.info('stopped');
    process.exit(0);
  };
  let stopping = false;
  // The same signal often arrives twice (npm forwards it, and a terminal or a process manager
  // may signal the whole process group): only the first starts the shutdown, and the listener
  // stays, so a repeat cannot fall through to Node's default of dying on the spot.
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    shutdown(signal).catch((error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  // One line, naming what is wrong (a ConfigError names the variable, the rule and the value).
  const message = error instanceof Error ? error.message : String(error);
  console.error(`Baton cannot start: ${message}`);
  process.exit(1);
});
