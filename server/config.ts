/**
 * Configuration from the environment, validated once at start. Every rule failure is a
 * `ConfigError` whose one-line message names the variable, the rule and the value received
 * (secrets are never echoed).
 */
import path from 'node:path';

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
}

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
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}`, JSON.stringify(raw));
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
    if (!['http:', 'https:'].includes(url.protocol) || url.origin !== candidate.replace(/\/$/, '')) {
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
  const shown = /^rediss?:/.test(value) ? `a malformed ${value.split(':')[0]} URL` : JSON.stringify(value);
  throw new ConfigError('STORE_URL', 'must be sqlite:<file> or redis://host:port/db', shown);
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
  return Object.freeze({
    port,
    host,
    dataDir,
    storeUrl: storeUrl(env, dataDir),
    secretKeys: Object.freeze(secrets(env)),
    publicOrigins: Object.freeze(origins(env, port)),
    handoffTtlSeconds: integer(env, 'HANDOFF_TTL_SECONDS', 60, 1, 3600),
    production: env.NODE_ENV === 'production',
  });
}
