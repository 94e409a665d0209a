/**
 * Renders a page into the built HTML template (`dist/client/index.html`, or
 * `client/index.html` in development), so every page is complete without JavaScript.
 */
import { type Flash, PAGE_DATA_ID, type PageData } from '../../shared/page.ts';
import { FIELD_NAMES, type FieldErrors } from '../../shared/protocol.ts';
import { escapeHtml } from './html.ts';
import { pageHeading, renderPageBody } from './markup.ts';

/** The placeholders the template must contain, each exactly once. */
export const TEMPLATE_SLOTS = Object.freeze({
  title: '<!--baton:title-->',
  body: '<!--baton:body-->',
  data: '<!--baton:data-->',
});

/** The product name, last in every document title. */
export const PRODUCT_NAME = 'Baton';

/** The document title for a page, e.g. `Log in · Baton`. */
export function pageTitle(data: PageData): string {
  return `${pageHeading(data)} · ${PRODUCT_NAME}`;
}

/**
 * Exactly the PageData fields the client reads, so nothing else a caller happens to put on
 * the object (a password typed into a failed post, say) can reach the page.
 */
export function pageDataForClient(data: PageData): PageData {
  if (data.page === 'account') {
    return {
      page: data.page,
      email: data.email,
      flash: flashForClient(data.flash),
      ...header(data),
    };
  }
  return {
    page: data.page,
    values: { email: data.values.email },
    errors: errorsForClient(data.errors),
    formError: data.formError && { code: data.formError.code, message: data.formError.message },
    flash: flashForClient(data.flash),
    ...header(data),
  };
}

/** What the header needs, when the page data says (the server's pages always do). */
const header = (data: PageData): Pick<PageData, 'signedInEmail'> =>
  data.signedInEmail === undefined ? {} : { signedInEmail: data.signedInEmail };

const flashForClient = (flash: readonly Flash[]): Flash[] =>
  flash.map((each) => ({ kind: each.kind, text: each.text }));

function errorsForClient(errors: FieldErrors): FieldErrors {
  const picked: FieldErrors = {};
  for (const field of FIELD_NAMES) {
    const message = errors[field];
    if (message !== undefined) picked[field] = message;
  }
  return picked;
}

/**
 * The PageData as JSON that is safe inside `<script type="application/json">`: `<`, `>`
 * and `&` become `\u003c`, `\u003e`, `\u0026`, so no value can close the script or open a
 * comment, and JSON.parse reads it back unchanged. U+2028/9 are escaped for old parsers.
 */
export function serializePageData(data: PageData): string {
  return JSON.stringify(pageDataForClient(data)).replace(/[<>&\u2028\u2029]/g, (char) => {
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * Throws unless the template has each placeholder exactly once. `renderDocument` checks on
 * every page, because a template read by a function (the dev server's) may change between pages.
 */
export function checkTemplate(template: string): void {
  for (const [name, slot] of Object.entries(TEMPLATE_SLOTS)) {
    const count = template.split(slot).length - 1;
    if (count !== 1) {
      throw new Error(
        `The page template must contain the ${name} placeholder ${slot} exactly once (found ${count})`,
      );
    }
  }
}

/**
 * Fills the template for one page: the title, the page's markup inside `<div id="app">`,
 * and the PageData as an inert JSON script the client reads.
 *
 * @example
 * ctx.body = renderDocument(template, { page: 'account', email, flash: [] });
 */
export function renderDocument(template: string, data: PageData): string {
  checkTemplate(template);
  const filled: Record<string, string> = {
    [TEMPLATE_SLOTS.title]: escapeHtml(pageTitle(data)),
    [TEMPLATE_SLOTS.body]: renderPageBody(data),
    [TEMPLATE_SLOTS.data]: `<script type="application/json" id="${PAGE_DATA_ID}">${serializePageData(data)}</script>`,
  };
  // One pass with a function replacer: no `$&`-style patterns, and no slot text that a
  // person typed (already filled in) can be replaced again.
  return template.replace(/<!--baton:(?:title|body|data)-->/g, (slot) => filled[slot] ?? slot);
}
