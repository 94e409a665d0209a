import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

const SECRET = 's'.repeat(32);

function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: path.resolve('data'),
      storeUrl: `sqlite:${path.resolve('data', 'baton.db')}`,
      secretKeys: [],
      publicOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
      handoffTtlSeconds: 60,
      production: false,
      secureCookies: false,
      trustProxy: 0,
      sessionIdleMinutes: 30,
      sessionAbsoluteHours: 12,
      rememberDays: 30,
      sudoMinutes: 10,
      limits: {
        loginFailsPerAccount: 10,
        loginFailsPerIp: 50,
        signupsPerIp: 30,
        socketsPerIp: 120,
        openSocketsPerIp: 64,
        framesPerSocket: 100,
        emailsPerAddress: 5,
        emailsPerIp: 30,
      },
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
      passwordChecks: { perIp: 4, perAccount: 2, queueLimit: 256, maxWaitMs: 2000 },
      mail: { url: { kind: 'mailbox' }, from: 'Baton <no-reply@localhost>' },
    });
  });

  it('derives the default origins and store from PORT and DATA_DIR', () => {
    const config = loadConfig({ PORT: '8080', DATA_DIR: '/tmp/baton-x' });
    expect(config.publicOrigins).toEqual(['http://localhost:8080', 'http://127.0.0.1:8080']);
    expect(config.storeUrl).toBe('sqlite:/tmp/baton-x/baton.db');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      STORE_URL: 'redis://127.0.0.1:6379/2',
      SECRET_KEYS: `${SECRET}, ${'t'.repeat(40)}`,
      PUBLIC_ORIGIN: 'https://baton.example, https://www.baton.example',
      HANDOFF_TTL_SECONDS: '30',
      NODE_ENV: 'production',
      TRUST_PROXY: '1',
      SESSION_IDLE_MINUTES: '15',
      SESSION_ABSOLUTE_HOURS: '8',
      REMEMBER_DAYS: '14',
      SUDO_MINUTES: '5',
      LIMIT_LOGIN_FAILS_PER_ACCOUNT: '5',
      LIMIT_LOGIN_FAILS_PER_IP: '20',
      LIMIT_SIGNUPS_PER_IP: '3',
      LIMIT_SOCKETS_PER_IP: '60',
      LIMIT_OPEN_SOCKETS_PER_IP: '32',
      LIMIT_FRAMES_PER_SOCKET: '40',
      ARGON2_MEMORY_KIB: '65536',
      ARGON2_TIME_COST: '3',
      ARGON2_PARALLELISM: '2',
      PASSWORD_CHECKS_PER_IP: '8',
      PASSWORD_CHECKS_PER_ACCOUNT: '3',
      PASSWORD_QUEUE_LIMIT: '100',
      PASSWORD_QUEUE_MAX_WAIT_MS: '1500',
      LIMIT_EMAILS_PER_ADDRESS: '3',
      LIMIT_EMAILS_PER_IP: '12',
      MAIL_URL: 'smtps://mailer:s3cret@mail.baton.example:2465',
      MAIL_FROM: 'Baton <accounts@baton.example>',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      storeUrl: 'redis://127.0.0.1:6379/2',
      secretKeys: [SECRET, 't'.repeat(40)],
      publicOrigins: ['https://baton.example', 'https://www.baton.example'],
      handoffTtlSeconds: 30,
      production: true,
      secureCookies: true,
      trustProxy: 1,
      sessionIdleMinutes: 15,
      sessionAbsoluteHours: 8,
      rememberDays: 14,
      sudoMinutes: 5,
      limits: {
        loginFailsPerAccount: 5,
        loginFailsPerIp: 20,
        signupsPerIp: 3,
        socketsPerIp: 60,
        openSocketsPerIp: 32,
        framesPerSocket: 40,
        emailsPerAddress: 3,
        emailsPerIp: 12,
      },
      argon2: { memoryCost: 65536, timeCost: 3, parallelism: 2 },
      passwordChecks: { perIp: 8, perAccount: 3, queueLimit: 100, maxWaitMs: 1500 },
      mail: {
        url: {
          kind: 'smtp',
          secure: true,
          host: 'mail.baton.example',
          port: 2465,
          auth: { user: 'mailer', pass: 's3cret' },
        },
        from: 'Baton <accounts@baton.example>',
      },
    });
  });

  it('names the variable, the rule and the value for a bad number', () => {
    expect(failure({ PORT: 'eighty' })).toBe(
      'PORT must be a whole number from 0 to 65535 (received "eighty")',
    );
    expect(failure({ PORT: '70000' })).toBe(
      'PORT must be a whole number from 0 to 65535 (received "70000")',
    );
    expect(failure({ HANDOFF_TTL_SECONDS: '0' })).toBe(
      'HANDOFF_TTL_SECONDS must be a whole number from 1 to 3600 (received "0")',
    );
    expect(failure({ REMEMBER_DAYS: '401' })).toBe(
      'REMEMBER_DAYS must be a whole number from 1 to 400 (received "401")',
    );
    expect(failure({ SUDO_MINUTES: 'ten' })).toBe(
      'SUDO_MINUTES must be a whole number from 1 to 1440 (received "ten")',
    );
  });

  it('names the variable, the rule and the value for a bad argon2 or password-check setting', () => {
    expect(failure({ ARGON2_MEMORY_KIB: '4' })).toBe(
      'ARGON2_MEMORY_KIB must be a whole number from 8 to 4194304 (received "4")',
    );
    expect(failure({ ARGON2_MEMORY_KIB: '16', ARGON2_PARALLELISM: '4' })).toBe(
      'ARGON2_MEMORY_KIB must be at least 8 KiB per lane (8 x ARGON2_PARALLELISM = 32) (received "16")',
    );
    expect(failure({ ARGON2_TIME_COST: 'two' })).toBe(
      'ARGON2_TIME_COST must be a whole number from 1 to 100 (received "two")',
    );
    expect(failure({ PASSWORD_CHECKS_PER_IP: '0' })).toBe(
      'PASSWORD_CHECKS_PER_IP must be a whole number from 1 to 10000 (received "0")',
    );
    expect(failure({ PASSWORD_QUEUE_MAX_WAIT_MS: '-5' })).toBe(
      'PASSWORD_QUEUE_MAX_WAIT_MS must be a whole number from 1 to 60000 (received "-5")',
    );
  });

  it('refuses a short secret without printing it', () => {
    const message = failure({ SECRET_KEYS: `${SECRET},tooshort` });
    expect(message).toBe(
      'SECRET_KEYS entries must each be at least 32 bytes (received entry 2 of 2 with 8 bytes)',
    );
    expect(message).not.toContain('tooshort');
  });

  it('refuses an origin with a path or another scheme', () => {
    expect(failure({ PUBLIC_ORIGIN: 'https://baton.example/app' })).toBe(
      'PUBLIC_ORIGIN must list bare http(s) origins (scheme, host and port; no path) (received "https://baton.example/app")',
    );
    expect(failure({ PUBLIC_ORIGIN: 'baton.example' })).toBe(
      'PUBLIC_ORIGIN must be comma-separated origins like https://example.com (received "baton.example")',
    );
  });

  it('refuses a mix of http and https origins, since cookies are Secure for all or none', () => {
    expect(failure({ PUBLIC_ORIGIN: 'https://baton.example,http://localhost:3000' })).toBe(
      'PUBLIC_ORIGIN must not mix http and https origins (cookies are Secure only when all are https) (received "https://baton.example,http://localhost:3000")',
    );
  });

  it('reads TRUST_PROXY as a number of proxy hops, 0 or off for none', () => {
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'off' }).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '' }).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });

  it('refuses a TRUST_PROXY that is not off or a whole number of hops', () => {
    for (const value of ['yes', 'true', '-1', '1.5', '17', ' 1x']) {
      expect(failure({ TRUST_PROXY: value })).toBe(
        `TRUST_PROXY must be 0 or off, or the number of proxies in front that append to X-Forwarded-For (a whole number from 1 to 16) (received ${JSON.stringify(value)})`,
      );
    }
  });

  it('refuses an unknown store without echoing a Redis password', () => {
    expect(failure({ STORE_URL: 'postgres://x' })).toBe(
      'STORE_URL must be sqlite:<file> or redis://host:port/db (received "postgres://x")',
    );
    expect(failure({ STORE_URL: 'redis://:hunter2@[bad' })).not.toContain('hunter2');
  });

  describe('MAIL_URL', () => {
    const RULE =
      'MAIL_URL must be mailbox: or smtp://[user:pass@]host:port or smtps://[user:pass@]host:port';

    it('reads an SMTP server, its port defaulting to 587 (smtp) or 465 (smtps)', () => {
      expect(loadConfig({ MAIL_URL: 'smtp://127.0.0.1:1025' }).mail.url).toEqual({
        kind: 'smtp',
        secure: false,
        host: '127.0.0.1',
        port: 1025,
      });
      expect(loadConfig({ MAIL_URL: 'smtp://mail.example.com' }).mail.url).toMatchObject({
        secure: false,
        port: 587,
      });
      expect(loadConfig({ MAIL_URL: 'smtps://mail.example.com/' }).mail.url).toMatchObject({
        secure: true,
        port: 465,
      });
      expect(loadConfig({ MAIL_URL: 'smtp://[::1]:25' }).mail.url).toMatchObject({
        host: '::1',
        port: 25,
      });
    });

    it('decodes a percent-encoded user name and password', () => {
      expect(
        loadConfig({ MAIL_URL: 'smtp://me%40example.com:p%40ss%3Aw@host:25' }).mail.url,
      ).toEqual({
        kind: 'smtp',
        secure: false,
        host: 'host',
        port: 25,
        auth: { user: 'me@example.com', pass: 'p@ss:w' },
      });
    });

    it('refuses anything else, naming the rule and the value without its password', () => {
      const cases: Array<[string, string]> = [
        ['http://mail.example.com', '"http://mail.example.com/"'],
        ['smtp:/mail.example.com', '"smtp:/mail.example.com"'],
        ['smtp://mail.example.com:25/path', '"smtp://mail.example.com:25/path"'],
        ['smtp://mail.example.com:25?tls=off', '"smtp://mail.example.com:25?tls=off"'],
        ['smtp://user:hunter2@mail.example.com:0', '"smtp://user:***@mail.example.com:0"'],
        ['smtp://:hunter2@mail.example.com:25', '"smtp://:***@mail.example.com:25"'],
        ['smtp://user:%E0hunter2@mail.example.com:25', '"smtp://user:***@mail.example.com:25"'],
        ['smtp://user:hunter2@[bad', 'a malformed smtp URL'],
        ['mailbox', '"mailbox"'],
      ];
      for (const [value, shown] of cases) {
        expect(failure({ MAIL_URL: value })).toBe(`${RULE} (received ${shown})`);
      }
    });

    it('must name an SMTP server in production, saying why, set or not', () => {
      const why =
        'MAIL_URL must be smtp://… or smtps://… with NODE_ENV=production (mailbox: keeps emails in the store, for development only)';
      expect(failure({ NODE_ENV: 'production' })).toBe(`${why} (received "mailbox:", the default)`);
      expect(failure({ NODE_ENV: 'production', MAIL_URL: 'mailbox:' })).toBe(
        `${why} (received "mailbox:")`,
      );
      expect(
        loadConfig({ NODE_ENV: 'production', MAIL_URL: 'smtp://mail.example.com:587' }).mail.url
          .kind,
      ).toBe('smtp');
    });
  });

  describe('MAIL_FROM', () => {
    it('takes a name and address, or a bare address', () => {
      for (const from of [
        'Baton <no-reply@example.com>',
        'no-reply@example.com',
        '"Baton, Inc." <no-reply@example.com>',
      ]) {
        expect(loadConfig({ MAIL_FROM: from }).mail.from).toBe(from);
      }
    });

    it('refuses anything else, a line break above all (it would add headers)', () => {
      for (const from of ['Baton', 'Baton <no-reply>', 'Baton\r\nBcc: x@example.com <a@b.c>']) {
        expect(failure({ MAIL_FROM: from })).toBe(
          `MAIL_FROM must be an address like "Baton <no-reply@example.com>" or "no-reply@example.com" (received ${JSON.stringify(from)})`,
        );
      }
    });
  });
});
