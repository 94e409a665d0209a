/**
 * The koa-session behaviours Baton relies on (server/session/session.ts), pinned against the
 * installed koa-session with a store that records every call. If an upgrade changes one of
 * them, this file says which before a sign-in breaks.
 */
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import createSession from 'koa-session';
import { afterEach, describe, expect, it } from 'vitest';

type Call =
  | { op: 'get'; key: string; hasCtx: boolean }
  | { op: 'set'; key: string; hasCtx: boolean }
  | { op: 'destroy'; key: string; hasCtx: boolean }
  | { op: 'genid'; key: string; hasCtx: boolean };

interface Harness {
  url: string;
  calls: Call[];
  data: Map<string, Record<string, unknown>>;
  /** The contexts each call was given, to compare with the request's own. */
  contexts: unknown[];
  /** The calls made while koa-session loaded the session, before the route ran. */
  loadCalls: Call[];
  close(): Promise<void>;
}

let open: Harness | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

/** A Koa app with koa-session (as Baton configures it) on a recording store, and one route. */
async function harness(route: (ctx: Koa.Context) => Promise<void>): Promise<Harness> {
  const calls: Call[] = [];
  const contexts: unknown[] = [];
  const data = new Map<string, Record<string, unknown>>();
  let counter = 0;
  const seen = (options: { ctx?: unknown } | undefined) => {
    contexts.push(options?.ctx);
    return options?.ctx !== undefined;
  };
  const app = new Koa();
  app.keys = ['a key long enough for the contract test 0001'];
  // Each request starts a fresh log.
  app.use((_ctx, next) => {
    calls.length = 0;
    return next();
  });
  app.use(
    createSession(
      {
        key: 'sid',
        signed: true,
        autoCommit: false,
        maxAge: 60_000,
        genid: (ctx: unknown) => {
          const key = `id-${++counter}`;
          calls.push({ op: 'genid', key, hasCtx: seen({ ctx }) });
          return key;
        },
        store: {
          async get(key: string, _maxAge: number, options: { ctx?: unknown }) {
            calls.push({ op: 'get', key, hasCtx: seen(options) });
            return data.get(key);
          },
          async set(key: string, value: unknown, _maxAge: number, options: { ctx?: unknown }) {
            calls.push({ op: 'set', key, hasCtx: seen(options) });
            data.set(key, value as Record<string, unknown>);
          },
          async destroy(key: string, options: { ctx?: unknown }) {
            calls.push({ op: 'destroy', key, hasCtx: seen(options) });
            data.delete(key);
          },
        },
      },
      app,
    ) as Koa.Middleware,
  );
  const loadCalls: Call[] = [];
  app.use(async (ctx) => {
    loadCalls.splice(0, loadCalls.length, ...calls);
    contexts.length = 0;
    calls.length = 0;
    (ctx.state as { self?: unknown }).self = ctx;
    await route(ctx);
    ctx.body = 'ok';
  });
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const made: Harness = {
    url: `http://127.0.0.1:${port}`,
    calls,
    data,
    contexts,
    loadCalls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  open = made;
  return made;
}

const cookieHeader = (response: Response) =>
  response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');

type Regenerating = { regenerate(): Promise<void>; save(): Promise<void>; isNew?: boolean };

describe('koa-session 7, as Baton uses it', () => {
  it('draws an id with genid(ctx) for a request without a cookie, and marks the session new', async () => {
    let isNew: boolean | undefined;
    const h = await harness(async (ctx) => {
      isNew = (ctx.session as { isNew?: boolean }).isNew;
    });
    const response = await fetch(h.url);
    expect(isNew).toBe(true);
    expect(h.loadCalls).toEqual([{ op: 'genid', key: 'id-1', hasCtx: true }]);
    expect(h.calls).toEqual([]);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('passes the request context to the store on save, and writes the cookie only then', async () => {
    let self: unknown;
    const h = await harness(async (ctx) => {
      self = ctx;
      ctx.session = { accountId: 'a' };
      await (ctx.session as unknown as Regenerating).save();
    });
    const response = await fetch(h.url);
    expect(h.calls).toEqual([{ op: 'set', key: 'id-1', hasCtx: true }]);
    expect(h.contexts).toEqual([self]);
    expect(cookieHeader(response)).toMatch(/^sid=id-1; sid\.sig=/);
  });

  it('writes nothing and sets no cookie when the session changes without a commit (autoCommit off)', async () => {
    const h = await harness(async (ctx) => {
      ctx.session = { accountId: 'a' };
    });
    const response = await fetch(h.url);
    expect(h.calls).toEqual([]);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('loads a stored session by the signed cookie, passing ctx to get, and exposes its externalKey', async () => {
    let loaded: { isNew?: boolean; externalKey?: string; accountId?: unknown } | undefined;
    const h = await harness(async (ctx) => {
      const session = ctx.session as { isNew?: boolean; externalKey?: string; accountId?: unknown };
      if (new URL(ctx.href).searchParams.has('sign-in')) {
        ctx.session = { accountId: 'a' };
        await (ctx.session as unknown as Regenerating).save();
      } else {
        const { isNew, externalKey, accountId } = session;
        loaded = { isNew, externalKey, accountId };
      }
    });
    const cookie = cookieHeader(await fetch(`${h.url}/?sign-in`));
    await fetch(h.url, { headers: { cookie } });
    expect(h.loadCalls).toEqual([{ op: 'get', key: 'id-1', hasCtx: true }]);
    expect(loaded).toEqual({ accountId: 'a', externalKey: 'id-1', isNew: false });
  });

  it('regenerates by destroying the old key, then drawing a new one with genid(ctx), then saving it', async () => {
    let self: unknown;
    const h = await harness(async (ctx) => {
      self = ctx;
      if (new URL(ctx.href).searchParams.has('first')) {
        ctx.session = { accountId: 'a' };
        await (ctx.session as unknown as Regenerating).save();
        return;
      }
      ctx.session = { accountId: 'b' };
      await (ctx.session as unknown as Regenerating).regenerate();
    });
    const cookie = cookieHeader(await fetch(`${h.url}/?first`));
    const response = await fetch(h.url, { headers: { cookie } });

    expect(h.calls).toEqual([
      { op: 'destroy', key: 'id-1', hasCtx: true },
      { op: 'genid', key: 'id-2', hasCtx: true },
      { op: 'set', key: 'id-2', hasCtx: true },
    ]);
    expect(h.contexts.every((ctx) => ctx === self)).toBe(true);
    // The old cookie is cleared, then overwritten by the new one: only the new one is sent.
    expect(cookieHeader(response)).toMatch(/^sid=id-2; sid\.sig=[^;]+$/);
    expect([...h.data.keys()]).toEqual(['id-2']);
  });

  it('gives genid the request context that carries ctx.state, so an id drawn earlier can be handed to it', async () => {
    const h = await harness(async (ctx) => {
      ctx.state.chosen = 'chosen-id';
      ctx.session = { accountId: 'a' };
      await (ctx.session as unknown as Regenerating).regenerate();
    });
    await fetch(h.url);
    const genidContext = h.contexts[
      h.calls.findIndex((call) => call.op === 'genid')
    ] as Koa.Context;
    expect(genidContext.state.chosen).toBe('chosen-id');
  });
});
