/**
 * Assembles Baton: the Koa app, its HTTP server and the live socket on it.
 * Everything it needs comes in as options, so tests start it in-process on port 0 with
 * the store, keys and limits they choose.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import Router from '@koa/router';
import Koa from 'koa';
import serveStatic from 'koa-static';
import { FORMS, type FormSpec } from '../shared/forms.ts';
import type { FormName } from '../shared/protocol.ts';
import { DEFAULT_SUDO_MS, type FormDeps, type FormHandler, HANDLERS } from './accounts/forms.ts';
import {
  type Argon2Params,
  createPasswordHasher,
  OWASP_ARGON2,
  type PasswordHasher,
} from './accounts/password.ts';
import { createPasswordGate, type PasswordGateOptions } from './accounts/password-gate.ts';
import {
  type Config,
  DEFAULT_LIMITS,
  DEFAULT_MAIL_FROM,
  type MailConfig,
  type RateLimits,
} from './config.ts';
import { redeemHandoff } from './handoff/redeem.ts';
import { addActionRoutes } from './http/actions.ts';
import { koaProxyOptions } from './http/client-ip.ts';
import { addConfirmationRoutes } from './http/confirmation.ts';
import { addDevMailboxRoutes } from './http/dev-mailbox.ts';
import { trackConnections } from './http/drain.ts';
import { requestLog } from './http/errors.ts';
import { formBody } from './http/form-body.ts';
import { refuseCrossSite, securityHeaders } from './http/guards.ts';
import { healthCheck } from './http/health.ts';
import { addPageRoutes } from './http/pages.ts';
import { addPasskeysRoutes } from './http/passkeys-page.ts';
import { routesOf, type ServerRoute } from './http/route-list.ts';
import { addSessionsRoutes } from './http/sessions-page.ts';
import { addTwoFactorRoutes } from './http/two-factor.ts';
import { createKeyRing } from './keys/keyring.ts';
import { createLimiters, type Limiters } from './limits/limits.ts';
import { attachLiveSocket, LIVE_PATH, type LiveSocketServer } from './live/door.ts';
import { SocketRegistry } from './live/registry.ts';
import { SessionsWatch } from './live/sessions-watch.ts';
import type { Logger } from './logger.ts';
import { createAccountMail } from './mail/account-mail.ts';
import { openMailTransport } from './mail/open.ts';
import { createMailQueue, type Mailer, type MailQueueOptions } from './mail/queue.ts';
import type { RenderPage } from './pages/pages.ts';
import { createPasskeys } from './passkeys/passkeys.ts';
import { createBindingCookie } from './session/binding.ts';
import { cookieNames } from './session/cookies.ts';
import { createLocalSessionEvents, type SessionEvents } from './session/events.ts';
import { createFlashCookie } from './session/flash.ts';
import { listSessions } from './session/listing.ts';
import { createNewDeviceNotices } from './session/new-device.ts';
import { createPendingSignIns } from './session/pending-sign-in.ts';
import { createReturnTo } from './session/return-to.ts';
import {
  createSessionMiddleware,
  DEFAULT_TIMEOUTS,
  type SessionTimeouts,
} from './session/session.ts';
import type { SessionStore, Store } from './store/store.ts';
import { failClosed } from './store/unavailable.ts';
import {
  type ResealOutcome,
  type ResealSweepOptions,
  resealTotpSecrets,
} from './two-factor/reseal-sweep.ts';
import { createTwoFactor } from './two-factor/two-factor.ts';

export interface BatonOptions {
  store: Store;
  /** Secrets, newest first (see keys/keyring.ts). */
  secrets: readonly string[];
  /** Origins allowed to open the live socket and to post forms. */
  origins: readonly string[];
  handoffTtlSeconds: number;
  /**
   * Renders each page's document: `loadBuiltPages(dist)` from the build, or the dev server's
   * (see server/pages/pages.ts).
   */
  renderPage: RenderPage;
  logger: Logger;
  /** The client build folder (dist/client); its `/assets` are served. None in tests that need none. */
  assetsDir?: string | null;
  events?: SessionEvents;
  /** argon2id parameters for new hashes (OWASP's by default). */
  argon2?: Argon2Params;
  /** Hashes and verifies passwords instead of argon2id with `argon2` (tests count checks with it). */
  hasher?: PasswordHasher;
  /** Caps on password checks in flight (see accounts/password-gate.ts); one slot per core by default. */
  passwordChecks?: Partial<PasswordGateOptions>;
  /** Served over HTTPS: Secure, `__Host-` cookies and HSTS. */
  secureCookies?: boolean;
  /**
   * Proxy hops in front that append to X-Forwarded-For (0, the default: none). The client
   * IP is the entry that many from the right, for HTTP and the live socket alike.
   */
  trustProxy?: number;
  timeouts?: SessionTimeouts;
  /** How recent a sign-in or password confirmation sensitive forms need (SUDO_MINUTES), in ms. */
  sudoMs?: number;
  /**
   * Replaces forms' descriptions or handlers, by name (tests: a form that asks for "Remember
   * me", signs out, or needs a recent authentication). The client still renders FORMS.
   */
  forms?: {
    specs?: Partial<Record<FormName, FormSpec>>;
    handlers?: Partial<Record<FormName, FormHandler>>;
  };
  limits?: RateLimits;
  /** Limiters to use instead of in-memory ones built from `limits` (e.g. Redis-backed). */
  limiters?: Limiters;
  /** Relaxes the CSP for Vite's dev server. */
  devServer?: boolean;
  /**
   * Where emails go (MAIL_URL) and who sends them (MAIL_FROM). Default: the store's dev
   * mailbox, from `Baton <no-reply@localhost>`. Links in emails are built on `origins[0]`.
   */
  mail?: Partial<MailConfig>;
  /**
   * The mail queue's transport (instead of the one `mail.url` names) and timing; tests
   * pass their own timers to fire retries at once.
   */
  mailQueue?: Partial<Pick<MailQueueOptions, 'transport' | 'retryDelaysMs' | 'schedule'>>;
  /** NODE_ENV=production: the dev mailbox is never served, whatever `mail.url` says. */
  production?: boolean;
  /** The live socket's walls (see live/door.ts DOOR_DEFAULTS). */
  live?: {
    heartbeatMs?: number;
    idleMs?: number;
    signedInIdleMs?: number;
    socketsPerSession?: number;
  };
  /**
   * The clock (ms since the epoch) for every decision about time: session timeouts, handoff
   * issue and expiry, the live socket's deadlines and idle wall. Default `Date.now`. The
   * store takes its own (`openSqliteStore({ now })`, `openRedisStore({ now })`); give both
   * the same one. Timers still run in real time: moving the clock decides what the next
   * request, frame or timer sees, it fires nothing by itself.
   */
  now?: () => number;
  /**
   * The sweep that seals every authenticator secret again under the newest key
   * (two-factor/reseal-sweep.ts): run once in the background from the start, when `secrets`
   * holds more than one. Its page size, pauses and timers (tests pass their own), or `false`
   * for none.
   */
  resealSweep?:
    | false
    | Partial<Pick<ResealSweepOptions, 'pageSize' | 'pauseMs' | 'retryDelaysMs' | 'schedule'>>;
}

export interface Baton {
  app: Koa;
  server: Server;
  live: LiveSocketServer;
  /**
   * The mail queue. `idle()` tells a test when every email has been handed over, the
   * new-device notices still being decided after a sign-in's response included.
   */
  mailer: Mailer;
  /** Every route the server answers, the live socket's included (see http/route-list.ts). */
  routes: readonly ServerRoute[];
  /**
   * Settles when the start's reseal sweep ends (`close` stops it); null when none ran (one
   * key on the ring, or `resealSweep: false`). Never rejects.
   */
  resealSweep: Promise<ResealOutcome | null>;
  /** Listens and resolves with the bound address (use port 0 in tests). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Shuts down gracefully: stops accepting, closes live sockets with `code` (1012, service
   * restart, tells clients to reconnect, e.g. to another instance), lets in-flight requests
   * finish for up to `graceMs`, then cuts what is left; emails being sent get a second more.
   * Does not close the store (its owner does).
   */
  close(options?: { code?: number; graceMs?: number }): Promise<void>;
}

/** The options that come straight from the configuration. */
export function optionsFromConfig(
  config: Config,
): Pick<
  BatonOptions,
  | 'origins'
  | 'handoffTtlSeconds'
  | 'secureCookies'
  | 'trustProxy'
  | 'timeouts'
  | 'sudoMs'
  | 'limits'
  | 'argon2'
  | 'passwordChecks'
  | 'mail'
  | 'production'
> {
  return {
    origins: config.publicOrigins,
    handoffTtlSeconds: config.handoffTtlSeconds,
    secureCookies: config.secureCookies,
    trustProxy: config.trustProxy,
    timeouts: {
      idleMs: config.sessionIdleMinutes * 60_000,
      absoluteMs: config.sessionAbsoluteHours * 3_600_000,
      rememberMs: config.rememberDays * 86_400_000,
    },
    sudoMs: config.sudoMinutes * 60_000,
    limits: config.limits,
    argon2: config.argon2,
    passwordChecks: config.passwordChecks,
    mail: config.mail,
    production: config.production,
  };
}

/** Builds a ready-to-listen Baton server. */
export async function createBaton(options: BatonOptions): Promise<Baton> {
  const store = failClosed(options.store);
  const now = options.now ?? Date.now;
  const ring = createKeyRing(options.secrets);
  const hasher = options.hasher ?? createPasswordHasher(options.argon2 ?? OWASP_ARGON2);
  const events = options.events ?? createLocalSessionEvents();
  const names = cookieNames(options.secureCookies ?? false);
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  const limiters = options.limiters ?? createLimiters(options.limits ?? DEFAULT_LIMITS);
  const binding = createBindingCookie(names);
  const flash = createFlashCookie(names, ring);
  const returnTo = createReturnTo(names, ring);
  const pendingSignIns = createPendingSignIns(names, ring);
  const twoFactor = createTwoFactor({ store: store.twoFactor, ring, now });
  // With one key every secret is sealed under it: nothing to sweep. The sweep starts with a
  // pause, so it never holds up the start or `listen`; its options are checked here, now.
  const stopSweep = new AbortController();
  const resealSweep =
    ring.keys.length > 1 && options.resealSweep !== false
      ? resealTotpSecrets({
          store: store.twoFactor,
          ring,
          logger: options.logger,
          signal: stopSweep.signal,
          ...options.resealSweep,
        })
      : Promise.resolve(null);
  // The relying party is read from `origins` at each ceremony, as the Origin guard reads them.
  const passkeys = createPasskeys({ store, origins: options.origins, now });
  const sudoMs = options.sudoMs ?? DEFAULT_SUDO_MS;
  const specs = { ...FORMS, ...options.forms?.specs };
  const handlers = { ...HANDLERS, ...options.forms?.handlers };
  // Verified when an email is unknown, so that case costs what a wrong password costs. Its
  // time is the password gate's first guess at how long a hash takes.
  const decoyStarted = performance.now();
  const decoyHash = await hasher.hash('baton-decoy-password');
  const gate = createPasswordGate({
    concurrency: Math.max(1, os.availableParallelism()),
    initialHashMs: Math.max(1, performance.now() - decoyStarted),
    ...options.passwordChecks,
  });
  const mailConfig: MailConfig = {
    url: options.mail?.url ?? { kind: 'mailbox' },
    from: options.mail?.from ?? DEFAULT_MAIL_FROM,
  };
  const mailer = createMailQueue({
    transport:
      options.mailQueue?.transport ??
      openMailTransport(mailConfig.url, { mailbox: store.mailbox, now }),
    from: mailConfig.from,
    logger: options.logger,
    retryDelaysMs: options.mailQueue?.retryDelaysMs,
    schedule: options.mailQueue?.schedule,
  });
  const mail = createAccountMail({ mailer, origin: () => firstOrigin(options.origins), now });
  const newDevices = createNewDeviceNotices({
    devices: store.devices,
    accounts: store.accounts,
    mail,
    logger: options.logger,
  });
  const forms: FormDeps = {
    store,
    hasher,
    gate,
    limiters,
    decoyHash,
    events,
    mail,
    twoFactor,
    logger: options.logger,
    sudoMs,
    now,
    specs,
    handlers,
  };

  const app = new Koa(koaProxyOptions(options.trustProxy ?? 0));
  // koa-session signs its cookie with these (keygrip: the first signs, all verify).
  app.keys = ring.keys.map((key) => key.key('cookie').toString('base64url'));
  const session = createSessionMiddleware(app, {
    sessions: store.sessions,
    timeouts,
    names,
    onExpired: (ref) => void events.publish({ type: 'ended', ref, reason: 'expired' }),
    onEnded: (ctx, notice) => flash.set(ctx, [notice]),
    now,
  });
  const forms16k = formBody({ limitBytes: 16 * 1024 });

  const router = new Router();
  const pageDeps = {
    store,
    binding,
    flash,
    returnTo,
    pendingSignIns,
    sudoMs,
    specs,
    renderPage: options.renderPage,
    now,
  };
  addPageRoutes(router, pageDeps);
  addTwoFactorRoutes(router, { ...pageDeps, twoFactor, mail });
  addActionRoutes(router, {
    ...pageDeps,
    forms,
    events,
    names,
    timeouts,
    newDevices,
    logger: options.logger,
  });
  addSessionsRoutes(router, { ...pageDeps, events, names, timeouts });
  addConfirmationRoutes(router, { ...pageDeps, forms });
  addPasskeysRoutes(router, { ...pageDeps, passkeys, mail });
  router.get('/healthz', healthCheck(store, options.logger));
  if (mailConfig.url.kind === 'mailbox' && !options.production) {
    addDevMailboxRoutes(router, store.mailbox, pageDeps);
  }
  router.post(
    '/handoff',
    redeemHandoff({
      ring,
      ledger: store.handoffs,
      sessions: store.sessions,
      accounts: store.accounts,
      names,
      returnTo,
      timeouts,
      binding,
      flash,
      events,
      pendingSignIns,
      newDevices,
      logger: options.logger,
      now,
    }),
  );

  app.use(requestLog(options.logger));
  app.use(securityHeaders({ devServer: options.devServer, hsts: names.secure }));
  if (names.secure) {
    // The operator says the public origin is HTTPS (TLS ends at the proxy): let the
    // cookies library set Secure cookies even when this hop is plain HTTP.
    app.use((ctx, next) => {
      ctx.cookies.secure = true;
      return next();
    });
  }
  if (options.assetsDir) {
    // Vite names assets by content hash, so they can be cached for a year.
    const assets = serveStatic(options.assetsDir, {
      index: false,
      maxage: 365 * 24 * 3600 * 1000,
      immutable: true,
    });
    app.use((ctx, next) => (ctx.path.startsWith('/assets/') ? assets(ctx, next) : next()));
  }
  app.use(refuseCrossSite(options.origins));
  app.use((ctx, next) => (ctx.method === 'POST' ? forms16k(ctx, next) : next()));
  app.use(session.load);
  app.use(session.guard);
  app.use(router.routes());
  app.use(router.allowedMethods());

  const server = createServer(app.callback());
  const drain = trackConnections(server);
  const registry = new SocketRegistry();
  const sessionsWatch = new SessionsWatch({
    list: (accountId, currentRef) =>
      listSessions(store.sessions, timeouts, now(), accountId, currentRef),
    logger: options.logger,
  });
  const unsubscribe = events.subscribe((event) => {
    if (event.type === 'ended') {
      registry.endSession(event.ref, event.reason);
      sessionsWatch.ended(event.ref);
    } else if (event.type === 'signed-in') registry.signedIn(event.binding);
    else if (event.type === 'session-started') sessionsWatch.started(event.account);
    else void closeEndedSessions(registry, store.sessions, options.logger);
  });
  const live = attachLiveSocket(server, {
    app,
    loadSession: session.load,
    names,
    binding,
    pendingSignIns,
    timeouts,
    sessions: store.sessions,
    origins: options.origins,
    registry,
    trustProxy: options.trustProxy ?? 0,
    logger: options.logger,
    forms,
    limiters,
    ring,
    handoffTtlSeconds: options.handoffTtlSeconds,
    sessionsWatch,
    passkeys,
    now,
    openSocketsPerIp: (options.limits ?? DEFAULT_LIMITS).openSocketsPerIp,
    ...options.live,
  });

  return {
    app,
    server,
    live,
    mailer: {
      ...mailer,
      async idle() {
        await newDevices.idle();
        await mailer.idle();
      },
    },
    routes: routesOf(router, [LIVE_PATH]),
    resealSweep,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close({ code = 1012, graceMs = 8000 } = {}) {
      // The sweep stops after its store call in flight; the store closes after this.
      stopSweep.abort();
      unsubscribe();
      live.close(code, code === 1012 ? 'service restart' : 'server closing');
      await drain.close({
        graceMs,
        // A live socket whose peer never answers the close frame would otherwise be held
        // for ws's own 30 s close timeout.
        cut: () => {
          for (const ws of live.clients) ws.terminate();
        },
      });
      // The sign-ins just answered may still queue their notices.
      await newDevices.idle();
      await mailer.close({ graceMs: Math.min(graceMs, 1_000) });
      await resealSweep;
    },
  };
}

/** The first PUBLIC_ORIGIN, which every email link is built on. */
function firstOrigin(origins: readonly string[]): string {
  const origin = origins[0];
  if (origin === undefined) throw new TypeError('email links need an origin: origins is empty');
  return origin;
}

/**
 * After the event bus may have missed events: ends the sockets of every session that is no
 * longer in the store (signed out or revoked meanwhile, on another instance). Sessions that
 * timed out are ended by their own deadline (live/door.ts).
 */
async function closeEndedSessions(
  registry: SocketRegistry,
  sessions: SessionStore,
  logger: Logger,
): Promise<void> {
  let ended = 0;
  for (const ref of registry.sessionRefs()) {
    try {
      if ((await sessions.get(ref)) === null) ended += registry.endSession(ref, 'revoked');
    } catch (error) {
      logger.warn({ err: error }, 'resync: sessions not checked, store unavailable');
      return;
    }
  }
  if (ended > 0) logger.info({ sockets: ended }, 'resync: closed sockets of ended sessions');
}
