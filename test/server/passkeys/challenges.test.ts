import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Challenges, createChallenges } from '../../../server/passkeys/challenges.ts';
import { openSqliteStore, type SqliteStore } from '../../../server/store/sqlite.ts';

const TTL_MS = 2 * 60_000;
let clock: number;
let store: SqliteStore;
let challenges: Challenges;

beforeEach(() => {
  clock = Date.UTC(2030, 0, 1);
  store = openSqliteStore({ file: ':memory:', now: () => clock });
  challenges = createChallenges({ store: store.challenges, now: () => clock, ttlMs: TTL_MS });
});

afterEach(async () => {
  await store.close();
});

describe('createChallenges', () => {
  it('gives a challenge back to the socket that asked, once', async () => {
    await challenges.keep('sign-in', { socketId: 's1' }, 'c1');

    expect(await challenges.take('sign-in', { socketId: 's1' })).toBe('c1');
    expect(await challenges.take('sign-in', { socketId: 's1' })).toBeNull();
  });

  it('gives nothing to another socket, and leaves the challenge to the one that asked', async () => {
    await challenges.keep('sign-in', { socketId: 's1' }, 'c1');

    expect(await challenges.take('sign-in', { socketId: 's2' })).toBeNull();
    expect(await challenges.take('sign-in', { socketId: 's1' })).toBe('c1');
  });

  it('keeps a registration challenge for the account and socket that asked', async () => {
    await challenges.keep('register', { socketId: 's1', accountId: 'a1' }, 'c1');

    expect(await challenges.take('register', { socketId: 's1', accountId: 'a2' })).toBeNull();
    expect(await challenges.take('sign-in', { socketId: 's1' })).toBeNull();
    expect(await challenges.take('register', { socketId: 's1', accountId: 'a1' })).toBe('c1');
  });

  it('keeps one challenge per socket and ceremony: asking again replaces it', async () => {
    await challenges.keep('sign-in', { socketId: 's1' }, 'c1');
    await challenges.keep('sign-in', { socketId: 's1' }, 'c2');

    expect(await challenges.take('sign-in', { socketId: 's1' })).toBe('c2');
  });

  it('lasts two minutes and not a moment longer', async () => {
    await challenges.keep('sign-in', { socketId: 's1' }, 'c1');
    await challenges.keep('sign-in', { socketId: 's2' }, 'c2');

    clock += TTL_MS - 1;
    expect(await challenges.take('sign-in', { socketId: 's1' })).toBe('c1');
    clock += 1;
    expect(await challenges.take('sign-in', { socketId: 's2' })).toBeNull();
  });

  it('is swept from the file once expired', async () => {
    await challenges.keep('sign-in', { socketId: 's1' }, 'c1');
    clock += TTL_MS;

    expect(await store.sweepExpired()).toBe(1);
  });
});
