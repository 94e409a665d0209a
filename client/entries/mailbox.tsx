/** The dev mailbox's entry (/dev/mailbox). */
import { MailboxPage } from '../pages/MailboxPage.tsx';
import { startPage } from '../start.tsx';

// Nothing on the page waits for this script (its links work without it).
startPage(MailboxPage, { whenLoaded: true });
