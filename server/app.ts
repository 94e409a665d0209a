/**
 * Assembles Baton: the Koa app, its HTTP server and the live socket on it.
 * Everything it needs comes in as options, so tests start it in-process on port 0 with
 * their own store, keys and clock.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import serveStatic from 'koa-static';
import type { FormDeps } from './accounts/forms.ts';
import { hashPassword, OWASP_SCRYPT, type ScryptParams } from './accounts/password.ts';
import { redeemHandoff } from './handoff/redeem.ts';
import { addActionRoutes } from './http/actions.ts';
import { requestLog } from './http/errors.ts';
import { addPageRoutes } from './http/pages.ts';
import { createKeyRing } from './keys/keyring.ts';
import { attachLiveSocket, type LiveSocketServer } from './live/door.ts';
import { SocketRegistry } from './live/registry.ts';
import type { Logger } from './logger.ts';
import { createLocalSessionEvents, type SessionEvents } from './session/events.ts';
import { createSessionMiddleware } from './session/session.ts';
import type { Store } from './store/store.ts';

export interface BatonOptions {
  store: Store;
  /** Secrets, newest first (see keys/keyring.ts). */
  secrets: readonly string[];
  /** Origins allowed to open the live socket. */
  origins: readonly string[];
  handoffTtlSeconds: number;
  /** The page template (the built client/index.html), or a function that reads it. */
  template: string | (() => string);
  logger: Logger;
  /** The client build folder (dist/client); its `/assets` are served. None in tests that need none. */
  assetsDir?: string | null;
  events?: SessionEvents;
  scrypt?: ScryptParams;
}

export interface Baton {
  app: Koa;
  server: Server;
  live: LiveSocketServer;
  /** Listens and resolves with the bound address (use port 0 in tests). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Closes sockets and the server; does not close the store (its owner does). */
  close(): Promise<void>;
}

/** Builds a ready-to-listen Baton server. */
export async function createBaton(options: BatonOptions): Promise<Baton> {
  const ring = createKeyRing(options.secrets);
  const scrypt = options.scrypt ?? OWASP_SCRYPT;
  const events = options.events ?? createLocalSessionEvents();
  const template = typeof options.template === 'string' ? () => options.template as string : options.template;
  const forms: FormDeps = {
    store: options.store,
    scrypt,
    // Verified when an email is unknown, so that case costs what a wrong password costs.
    decoyHash: await hashPassword('baton-decoy-password', scrypt),
  };

  const app = new Koa();
  // koa-session signs its cookie with these (keygrip: the first signs, all verify).
  app.keys = ring.keys.map((key) => key.key('cookie').toString('base64url'));
  const sessionMiddleware = createSessionMiddleware(app, { sessions: options.store.sessions });
  const forms16k = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  const router = new Router();
  const pageDeps = { store: options.store, ring, template };
  addPageRoutes(router, pageDeps);
  addActionRoutes(router, { ...pageDeps, forms, events });
  router.post(
    '/handoff',
    redeemHandoff({ ring, ledger: options.store.handoffs, logger: options.logger }),
  );

  app.use(requestLog(options.logger));
  if (options.assetsDir) {
    // Vite names assets by content hash, so they can be cached for a year.
    const assets = serveStatic(options.assetsDir, { index: false, maxage: 365 * 24 * 3600 * 1000, immutable: true });
    app.use((ctx, next) => (ctx.path.startsWith('/assets/') ? assets(ctx, next) : next()));
  }
  app.use(async (ctx, next) => {
    if (ctx.method === 'POST') await forms16k(ctx, next);
    else await next();
  });
  app.use(sessionMiddleware);
  app.use(router.routes());
  app.use(router.allowedMethods());

  const server = createServer(app.callback());
  const registry = new SocketRegistry();
  const unsubscribe = events.subscribe((event) => registry.endSession(event.ref, event.reason));
  const live = attachLiveSocket(server, {
    app,
    sessionMiddleware,
    origins: options.origins,
    registry,
    logger: options.logger,
    forms,
    ring,
    handoffTtlSeconds: options.handoffTtlSeconds,
  });

  return {
    app,
    server,
    live,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close() {
      unsubscribe();
      live.close(1001, 'server closing');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
