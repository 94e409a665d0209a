/** The dev mailbox's entry (/dev/mailbox). */
import { MailboxPage } from '../pages/MailboxPage.tsx';
import { startPageWhenLoaded } from '../start.tsx';

// Nothing on the page waits for this script (its links work without it).
startPageWhenLoaded(MailboxPage);
