import { MAILBOX_TITLE } from '../../shared/names.ts';
import type { PageData } from '../../shared/page.ts';
import { Shell } from '../layout/Shell.tsx';
import type { PageProps } from './page.ts';

export type MailboxPageData = Extract<PageData, { page: 'mailbox' }>;

// Only web links become clickable: the emails are Baton's own, whose links are all http(s).
const LINK = /(https?:\/\/[^\s<>"]+)/;

/** An email's text part with its web links made clickable (Solid escapes the rest). */
function TextWithLinks(props: { text: string }) {
  // split with a capturing group: links sit at the odd indexes.
  return (
    <>
      {props.text.split(LINK).map((part, index) => (index % 2 ? <a href={part}>{part}</a> : part))}
    </>
  );
}

/**
 * The dev mailbox (/dev/mailbox, only with MAIL_URL=mailbox: outside production): every
 * email kept, newest first, each readable with its links clickable, and its HTML part a
 * link away.
 */
export function MailboxPage(props: PageProps<MailboxPageData>) {
  return (
    <Shell
      socket={props.socket}
      title={MAILBOX_TITLE}
      initialFlash={props.data.flash}
      signedInEmail={props.data.signedInEmail}
    >
      <p class="account-line">
        Emails Baton sent, newest first. Nothing here leaves this machine (MAIL_URL=mailbox:).
      </p>
      {props.data.emails.length === 0 && <p class="account-line">No email yet.</p>}
      {props.data.emails.map((email) => (
        <article class="mail" aria-labelledby={`mail-${email.id}`}>
          <h2 class="mail-subject" id={`mail-${email.id}`}>
            {email.subject}
          </h2>
          <p class="mail-meta">
            To {email.to} ·{' '}
            <time datetime={email.sentAt}>{new Date(email.sentAt).toUTCString()}</time>
          </p>
          <pre class="mail-text">
            <TextWithLinks text={email.text} />
          </pre>
          <p class="mail-meta">
            <a href={`/dev/mailbox/${encodeURIComponent(email.id)}`}>
              See the HTML part<span class="visually-hidden"> of “{email.subject}”</span>
            </a>
          </p>
        </article>
      ))}
    </Shell>
  );
}
