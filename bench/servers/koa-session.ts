/**
 * The redeem baseline: what a plain Koa app with koa-session does to sign someone in. It
 * parses the same form body, writes a new session to the same SQLite store Baton uses
 * (same file type, schema and pragmas, through the same module) and answers 303, with
 * koa-session's own defaults otherwise (signed cookie, UUID ids). With `ids: 'time-ordered'`
 * it draws ids the way Baton does (server/session/session-id.ts) through koa-session's
 * documented `genid` option, so the baseline's inserts land where its last ones went too.
 */
import { createServer } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import createSession from 'koa-session';
import { newSessionId } from '../../server/session/session-id.ts';
import type { HostConfig } from './config.ts';
import type { Hosted } from './host.ts';
import { closeServer, listenLoopback } from './listen.ts';
import { openBenchStore } from './stores.ts';

export async function startKoaSession(
  config: Extract<HostConfig, { kind: 'koa-session' }>,
): Promise<Hosted> {
  const store = await openBenchStore(config.store);
  const counters = { accepted: 0, refused: 0 };
  const app = new Koa();
  app.keys = [config.secret];
  app.use(
    createSession(
      {
        key: 'koa.sess',
        maxAge: 12 * 60 * 60 * 1000,
        httpOnly: true,
        sameSite: 'lax',
        signed: true,
        ...(config.ids === 'time-ordered' ? { genid: () => newSessionId() } : {}),
        store: {
          get: (key: string) => store.sessions.get(key),
          set: (key: string, data: Record<string, unknown>, maxAge: number) => {
            counters.accepted++;
            return store.sessions.set(key, data, maxAge);
          },
          destroy: (key: string) => store.sessions.destroy(key),
        },
      },
      app,
    ) as Koa.Middleware,
  );
  app.use(bodyParser({ enableTypes: ['form'] }));
  const router = new Router();
  router.post('/handoff', (ctx) => {
    const body = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
    if (typeof body.handoff !== 'string') ctx.throw(400, 'no handoff');
    ctx.session = { accountId: 'bench-account', signedInAt: Date.now() };
    ctx.status = 303;
    ctx.redirect('/account');
  });
  app.use(router.routes());
  const server = createServer(app.callback());
  await listenLoopback(server);
  return {
    server,
    counters,
    async close() {
      await closeServer(server);
      await store.close();
    },
  };
}
