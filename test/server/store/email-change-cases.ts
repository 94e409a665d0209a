/**
 * The store specification for changing an account's email (`AccountStore.changeEmail`), run
 * inside every store's suite (store-suite.ts): one step moves the account to the new
 * address, confirmed in that same step, and frees the old one, only at the credential
 * version asked for, never onto an address another account has (however it is written, and
 * however many race for it, on every instance), and kills every token and handoff issued
 * before.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Account } from '../../../server/store/store.ts';
import { checkToken, issueToken } from '../../../server/tokens/tokens.ts';
import type { StoreHarness } from './store-suite.ts';

const LONG_TTL_MS = 60_000;

const address = () => `${randomUUID()}@example.test`;

/** The confirmation time the changes below pass; the store writes it as given. */
const CONFIRMED_AT = 1_700_000_000_000;

export function describeEmailChangeCases(harness: StoreHarness): void {
  const { store, twin, now } = harness;

  async function newAccount(email = address()): Promise<Account> {
    const account = await store().accounts.create(email, 'hash-1');
    if (account === null) throw new Error('the account was not created');
    return account;
  }

  describe('accounts.changeEmail', () => {
    it('moves the account to the new address, confirmed, moves its credential version on and says the old one', async () => {
      const account = await newAccount();
      const next = address();

      const changed = await store().accounts.changeEmail(account.id, 0, next, CONFIRMED_AT);

      expect(changed).toEqual({ ok: true, previousEmail: account.email, credentialVersion: 1 });
      const moved = {
        ...account,
        email: next,
        credentialVersion: 1,
        emailConfirmedAt: CONFIRMED_AT,
      };
      expect(await store().accounts.findById(account.id)).toEqual(moved);
      expect(await store().accounts.findByEmail(next)).toEqual(moved);
      expect(await store().accounts.findByEmail(account.email)).toBeNull();
    });

    it('files the new address normalized, as create does', async () => {
      const account = await newAccount();
      const local = randomUUID();

      await store().accounts.changeEmail(
        account.id,
        0,
        `  ${local.toUpperCase()}@ＥＸＡＭＰＬＥ.test `,
        CONFIRMED_AT,
      );

      const filed = `${local}@example.test`;
      expect((await store().accounts.findById(account.id))?.email).toBe(filed);
      expect((await store().accounts.findByEmail(filed))?.id).toBe(account.id);
    });

    it('frees the old address: it can sign up again, and the account can move back to it', async () => {
      const account = await newAccount();
      const next = address();
      await store().accounts.changeEmail(account.id, 0, next, CONFIRMED_AT);

      const newcomer = await store().accounts.create(account.email, 'hash-2');
      expect(newcomer?.email).toBe(account.email);
      expect((await store().accounts.findByEmail(next))?.id).toBe(account.id);

      const other = await newAccount();
      await store().accounts.changeEmail(other.id, 0, address(), CONFIRMED_AT);
      const back = await store().accounts.changeEmail(account.id, 1, address(), CONFIRMED_AT);
      expect(back).toMatchObject({ ok: true, previousEmail: next, credentialVersion: 2 });
      expect(
        await store().accounts.changeEmail(account.id, 2, other.email, CONFIRMED_AT),
      ).toMatchObject({
        ok: true,
        credentialVersion: 3,
      });
      expect((await store().accounts.findByEmail(other.email))?.id).toBe(account.id);
    });

    it('refuses an address another account has, however it is written, changing nothing', async () => {
      const owner = await newAccount();
      const account = await newAccount();
      const [local, domain] = owner.email.split('@') as [string, string];
      const lookAlikes = [
        owner.email,
        owner.email.toUpperCase(),
        ` ${owner.email}\t`,
        `${local}@${domain.replace('example', 'ｅｘａｍｐｌｅ')}`,
      ];

      for (const lookAlike of lookAlikes) {
        expect(await store().accounts.changeEmail(account.id, 0, lookAlike, CONFIRMED_AT)).toEqual({
          ok: false,
          reason: 'taken',
        });
      }

      expect(await store().accounts.findById(account.id)).toEqual(account);
      expect(await store().accounts.findByEmail(owner.email)).toEqual(owner);
      expect(await store().accounts.findByEmail(account.email)).toEqual(account);
    });

    it("refuses the account's own address as taken", async () => {
      const account = await newAccount();
      expect(
        await store().accounts.changeEmail(account.id, 0, account.email, CONFIRMED_AT),
      ).toEqual({
        ok: false,
        reason: 'taken',
      });
      expect(await store().accounts.findById(account.id)).toEqual(account);
    });

    it('refuses an older credential version, or an account that is gone, as stale', async () => {
      const account = await newAccount();
      await store().accounts.changePassword(account.id, 'hash-2');
      const next = address();

      expect(await store().accounts.changeEmail(account.id, 0, next, CONFIRMED_AT)).toEqual({
        ok: false,
        reason: 'stale',
      });
      expect(await store().accounts.changeEmail(randomUUID(), 0, next, CONFIRMED_AT)).toEqual({
        ok: false,
        reason: 'stale',
      });
      expect(await store().accounts.findByEmail(next)).toBeNull();
      expect(await store().accounts.findById(account.id)).toMatchObject({
        email: account.email,
        emailConfirmedAt: null,
      });
    });

    it("confirms the new address at the move's time, not the old address's, and a refused move keeps the old one", async () => {
      const account = await newAccount();
      expect(await store().accounts.confirmEmail(account.id, account.email, 5)).toBe(true);

      expect(await store().accounts.changeEmail(account.id, 1, address(), CONFIRMED_AT)).toEqual({
        ok: false,
        reason: 'stale',
      });
      expect((await store().accounts.findById(account.id))?.emailConfirmedAt).toBe(5);

      const next = address();
      await store().accounts.changeEmail(account.id, 0, next, CONFIRMED_AT);
      expect(await store().accounts.findById(account.id)).toMatchObject({
        email: next,
        emailConfirmedAt: CONFIRMED_AT,
      });
    });

    it('kills the tokens and handoffs issued before it', async () => {
      const account = await newAccount();
      const { token } = await issueToken(
        store().tokens,
        { purpose: 'change-email', account, email: address() },
        now,
      );
      await store().accounts.changeEmail(account.id, 0, address(), CONFIRMED_AT);

      expect(await checkToken(store().tokens, token, 'change-email')).toEqual({
        ok: false,
        reason: 'stale',
      });
      const session = { key: randomUUID(), data: { accountId: account.id }, ttlMs: LONG_TTL_MS };
      const sealed = { accountId: account.id, credentialVersion: 0 };
      expect(
        await store().handoffs.redeem(randomUUID(), now() + LONG_TTL_MS, session, null, sealed),
      ).toBe('stale');
    });

    it('gives one address, confirmed, to exactly one of many accounts racing for it, on every instance', async () => {
      const other = await twin();
      const accounts = await Promise.all(Array.from({ length: 6 }, () => newAccount()));
      const contested = address();

      const results = await Promise.all(
        accounts.map((account, i) =>
          (i % 2 ? other : store()).accounts.changeEmail(account.id, 0, contested, CONFIRMED_AT),
        ),
      );

      const winners = accounts.filter((_, i) => results[i]?.ok);
      expect(winners).toHaveLength(1);
      expect(results.filter((result) => !result.ok)).toEqual(
        Array.from({ length: 5 }, () => ({ ok: false, reason: 'taken' })),
      );
      expect(await other.accounts.findByEmail(contested)).toMatchObject({
        id: winners[0]?.id,
        emailConfirmedAt: CONFIRMED_AT,
      });
      // The losers are left exactly as they were: unconfirmed, at their own address.
      for (const account of accounts.filter((each) => each !== winners[0])) {
        expect(await store().accounts.findByEmail(account.email)).toEqual(account);
      }
    });

    it('moves one account once when two changes at one version race, leaving the loser address free', async () => {
      const other = await twin();
      const account = await newAccount();
      const targets = [address(), address(), address(), address()];

      // Each change passes its own time, so the one written shows which step confirmed.
      const results = await Promise.all(
        targets.map((target, i) =>
          (i % 2 ? other : store()).accounts.changeEmail(account.id, 0, target, CONFIRMED_AT + i),
        ),
      );

      expect(results.filter((result) => result.ok)).toEqual([
        { ok: true, previousEmail: account.email, credentialVersion: 1 },
      ]);
      expect(results.filter((result) => !result.ok)).toEqual(
        Array.from({ length: 3 }, () => ({ ok: false, reason: 'stale' })),
      );
      const winner = results.findIndex((result) => result.ok);
      const won = targets[winner];
      expect(await store().accounts.findById(account.id)).toMatchObject({
        email: won,
        emailConfirmedAt: CONFIRMED_AT + winner,
      });
      for (const target of targets.filter((each) => each !== won)) {
        expect(await store().accounts.findByEmail(target)).toBeNull();
        expect(await store().accounts.create(target, 'hash-3')).not.toBeNull();
      }
    });
  });
}
