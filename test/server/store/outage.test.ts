import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  RedisTimeoutError,
  RedisUnavailableError,
} from '../../../server/store/redis-connection.ts';
import {
  isOutage,
  StoreUnavailableError,
  storeFailure,
} from '../../../server/store/unavailable.ts';

/** An error shaped as the named library throws it. */
const named = (name: string, message: string) => Object.assign(new Error(message), { name });
const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('isOutage', () => {
  it.each([
    ['a refused connection', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:6379')],
    ['a reset connection', coded('ECONNRESET', 'read ECONNRESET')],
    ['a network timeout', coded('ETIMEDOUT')],
    [
      'ioredis giving up on a command',
      named('MaxRetriesPerRequestError', 'Reached the max retries'),
    ],
    ['ioredis flushing commands on a lost connection', named('AbortError', 'Command aborted')],
    ['an ioredis command timeout', new Error('Command timed out')],
    ['a closed ioredis connection', new Error('Connection is closed.')],
    ['Redis loading its data set', named('ReplyError', 'LOADING Redis is loading the dataset')],
    ['a Redis replica that took over', named('ReplyError', "READONLY You can't write")],
    ['the fail-fast guard', new RedisUnavailableError('Redis at redis://h:1/0 is unreachable')],
    ['a command past its deadline', new RedisTimeoutError('PING took longer than 750 ms')],
    ['a locked SQLite file', new Database.SqliteError('database is locked', 'SQLITE_BUSY')],
    ['a stale SQLite snapshot', new Database.SqliteError('snapshot', 'SQLITE_BUSY_SNAPSHOT')],
    ['a locked SQLite table', new Database.SqliteError('locked', 'SQLITE_LOCKED')],
    ['an SQLite I/O error', new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_WRITE')],
    ['a full disk', new Database.SqliteError('database or disk is full', 'SQLITE_FULL')],
    ['a wrapped connection error', new Error('failed', { cause: coded('ECONNRESET') })],
  ])('counts %s as an outage', (_, error) => {
    expect(isOutage(error)).toBe(true);
  });

  it.each([
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a constraint violation', new Database.SqliteError('UNIQUE', 'SQLITE_CONSTRAINT_UNIQUE')],
    ['an SQL error', new Database.SqliteError('no such table: t', 'SQLITE_ERROR')],
    ['a Redis type error', named('ReplyError', 'WRONGTYPE Operation against a key')],
    ['a Redis script error', named('ReplyError', 'ERR user_script:1: Script attempted')],
    ['a JSON parse error', new SyntaxError('Unexpected token')],
    ['a thrown string', 'connection lost'],
  ])('counts %s as a bug, not an outage', (_, error) => {
    expect(isOutage(error)).toBe(false);
  });
});

describe('storeFailure', () => {
  it('wraps an outage as store.unavailable (503), naming the operation and keeping the cause', () => {
    const cause = coded('ECONNRESET', 'read ECONNRESET');
    const failure = storeFailure('sessions.get', cause);

    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect(failure).toMatchObject({ code: 'store.unavailable', status: 503, expose: false, cause });
    expect((failure as Error).message).toBe(
      'The store did not answer sessions.get: read ECONNRESET',
    );
  });

  it('passes anything else through unchanged, so it is answered and logged as the bug it is', () => {
    const bug = new TypeError('x is not a function');

    expect(storeFailure('accounts.create', bug)).toBe(bug);
  });
});
