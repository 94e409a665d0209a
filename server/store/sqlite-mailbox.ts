/**
 * The SQLite store's dev mailbox (`MailboxStore`): the emails the `mailbox:` transport
 * keeps, the newest `MAILBOX_LIMIT` of them, in the order they were added.
 */
import type Database from 'better-sqlite3';
import type { GroupCommit } from './group-commit.ts';
import { MAILBOX_LIMIT, type MailboxEmail, type MailboxStore } from './store.ts';

interface MailboxRow {
  id: string;
  recipient: string;
  subject: string;
  text: string;
  html: string;
  sent_at: number;
}

export function sqliteMailbox(db: Database.Database, write: GroupCommit): MailboxStore {
  const insert = db.prepare<[string, string, string, string, string, number]>(
    'INSERT INTO mailbox (id, recipient, subject, text, html, sent_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  // Everything older than the newest MAILBOX_LIMIT rows.
  const trim = db.prepare<[number]>(
    `DELETE FROM mailbox WHERE seq <= (SELECT seq FROM mailbox ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
  );
  const all = db.prepare<[number], MailboxRow>(
    'SELECT id, recipient, subject, text, html, sent_at FROM mailbox ORDER BY seq DESC LIMIT ?',
  );
  return {
    async add(email: MailboxEmail) {
      await write(() => {
        insert.run(email.id, email.to, email.subject, email.text, email.html, email.sentAt);
        trim.run(MAILBOX_LIMIT);
      });
    },
    async list() {
      return all.all(MAILBOX_LIMIT).map((row) => ({
        id: row.id,
        to: row.recipient,
        subject: row.subject,
        text: row.text,
        html: row.html,
        sentAt: row.sent_at,
      }));
    },
  };
}
