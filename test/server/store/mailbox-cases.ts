/**
 * The store specification for the dev mailbox (`MailboxStore`), run inside every store's
 * suite (store-suite.ts). Other cases may add emails to the same mailbox, so each case
 * looks only at the emails sent to its own address.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAILBOX_LIMIT, type MailboxEmail } from '../../../server/store/store.ts';
import type { StoreHarness } from './store-suite.ts';

function email(to: string, n: number, sentAt: number): MailboxEmail {
  return {
    id: randomUUID(),
    to,
    subject: `Subject ${n} ✓`,
    text: `Text ${n}\nhttp://localhost:3000/confirm/abc`,
    html: `<p>Html ${n} &amp; <a href="http://localhost:3000/confirm/abc">link</a></p>`,
    sentAt,
  };
}

export function describeMailboxCases(harness: StoreHarness): void {
  const { store, now } = harness;
  const sentTo = async (to: string) =>
    (await store().mailbox.list()).filter((kept) => kept.to === to);

  describe('mailbox', () => {
    it('keeps every email it is given, newest first, field for field', async () => {
      const to = `${randomUUID()}@example.test`;
      const emails = [1, 2, 3].map((n) => email(to, n, now()));
      for (const kept of emails) await store().mailbox.add(kept);

      expect(await sentTo(to)).toEqual([...emails].reverse());
    });

    it('shows an email added on one instance on the other', async () => {
      const other = await harness.twin();
      const to = `${randomUUID()}@example.test`;
      const kept = email(to, 1, now());

      await other.mailbox.add(kept);

      expect(await sentTo(to)).toEqual([kept]);
    });

    it(`keeps only the newest ${MAILBOX_LIMIT}`, async () => {
      const to = `${randomUUID()}@example.test`;
      const emails = Array.from({ length: MAILBOX_LIMIT + 1 }, (_, n) => email(to, n, now()));
      for (const kept of emails) await store().mailbox.add(kept);

      const listed = await store().mailbox.list();
      expect(listed).toHaveLength(MAILBOX_LIMIT);
      expect(listed).toEqual(emails.slice(1).reverse());
    });
  });
}
