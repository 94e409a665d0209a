/**
 * The store specification for emailed tokens (`TokenStore`), run inside every store's
 * suite (store-suite.ts): single use on every instance, expiry by the store's clock, death
 * when the account's credential version moves on, and nothing but hashes in the store.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Account, TokenPurpose } from '../../../server/store/store.ts';
import {
  checkToken,
  consumeToken,
  hashToken,
  issueToken,
  TOKEN_LIFETIMES_MS,
} from '../../../server/tokens/tokens.ts';
import type { StoreHarness } from './store-suite.ts';

export function describeTokenCases(harness: StoreHarness): void {
  const { store, now } = harness;

  async function newAccount(): Promise<Account> {
    const account = await store().accounts.create(`${randomUUID()}@example.test`, 'hash-1');
    if (account === null) throw new Error('the account was not created');
    return account;
  }

  async function issue(account: Account, purpose: TokenPurpose = 'reset-password') {
    return issueToken(store().tokens, { purpose, account, email: account.email }, now);
  }

  describe('tokens', () => {
    it('checks a token without using it, then uses it exactly once', async () => {
      const account = await newAccount();
      const { token, expiresAt } = await issue(account, 'login-link');
      const record = {
        hash: hashToken(token),
        purpose: 'login-link',
        accountId: account.id,
        email: account.email,
        credentialVersion: 0,
        expiresAt,
      };
      expect(expiresAt).toBe(now() + TOKEN_LIFETIMES_MS['login-link']);

      expect(await checkToken(store().tokens, token, 'login-link')).toEqual({
        ok: true,
        token: record,
      });
      expect(await checkToken(store().tokens, token, 'login-link')).toEqual({
        ok: true,
        token: record,
      });
      expect(await consumeToken(store().tokens, token, 'login-link')).toEqual({
        ok: true,
        token: record,
      });

      const gone = { ok: false, reason: 'unknown' };
      expect(await consumeToken(store().tokens, token, 'login-link')).toEqual(gone);
      expect(await checkToken(store().tokens, token, 'login-link')).toEqual(gone);
    });

    it('refuses a token of another purpose, which stays good for its own', async () => {
      const account = await newAccount();
      const { token } = await issue(account, 'confirm-email');

      for (const other of ['reset-password', 'login-link', 'change-email'] as const) {
        expect(await checkToken(store().tokens, token, other)).toEqual({
          ok: false,
          reason: 'unknown',
        });
        expect(await consumeToken(store().tokens, token, other)).toEqual({
          ok: false,
          reason: 'unknown',
        });
      }

      expect((await consumeToken(store().tokens, token, 'confirm-email')).ok).toBe(true);
    });

    it('refuses a token never issued, and text that is not a token', async () => {
      for (const text of [
        'A'.repeat(43),
        '',
        'short',
        `${'A'.repeat(43)}=`,
        'A'.repeat(10_000),
        '../../etc/passwd',
      ]) {
        expect(await consumeToken(store().tokens, text, 'reset-password')).toEqual({
          ok: false,
          reason: 'unknown',
        });
      }
    });

    it('accepts a token until its expiry by the store clock, and none at or after it', async () => {
      const account = await newAccount();
      const first = await issue(account);
      const second = await issue(account);

      harness.moveClock(TOKEN_LIFETIMES_MS['reset-password'] - 1);
      expect((await checkToken(store().tokens, first.token, 'reset-password')).ok).toBe(true);

      harness.moveClock(1);
      const expired = { ok: false, reason: 'expired' };
      expect(await checkToken(store().tokens, first.token, 'reset-password')).toEqual(expired);
      expect(await consumeToken(store().tokens, first.token, 'reset-password')).toEqual(expired);
      expect(await consumeToken(store().tokens, second.token, 'reset-password')).toEqual(expired);
      // Refused once, deleted: it can only ever be unknown from now on.
      expect(await consumeToken(store().tokens, first.token, 'reset-password')).toEqual({
        ok: false,
        reason: 'unknown',
      });
    });

    it('lets exactly one of 20 concurrent uses of a token succeed, across two instances', async () => {
      const other = await harness.twin();
      const account = await newAccount();
      const { token } = await issue(account, 'login-link');

      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          consumeToken((i % 2 === 0 ? store() : other).tokens, token, 'login-link'),
        ),
      );

      expect(results.filter((result) => result.ok)).toHaveLength(1);
      expect(results.filter((result) => !result.ok)).toEqual(
        Array.from({ length: 19 }, () => ({ ok: false, reason: 'unknown' })),
      );
    });

    it('lets a token issued on one instance be used on the other, once', async () => {
      const other = await harness.twin();
      const account = await newAccount();
      const { token } = await issue(account);

      expect((await consumeToken(other.tokens, token, 'reset-password')).ok).toBe(true);
      expect((await consumeToken(store().tokens, token, 'reset-password')).ok).toBe(false);
    });

    it("kills every token of an account when its password changes, and only that account's", async () => {
      const account = await newAccount();
      const bystander = await newAccount();
      const purposes = ['reset-password', 'login-link', 'confirm-email', 'change-email'] as const;
      const before = await Promise.all(purposes.map((purpose) => issue(account, purpose)));
      const theirs = await issue(bystander);

      const version = await store().accounts.changePassword(account.id, 'hash-2');

      for (const [i, purpose] of purposes.entries()) {
        const { token } = before[i] as { token: string };
        const stale = { ok: false, reason: 'stale' };
        expect(await checkToken(store().tokens, token, purpose)).toEqual(stale);
        expect(await consumeToken(store().tokens, token, purpose)).toEqual(stale);
        expect(await consumeToken(store().tokens, token, purpose)).toEqual({
          ok: false,
          reason: 'unknown',
        });
      }
      expect((await consumeToken(store().tokens, theirs.token, 'reset-password')).ok).toBe(true);
      // Issued under the new version, a token works again.
      const after = await issue({ ...account, credentialVersion: version ?? -1 });
      expect((await consumeToken(store().tokens, after.token, 'reset-password')).ok).toBe(true);
    });

    it('refuses, as stale, a token of an account that does not exist', async () => {
      const ghost = { id: randomUUID(), credentialVersion: 0 };
      const { token } = await issueToken(
        store().tokens,
        { purpose: 'login-link', account: ghost, email: 'ghost@example.test' },
        now,
      );

      expect(await consumeToken(store().tokens, token, 'login-link')).toEqual({
        ok: false,
        reason: 'stale',
      });
    });

    it.skipIf(harness.contents === undefined)(
      'keeps only the hash: the token is nowhere in the store',
      async () => {
        const account = await newAccount();
        const issued = await Promise.all(
          (['reset-password', 'login-link', 'confirm-email', 'change-email'] as const).map(
            (purpose) => issue(account, purpose),
          ),
        );
        const contents = await (harness.contents as () => Promise<Buffer>)();

        // The dump does hold the tokens' rows: their hashes and address are in it.
        expect(contents.includes(account.email)).toBe(true);
        for (const { token } of issued) {
          expect(contents.includes(hashToken(token))).toBe(true);
          expect(contents.includes(token)).toBe(false);
          expect(contents.includes(Buffer.from(token, 'base64url'))).toBe(false);
          expect(contents.includes(Buffer.from(token, 'base64url').toString('hex'))).toBe(false);
        }
      },
    );
  });
}
