/**
 * Configuration from the environment, validated once at start. Every rule failure is a
 * `ConfigError` whose one-line message names the variable, the rule and the value received
 * (secrets are never echoed).
 */
import path from 'node:path';
import { type Argon2Params, OWASP_ARGON2 } from './accounts/password.ts';
import { PASSWORD_GATE_DEFAULTS } from './accounts/password-gate.ts';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** `sqlite:<file>` or `redis://host:port/db`. */
  storeUrl: string;
  /** Secrets from SECRET_KEYS, newest first; empty means "use the generated key file". */
  secretKeys: readonly string[];
  publicOrigins: readonly string[];
  handoffTtlSeconds: number;
  production: boolean;
  /** True when PUBLIC_ORIGIN is https: cookies are then Secure and `__Host-` prefixed. */
  secureCookies: boolean;
  /**
   * Reverse proxies in front that append to X-Forwarded-For (0: none, trust no forwarded
   * header). The client IP is the `trustProxy`-th entry from the right (http/client-ip.ts).
   */
  trustProxy: number;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  /** A "Remember me" session's idle and absolute limit, in days. */
  rememberDays: number;
  /** How long after a sign-in or a password confirmation sensitive pages open without asking again. */
  sudoMinutes: number;
  limits: RateLimits;
  /** argon2id parameters for new password hashes. */
  argon2: Argon2Params;
  /** Caps on password checks in flight (load shedding, see accounts/password-gate.ts). */
  passwordChecks: PasswordChecks;
  /** Where emails go (MAIL_URL) and who sends them (MAIL_FROM). */
  mail: MailConfig;
}

/**
 * MAIL_URL: `mailbox:` keeps every email in the store (development), or an SMTP server.
 * `secure` is `smtps:` (TLS from the first byte); `smtp:` upgrades with STARTTLS when the
 * server offers it.
 */
export type MailUrl =
  | { kind: 'mailbox' }
  | {
      kind: 'smtp';
      secure: boolean;
      host: string;
      port: number;
      /** Present when the URL carries a user name; the password may be empty. */
      auth?: { user: string; pass: string };
    };

export interface MailConfig {
  url: MailUrl;
  /** The sender of every email, e.g. `Baton <no-reply@example.com>`. */
  from: string;
}

/** How many password checks may be in flight, and how long one may expect to queue. */
export interface PasswordChecks {
  perIp: number;
  perAccount: number;
  queueLimit: number;
  maxWaitMs: number;
}

/** Rate limits; each window is fixed, each count configurable. */
export interface RateLimits {
  /** Failed sign-ins per account per 15 minutes. */
  loginFailsPerAccount: number;
  /** Failed sign-ins per client IP per 15 minutes. */
  loginFailsPerIp: number;
  /** Sign-ups per client IP per hour. */
  signupsPerIp: number;
  /** Live-socket connections per client IP per minute. */
  socketsPerIp: number;
  /**
   * Live sockets one client IP may hold open at once, per instance (refused with 429 at the
   * upgrade). Optional here so a test may set only the limits it exercises.
   */
  openSocketsPerIp?: number;
  /** Frames per live socket per 10 seconds. */
  framesPerSocket: number;
  /**
   * Emails asked for (reset, sign-in link, confirmation) per address per hour. Optional
   * here, like the next, so a test may set only the limits it exercises.
   */
  emailsPerAddress?: number;
  /** Emails asked for per client IP per hour. */
  emailsPerIp?: number;
}

export const DEFAULT_LIMITS: Readonly<Required<RateLimits>> = Object.freeze({
  loginFailsPerAccount: 10,
  loginFailsPerIp: 50,
  signupsPerIp: 30,
  socketsPerIp: 120,
  openSocketsPerIp: 64,
  framesPerSocket: 100,
  emailsPerAddress: 5,
  emailsPerIp: 30,
});

export class ConfigError extends Error {
  readonly code = 'config.invalid';
  constructor(
    readonly variable: string,
    rule: string,
    shown: string,
  ) {
    super(`${variable} ${rule} (received ${shown})`);
    this.name = 'ConfigError';
  }
}

/** Smallest secret accepted, in bytes (a 256-bit key's worth). */
export const MIN_SECRET_BYTES = 32;

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(
      name,
      `must be a whole number from ${min} to ${max}`,
      JSON.stringify(raw),
    );
  }
  return value;
}

function origins(env: Env, port: number): string[] {
  const raw = env.PUBLIC_ORIGIN;
  if (raw === undefined || raw.trim() === '') {
    return [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  }
  return raw.split(',').map((entry) => {
    const candidate = entry.trim();
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      throw new ConfigError(
        'PUBLIC_ORIGIN',
        'must be comma-separated origins like https://example.com',
        JSON.stringify(candidate),
      );
    }
    if (
      !['http:', 'https:'].includes(url.protocol) ||
      url.origin !== candidate.replace(/\/$/, '')
    ) {
      throw new ConfigError(
        'PUBLIC_ORIGIN',
        'must list bare http(s) origins (scheme, host and port; no path)',
        JSON.stringify(candidate),
      );
    }
    return url.origin;
  });
}

function secrets(env: Env): string[] {
  const raw = env.SECRET_KEYS;
  if (raw === undefined || raw.trim() === '') return [];
  const list = raw.split(',').map((s) => s.trim());
  list.forEach((secret, index) => {
    const bytes = Buffer.byteLength(secret, 'utf8');
    if (bytes < MIN_SECRET_BYTES) {
      // The value is a secret: say which entry and how long, never what it is.
      throw new ConfigError(
        'SECRET_KEYS',
        `entries must each be at least ${MIN_SECRET_BYTES} bytes`,
        `entry ${index + 1} of ${list.length} with ${bytes} bytes`,
      );
    }
  });
  return list;
}

function storeUrl(env: Env, dataDir: string): string {
  const raw = env.STORE_URL;
  if (raw === undefined || raw.trim() === '') return `sqlite:${path.join(dataDir, 'baton.db')}`;
  const value = raw.trim();
  if (value.startsWith('sqlite:') && value.length > 'sqlite:'.length) return value;
  if (/^rediss?:\/\//.test(value)) {
    try {
      new URL(value);
      return value;
    } catch {
      // falls through to the error below
    }
  }
  // A Redis URL may carry a password: show only its scheme.
  const shown = /^rediss?:/.test(value)
    ? `a malformed ${value.split(':')[0]} URL`
    : JSON.stringify(value);
  throw new ConfigError('STORE_URL', 'must be sqlite:<file> or redis://host:port/db', shown);
}

/** Most proxy hops accepted: more is a typo, not a deployment. */
const MAX_PROXY_HOPS = 16;

/** TRUST_PROXY: unset, `0` or `off` trust no forwarded header; `<n>` trusts n proxy hops. */
function proxyHops(env: Env): number {
  const raw = env.TRUST_PROXY?.trim();
  if (raw === undefined || raw === '' || raw === '0' || raw.toLowerCase() === 'off') return 0;
  const hops = Number(raw);
  if (/^\d+$/.test(raw) && hops >= 1 && hops <= MAX_PROXY_HOPS) return hops;
  throw new ConfigError(
    'TRUST_PROXY',
    `must be 0 or off, or the number of proxies in front that append to X-Forwarded-For (a whole number from 1 to ${MAX_PROXY_HOPS})`,
    JSON.stringify(env.TRUST_PROXY),
  );
}

function secureOrigins(list: readonly string[]): boolean {
  const https = list.filter((origin) => origin.startsWith('https:'));
  if (https.length > 0 && https.length < list.length) {
    throw new ConfigError(
      'PUBLIC_ORIGIN',
      'must not mix http and https origins (cookies are Secure only when all are https)',
      JSON.stringify(list.join(',')),
    );
  }
  return https.length > 0;
}

/** The SMTP ports nodemailer assumes when a URL names none. */
const SMTP_DEFAULT_PORTS = { smtp: 587, smtps: 465 } as const;

const MAIL_URL_RULE =
  'must be mailbox: or smtp://[user:pass@]host:port or smtps://[user:pass@]host:port';

/** A MAIL_URL as it may be shown: the password, if any, replaced. */
function shownMailUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = '***';
    return JSON.stringify(url.toString());
  } catch {
    // Unparsable: anything after the scheme could be a password.
    return raw.includes('@') ? `a malformed ${raw.split(':')[0]} URL` : JSON.stringify(raw);
  }
}

/**
 * MAIL_URL, checked in full at start. With NODE_ENV=production it must name an SMTP
 * server: the mailbox would keep working links in the store and show them to anyone.
 */
function mailUrl(env: Env, production: boolean): MailUrl {
  const raw = env.MAIL_URL?.trim() || 'mailbox:';
  if (raw === 'mailbox:') {
    if (!production) return { kind: 'mailbox' };
    throw new ConfigError(
      'MAIL_URL',
      'must be smtp://… or smtps://… with NODE_ENV=production (mailbox: keeps emails in the store, for development only)',
      env.MAIL_URL?.trim() ? '"mailbox:"' : '"mailbox:", the default',
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('MAIL_URL', MAIL_URL_RULE, shownMailUrl(raw));
  }
  const scheme = url.protocol.slice(0, -1);
  if (
    (scheme !== 'smtp' && scheme !== 'smtps') ||
    url.hostname === '' ||
    (url.pathname !== '' && url.pathname !== '/') ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new ConfigError('MAIL_URL', MAIL_URL_RULE, shownMailUrl(raw));
  }
  const port = url.port === '' ? SMTP_DEFAULT_PORTS[scheme] : Number(url.port);
  // A password without a user name would be dropped without a word.
  if (port < 1 || (url.username === '' && url.password !== '')) {
    throw new ConfigError('MAIL_URL', MAIL_URL_RULE, shownMailUrl(raw));
  }
  let auth: { user: string; pass: string } | undefined;
  try {
    // Written percent-encoded in the URL (a "@" in a password is %40).
    if (url.username !== '') {
      auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
    }
  } catch {
    throw new ConfigError('MAIL_URL', MAIL_URL_RULE, shownMailUrl(raw));
  }
  return {
    kind: 'smtp',
    secure: scheme === 'smtps',
    // An IPv6 host comes bracketed; the socket wants it bare.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    ...(auth ? { auth } : {}),
  };
}

/** `Name <address>` or a bare address, on one line (a line break would forge headers). */
const MAIL_FROM_SHAPE = /^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@"]+@[^\s<>@]+)$/;

/** MAIL_FROM when unset. */
export const DEFAULT_MAIL_FROM = 'Baton <no-reply@localhost>';

function mailFrom(env: Env): string {
  const raw = env.MAIL_FROM;
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAIL_FROM;
  const value = raw.trim();
  if (!MAIL_FROM_SHAPE.test(value)) {
    throw new ConfigError(
      'MAIL_FROM',
      'must be an address like "Baton <no-reply@example.com>" or "no-reply@example.com"',
      JSON.stringify(raw),
    );
  }
  return value;
}

/**
 * argon2's own bounds, except memory: 4 GiB is far past what a sign-in should cost. argon2
 * refuses less than 8 KiB per lane, so that is checked here, at start, not at the first hash.
 */
function argon2(env: Env): Argon2Params {
  const A = OWASP_ARGON2;
  const memoryCost = integer(env, 'ARGON2_MEMORY_KIB', A.memoryCost, 8, 4 * 1024 * 1024);
  const parallelism = integer(env, 'ARGON2_PARALLELISM', A.parallelism, 1, 255);
  if (memoryCost < 8 * parallelism) {
    throw new ConfigError(
      'ARGON2_MEMORY_KIB',
      `must be at least 8 KiB per lane (8 x ARGON2_PARALLELISM = ${8 * parallelism})`,
      JSON.stringify(String(memoryCost)),
    );
  }
  const timeCost = integer(env, 'ARGON2_TIME_COST', A.timeCost, 1, 100);
  return Object.freeze({ memoryCost, timeCost, parallelism });
}

/**
 * Reads and validates the configuration.
 * @example
 * const config = loadConfig(process.env); // throws ConfigError on the first bad value
 */
export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST?.trim() || '127.0.0.1';
  const dataDir = path.resolve(env.DATA_DIR?.trim() || './data');
  const publicOrigins = Object.freeze(origins(env, port));
  const D = DEFAULT_LIMITS;
  const G = PASSWORD_GATE_DEFAULTS;
  const production = env.NODE_ENV === 'production';
  return Object.freeze({
    port,
    host,
    dataDir,
    storeUrl: storeUrl(env, dataDir),
    secretKeys: Object.freeze(secrets(env)),
    publicOrigins,
    handoffTtlSeconds: integer(env, 'HANDOFF_TTL_SECONDS', 60, 1, 3600),
    production,
    secureCookies: secureOrigins(publicOrigins),
    trustProxy: proxyHops(env),
    sessionIdleMinutes: integer(env, 'SESSION_IDLE_MINUTES', 30, 1, 7 * 24 * 60),
    sessionAbsoluteHours: integer(env, 'SESSION_ABSOLUTE_HOURS', 12, 1, 90 * 24),
    // Browsers cap a cookie's lifetime at 400 days.
    rememberDays: integer(env, 'REMEMBER_DAYS', 30, 1, 400),
    sudoMinutes: integer(env, 'SUDO_MINUTES', 10, 1, 24 * 60),
    limits: Object.freeze({
      loginFailsPerAccount: integer(
        env,
        'LIMIT_LOGIN_FAILS_PER_ACCOUNT',
        D.loginFailsPerAccount,
        1,
        1_000_000,
      ),
      loginFailsPerIp: integer(env, 'LIMIT_LOGIN_FAILS_PER_IP', D.loginFailsPerIp, 1, 1_000_000),
      signupsPerIp: integer(env, 'LIMIT_SIGNUPS_PER_IP', D.signupsPerIp, 1, 1_000_000),
      socketsPerIp: integer(env, 'LIMIT_SOCKETS_PER_IP', D.socketsPerIp, 1, 1_000_000),
      openSocketsPerIp: integer(env, 'LIMIT_OPEN_SOCKETS_PER_IP', D.openSocketsPerIp, 1, 1_000_000),
      framesPerSocket: integer(env, 'LIMIT_FRAMES_PER_SOCKET', D.framesPerSocket, 1, 1_000_000),
      emailsPerAddress: integer(env, 'LIMIT_EMAILS_PER_ADDRESS', D.emailsPerAddress, 1, 1_000_000),
      emailsPerIp: integer(env, 'LIMIT_EMAILS_PER_IP', D.emailsPerIp, 1, 1_000_000),
    }),
    argon2: argon2(env),
    passwordChecks: Object.freeze({
      perIp: integer(env, 'PASSWORD_CHECKS_PER_IP', G.perIp, 1, 10_000),
      perAccount: integer(env, 'PASSWORD_CHECKS_PER_ACCOUNT', G.perAccount, 1, 10_000),
      queueLimit: integer(env, 'PASSWORD_QUEUE_LIMIT', G.queueLimit, 1, 100_000),
      maxWaitMs: integer(env, 'PASSWORD_QUEUE_MAX_WAIT_MS', G.maxWaitMs, 1, 60_000),
    }),
    mail: Object.freeze({ url: Object.freeze(mailUrl(env, production)), from: mailFrom(env) }),
  });
}
