/**
 * A real Baton from createBaton, as `npm start` assembles it, except: rate limits raised out
 * of the benchmarks' way, cheap argon2 (hashing is not measured) and a silent logger.
 */
import { hashPassword } from '../../server/accounts/password.ts';
import { createBaton } from '../../server/app.ts';
import { createLogger } from '../../server/logger.ts';
import { loadBuiltPages } from '../../server/pages/pages.ts';
import type { Store } from '../../server/store/store.ts';
import { isStoreUnavailable } from '../../server/store/unavailable.ts';
import { CHEAP_ARGON2, type HostConfig, ROOMY_PASSWORD_CHECKS, UNLIMITED } from './config.ts';
import type { Hosted } from './host.ts';
import { listenLoopback } from './listen.ts';
import { openBenchStore } from './stores.ts';

export async function startBaton(config: Extract<HostConfig, { kind: 'baton' }>): Promise<Hosted> {
  const opened = await openBenchStore(config.store);
  const counters = { accepted: 0, refused: 0, sessionsWritten: 0, unavailable: 0 };
  const count = (ok: boolean) => {
    if (ok) counters.accepted++;
    else counters.refused++;
    return ok;
  };
  // A store that does not answer in time makes the redeem answer 503: counted, so the
  // parent can tell those 503s from any other.
  const countUnavailable = (error: unknown): never => {
    if (isStoreUnavailable(error)) counters.unavailable++;
    throw error;
  };
  // Counts what the ledger says, so the parent can check every request was a fresh redeem.
  const store: Store = {
    kind: opened.kind,
    accounts: opened.accounts,
    twoFactor: opened.twoFactor,
    passkeys: opened.passkeys,
    challenges: opened.challenges,
    devices: opened.devices,
    sessions: {
      get: (key) => opened.sessions.get(key),
      set: (key, data, ttlMs) => {
        counters.sessionsWritten++;
        return opened.sessions.set(key, data, ttlMs);
      },
      touch: (key, data, ttlMs) => opened.sessions.touch(key, data, ttlMs),
      destroy: (key) => opened.sessions.destroy(key),
      destroyForAccount: (accountId, keep) => opened.sessions.destroyForAccount(accountId, keep),
      listForAccount: (accountId) => opened.sessions.listForAccount(accountId),
      destroyByHandle: (accountId, handle) => opened.sessions.destroyByHandle(accountId, handle),
    },
    tokens: opened.tokens,
    mailbox: opened.mailbox,
    ping: () => opened.ping(),
    close: () => opened.close(),
    handoffs: {
      consume: (id, expiresAt) =>
        opened.handoffs.consume(id, expiresAt).then(count, countUnavailable),
      redeem: (id, expiresAt, session, replaces, sealed) =>
        opened.handoffs.redeem(id, expiresAt, session, replaces, sealed).then((result) => {
          count(result === 'redeemed');
          return result;
        }, countUnavailable),
    },
  };
  // The origin is known once listening; the door and the form guard read the list per request.
  const origins: string[] = [];
  // Without options the server hashes as `npm start` does; the cheap ones keep hashing out of
  // the benchmarks that do not measure it.
  const hashing = config.hashing === 'default' ? {} : { argon2: CHEAP_ARGON2 };
  const baton = await createBaton({
    store,
    secrets: [config.secret],
    origins,
    handoffTtlSeconds: 60,
    renderPage: await loadBuiltPages(config.distDir),
    assetsDir: config.assetsDir ?? null,
    logger: createLogger({ level: 'silent' }),
    ...hashing,
    passwordChecks: ROOMY_PASSWORD_CHECKS,
    limits: UNLIMITED,
  });
  const port = await listenLoopback(baton.server);
  origins.push(`http://127.0.0.1:${port}`, `http://localhost:${port}`);
  return {
    server: baton.server,
    counters,
    wss: baton.live,
    async createAccount(email, password) {
      const existing = await opened.accounts.findByEmail(email);
      if (existing) return existing.id;
      const account = await opened.accounts.create(
        email,
        await hashPassword(password, CHEAP_ARGON2),
      );
      if (!account) throw new Error(`could not create the account ${email}`);
      return account.id;
    },
    async close() {
      await baton.close();
      await opened.close();
    },
  };
}
