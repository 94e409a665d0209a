/**
 * The store specification for deleting an account (`AccountStore.delete`), run inside every
 * store's suite (store-suite.ts): one step removes the account and everything kept for it,
 * frees its address, leaves every other account's data alone, and kills handoffs and tokens
 * sealed for it, on every instance.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Account, Store } from '../../../server/store/store.ts';
import { checkToken, issueToken } from '../../../server/tokens/tokens.ts';
import type { StoreHarness } from './store-suite.ts';

const LONG_TTL_MS = 60_000;

export function describeDeletionCases(harness: StoreHarness): void {
  const { store, now } = harness;

  async function newAccount(): Promise<Account> {
    const account = await store().accounts.create(`${randomUUID()}@example.test`, 'hash-1');
    if (account === null) throw new Error('the account was not created');
    return account;
  }

  /** Everything an account can have, filed in `on`; returns what to look for afterwards. */
  async function furnished(on: Store, account: Account) {
    const sessions = [randomUUID(), randomUUID()];
    for (const key of sessions)
      await on.sessions.set(key, { accountId: account.id, signedInAt: now() }, LONG_TTL_MS);
    const { token } = await issueToken(
      on.tokens,
      { purpose: 'reset-password', account, email: account.email },
      now,
    );
    await on.twoFactor.setPending(account.id, 'sealed-secret', now());
    await on.twoFactor.enable(account.id, 'sealed-secret', 1, ['code-1', 'code-2'], now());
    const passkey = randomUUID();
    await on.passkeys.add({
      id: passkey,
      accountId: account.id,
      publicKey: new Uint8Array([1, 2, 3]),
      counter: 0,
      transports: ['internal'],
      name: 'Laptop',
      createdAt: now(),
      lastUsedAt: null,
    });
    await on.mailbox.add({
      id: randomUUID(),
      to: account.email,
      subject: 'A link',
      text: 'a link',
      html: '<p>a link</p>',
      sentAt: now(),
    });
    return { sessions, token, passkey };
  }

  async function mailTo(on: Store, to: string) {
    return (await on.mailbox.list()).filter((kept) => kept.to === to);
  }

  describe('accounts.delete', () => {
    it('removes the account and everything kept for it, and says which sessions ended', async () => {
      const account = await newAccount();
      const kept = await furnished(store(), account);

      const deleted = await store().accounts.delete(account.id);

      expect(deleted?.email).toBe(account.email);
      expect([...(deleted?.sessionRefs ?? [])].sort()).toEqual([...kept.sessions].sort());
      expect(await store().accounts.findById(account.id)).toBeNull();
      expect(await store().accounts.findByEmail(account.email)).toBeNull();
      for (const key of kept.sessions) expect(await store().sessions.get(key)).toBeNull();
      expect(await checkToken(store().tokens, kept.token, 'reset-password')).toEqual({
        ok: false,
        reason: 'unknown',
      });
      expect(await store().twoFactor.get(account.id)).toBeNull();
      expect(await store().passkeys.findById(kept.passkey)).toBeNull();
      expect(await store().passkeys.listForAccount(account.id)).toEqual([]);
      expect(await mailTo(store(), account.email)).toEqual([]);
    });

    it("leaves every other account's sessions, tokens, factors and emails as they were", async () => {
      const leaving = await newAccount();
      const staying = await newAccount();
      await furnished(store(), leaving);
      const kept = await furnished(store(), staying);

      await store().accounts.delete(leaving.id);

      expect(await store().accounts.findById(staying.id)).toEqual(staying);
      for (const key of kept.sessions) expect(await store().sessions.get(key)).not.toBeNull();
      expect((await checkToken(store().tokens, kept.token, 'reset-password')).ok).toBe(true);
      expect((await store().twoFactor.get(staying.id))?.recoveryCodesLeft).toBe(2);
      expect(await store().passkeys.findById(kept.passkey)).not.toBeNull();
      expect(await mailTo(store(), staying.email)).toHaveLength(1);
    });

    it('frees the address at once: it signs up again as a new account', async () => {
      const account = await newAccount();
      await store().accounts.delete(account.id);

      const again = await store().accounts.create(account.email, 'hash-2');

      expect(again).not.toBeNull();
      expect(again?.id).not.toBe(account.id);
      expect(await store().accounts.findByEmail(account.email)).toEqual(again);
    });

    it('resolves null for an account that does not exist, or is already deleted', async () => {
      const account = await newAccount();
      await store().accounts.delete(account.id);

      expect(await store().accounts.delete(account.id)).toBeNull();
      expect(await store().accounts.delete(randomUUID())).toBeNull();
    });

    it('is seen at once by the other instance, where a handoff sealed for the account is stale', async () => {
      const other = await harness.twin();
      const account = await newAccount();
      const kept = await furnished(store(), account);

      await store().accounts.delete(account.id);

      expect(await other.accounts.findByEmail(account.email)).toBeNull();
      expect(await other.sessions.get(kept.sessions[0] ?? '')).toBeNull();
      const session = {
        key: randomUUID(),
        data: { accountId: account.id },
        ttlMs: LONG_TTL_MS,
      };
      const sealed = { accountId: account.id, credentialVersion: account.credentialVersion };
      expect(
        await other.handoffs.redeem(randomUUID(), now() + LONG_TTL_MS, session, null, sealed),
      ).toBe('stale');
      expect(await other.sessions.get(session.key)).toBeNull();
    });
  });
}
