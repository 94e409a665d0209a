/**
 * `npm start`: reads the configuration, opens the store, serves the built client and the
 * live socket, and prints the URL. A bad configuration stops it with one line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBaton, optionsFromConfig } from './app.ts';
import { loadConfig } from './config.ts';
import { resolveSecrets } from './keys/secret-file.ts';
import { createLimiters } from './limits/limits.ts';
import { createLogger } from './logger.ts';
import { openStore } from './store/open.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const clientDir = path.join(root, 'dist', 'client');

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
  const template = readFileSync(path.join(clientDir, 'index.html'), 'utf8');
  const { store, events, limiterFactory } = await openStore(config.storeUrl);
  const baton = await createBaton({
    store,
    events,
    secrets: secrets.secrets,
    ...optionsFromConfig(config),
    // Shared counters on Redis, so N instances do not allow N times each limit.
    limiters: createLimiters(config.limits, limiterFactory),
    template,
    assetsDir: clientDir,
    logger,
  });
  const address = await baton.listen(config.port, config.host);
  const shown = address.address.includes(':') ? `[${address.address}]` : address.address;
  const url = `http://${shown === '127.0.0.1' ? 'localhost' : shown}:${address.port}`;
  logger.info({ url, store: store.kind }, 'Baton is listening');
  console.log(`Baton is running at ${url}`);

  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    // Whatever happens, exit within 10 seconds: an orchestrator's patience is finite.
    setTimeout(() => process.exit(1), 10_000).unref();
    await baton.close({ code: 1012, graceMs: 8000 });
    await events.close();
    await store.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  // One line, naming what is wrong (a ConfigError names the variable, the rule and the value).
  const message = error instanceof Error ? error.message : String(error);
  console.error(`Baton cannot start: ${message}`);
  process.exit(1);
});
