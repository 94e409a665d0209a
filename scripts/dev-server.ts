/**
 * The Koa side of `npm run dev`, run by scripts/dev.ts in a child process it restarts when
 * the server's code changes. Pages are rendered from the components' source, loaded through
 * a Vite server of its own (no HTTP, no hot reload: just Solid's SSR compile), so a page
 * reloaded after an edit to a component is rendered from the edited file. Tells its parent
 * the routes it serves once it listens.
 */
import path from 'node:path';
import { createServer } from 'vite';
import { createBaton, optionsFromConfig } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { resolveSecrets } from '../server/keys/secret-file.ts';
import { createLimiters } from '../server/limits/limits.ts';
import { createLogger } from '../server/logger.ts';
import { createPageRenderer, devAssets, type PagesModule } from '../server/pages/pages.ts';
import { openStore } from '../server/store/open.ts';
import { type DevServerMessage, devOrigins, VITE_PORT_DEFAULT } from './dev-protocol.ts';

async function main(): Promise<void> {
  const vitePort = Number(process.env.VITE_PORT ?? VITE_PORT_DEFAULT);
  const config = loadConfig(process.env);
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
  const pagesSource = await createServer({
    configFile: path.resolve(import.meta.dirname, '../vite.config.ts'),
    server: { middlewareMode: true, hmr: false, ws: false },
    appType: 'custom',
    logLevel: 'warn',
  });
  const { store, events, limiterFactory } = await openStore(config.storeUrl);
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
    origins: [...config.publicOrigins, ...devOrigins(vitePort)],
    devServer: true,
    // Loaded through Vite for every page: the edited components, never a stale build.
    renderPage: createPageRenderer(
      () => pagesSource.ssrLoadModule('/entry-server.tsx') as Promise<PagesModule>,
      devAssets,
    ),
    logger,
  });
  await baton.listen(config.port, config.host);
  process.send?.({ type: 'ready', routes: baton.routes } satisfies DevServerMessage);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // 1012: the pages' live sockets reconnect, to the restarted server.
    await baton.close({ code: 1012, graceMs: 2000 });
    await pagesSource.close();
    await events.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  // Ctrl-C reaches the whole process group; the parent stops this one in its turn.
  process.on('SIGINT', () => {});
}

main().catch((error: unknown) => {
  console.error(`Baton cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
