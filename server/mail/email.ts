/**
 * What an email is, and how one is written: a subject and a few blocks (paragraphs and at
 * most a link or two) made into a plain-text part and an HTML part that say the same thing.
 * All text is escaped in the HTML part, and every link is absolute, on the public origin,
 * since an email is read far from the page that sent it.
 */
import { escapeHtml } from '../pages/html.ts';

// The one escaping the server's own HTML uses, re-exported for the email's callers.
export { escapeHtml };

/** An email ready to send: both parts, and a label for the logs (never its content). */
export interface Email {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** What kind of email this is (`password-changed`...), the only thing about it logged. */
  kind: string;
}

/** A paragraph of plain words, or a link with its label. */
export type Block = string | { label: string; href: string };

/**
 * The absolute URL of a local path on `origin` (the first PUBLIC_ORIGIN). Refuses anything
 * that would leave the origin, so no caller can mail a link to another site.
 *
 * @example
 * absoluteLink('https://baton.example', '/forgot-password') // 'https://baton.example/forgot-password'
 */
export function absoluteLink(origin: string, path: string): string {
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\')) {
    throw new TypeError(`an email link must be a local path (received ${JSON.stringify(path)})`);
  }
  const url = new URL(path, origin);
  if (url.origin !== new URL(origin).origin) {
    throw new TypeError(`an email link must stay on ${origin} (received ${JSON.stringify(path)})`);
  }
  return url.toString();
}

const PARAGRAPH = 'margin:0 0 16px;line-height:1.5';
const BUTTON =
  'display:inline-block;padding:10px 18px;border-radius:6px;background:#1f4fbf;color:#ffffff;text-decoration:none;font-weight:600';

function htmlBlock(block: Block): string {
  if (typeof block === 'string') return `<p style="${PARAGRAPH}">${escapeHtml(block)}</p>`;
  const href = escapeHtml(block.href);
  // The address in words too: some readers show no buttons, and a person may want to see
  // where a link goes before following it. It has no spaces, so it may break anywhere
  // rather than widen a phone's screen.
  return (
    `<p style="${PARAGRAPH}"><a href="${href}" style="${BUTTON}">${escapeHtml(block.label)}</a></p>` +
    `<p style="${PARAGRAPH};font-size:13px;color:#555555;overflow-wrap:anywhere;word-break:break-all">${href}</p>`
  );
}

function textBlock(block: Block): string {
  return typeof block === 'string' ? block : `${block.label}:\n${block.href}`;
}

/**
 * Writes an email from its blocks: the text part is the blocks separated by blank lines,
 * the HTML part a small, inline-styled document with the same words.
 *
 * @example
 * composeEmail({ to, kind: 'password-changed', subject: 'Your password was changed',
 *   blocks: ['Hello,', { label: 'Reset your password', href }] });
 */
export function composeEmail(parts: {
  to: string;
  kind: string;
  subject: string;
  blocks: readonly Block[];
}): Email {
  const text = `${parts.blocks.map(textBlock).join('\n\n')}\n`;
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><title>${escapeHtml(parts.subject)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#ffffff;color:#1a1a1a;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:16px">',
    '<div style="max-width:560px">',
    ...parts.blocks.map(htmlBlock),
    '</div>',
    '</body>',
    '</html>',
  ].join('\n');
  return { to: parts.to, subject: parts.subject, text, html, kind: parts.kind };
}
