/**
 * The smallest safe way to build HTML as strings: every text and attribute value goes
 * through `escapeHtml`; markup is only ever assembled from constants and `element()`.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for use in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

/** Markup that is already safe (built by `element()` or from constants). */
export interface Html {
  readonly html: string;
}

/** Wraps a constant that is already markup. Never pass it anything a person typed. */
export const trusted = (html: string): Html => ({ html });

/** An attribute's value: `true` renders the bare name, `false`/`undefined`/`null` leaves it out. */
export type AttributeValue = string | boolean | undefined | null;

/** A child: a string is text (escaped), `Html` is inserted as is, falsy children are skipped. */
export type Child = string | Html | false | null | undefined;

const ATTRIBUTE_NAME = /^[a-z][a-z0-9-]*$/;
const VOID_ELEMENTS = new Set(['input', 'meta', 'link', 'br', 'img']);

/**
 * Builds one element.
 *
 * @example
 * element('p', { class: 'field-error', id: 'login-email-error' }, message).html
 */
export function element(
  tag: string,
  attributes: Readonly<Record<string, AttributeValue>>,
  ...children: Child[]
): Html {
  let html = `<${tag}`;
  for (const [name, value] of Object.entries(attributes)) {
    if (!ATTRIBUTE_NAME.test(name))
      throw new Error(`Invalid attribute name: ${JSON.stringify(name)}`);
    if (value === true) html += ` ${name}`;
    else if (typeof value === 'string') html += ` ${name}="${escapeHtml(value)}"`;
  }
  html += '>';
  if (VOID_ELEMENTS.has(tag)) return { html };
  for (const child of children) {
    if (typeof child === 'string') html += escapeHtml(child);
    else if (child) html += child.html;
  }
  return { html: `${html}</${tag}>` };
}

/** Joins several pieces of markup into one. */
export const fragment = (...children: Child[]): Html =>
  trusted(
    children
      .map((child) => (typeof child === 'string' ? escapeHtml(child) : child ? child.html : ''))
      .join(''),
  );
