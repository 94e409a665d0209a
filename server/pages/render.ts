/**
 * The HTML document of a page: the head (title, the page's own styles and script), the
 * markup Solid rendered on the server inside `<div id="app">`, and the PageData as an inert
 * JSON script that the page's entry reads to hydrate that markup.
 */
import { pageTitle } from '../../shared/names.ts';
import { type Flash, PAGE_DATA_ID, type PageData } from '../../shared/page.ts';
import { FIELD_NAMES, type FieldErrors, type FormName } from '../../shared/protocol.ts';
import { escapeHtml } from './html.ts';

/** What a page's head loads, as URL paths: its entry script, the modules it imports, its styles. */
export interface PageAssets {
  /** Module scripts, in order (in development, Vite's client first). */
  scripts: readonly string[];
  /** Modules the scripts import, fetched early with `<link rel="modulepreload">`. */
  preloads: readonly string[];
  styles: readonly string[];
}

/** The parts of a document that come from the build (or the dev server). */
export interface DocumentParts {
  /** The page's markup, rendered by Solid (client/entry-server.tsx). */
  body: string;
  assets: PageAssets;
  /** The favicon's URL (a `data:` URL in the build). */
  favicon: string;
}

type PageKind = PageData['page'];
type DataOf<K extends PageKind> = Extract<PageData, { page: K }>;
type FormPageData = DataOf<FormName>;

/**
 * Exactly the PageData fields the client reads, declared once per page kind, so nothing else
 * a caller happens to put on the object (a password typed into a failed post, say) can reach
 * the page. Every form's page reads the same fields (`formForClient`). Each pick lists its
 * fields in the order the page's JSON has always had them.
 */
const FOR_CLIENT: { [K in Exclude<PageKind, FormName>]: (data: DataOf<K>) => DataOf<K> } = {
  account: (data) => ({
    page: data.page,
    email: data.email,
    emailConfirmed: data.emailConfirmed,
    flash: flashForClient(data.flash),
    ...header(data),
  }),
  'two-factor': (data) => ({
    page: data.page,
    enabled: data.enabled,
    enabledAt: data.enabledAt,
    recoveryCodesLeft: data.recoveryCodesLeft,
    setup: data.setup && { qrSvg: data.setup.qrSvg, secret: data.setup.secret },
    recoveryCodes: data.recoveryCodes && [...data.recoveryCodes],
    codeError: data.codeError,
    flash: flashForClient(data.flash),
    ...header(data),
  }),
  mailbox: (data) => ({
    page: data.page,
    emails: data.emails.map(({ id, to, subject, text, sentAt }) => ({
      id,
      to,
      subject,
      text,
      sentAt,
    })),
    flash: flashForClient(data.flash),
    ...header(data),
  }),
  sessions: (data) => ({
    page: data.page,
    sessions: data.sessions.map((view) => ({
      handle: view.handle,
      device: view.device,
      ip: view.ip,
      signedInAt: view.signedInAt,
      lastActiveAt: view.lastActiveAt,
      current: view.current,
    })),
    flash: flashForClient(data.flash),
    ...header(data),
  }),
  passkeys: (data) => ({
    page: data.page,
    passkeys: data.passkeys.map(({ id, name, createdAt, lastUsedAt }) => ({
      id,
      name,
      createdAt,
      lastUsedAt,
    })),
    available: data.available,
    flash: flashForClient(data.flash),
    ...header(data),
  }),
};

/** What a form's page sends the client, whichever form it is. */
function formForClient(data: FormPageData): FormPageData {
  return {
    page: data.page,
    spec: data.spec,
    values: {
      email: data.values.email,
      ...(data.values.remember === 'on' && { remember: 'on' as const }),
    },
    errors: errorsForClient(data.errors),
    formError: data.formError && { code: data.formError.code, message: data.formError.message },
    flash: flashForClient(data.flash),
    ...(typeof data.intro === 'string' && { intro: data.intro }),
    ...header(data),
    ...(data.token === undefined ? {} : { token: data.token }),
    ...(data.hasPasskeys === true && { hasPasskeys: true as const }),
  };
}

const isFormPage = (data: PageData): data is FormPageData => !Object.hasOwn(FOR_CLIENT, data.page);

/** Exactly the PageData fields the client reads (see FOR_CLIENT). */
export function pageDataForClient(data: PageData): PageData {
  if (isFormPage(data)) return formForClient(data);
  // TypeScript cannot tie a table entry to the union member that picked it: the entry under
  // `data.page` takes exactly that page's data.
  const pick = FOR_CLIENT[data.page] as (data: PageData) => PageData;
  return pick(data);
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

const attribute = (url: string) => `"${escapeHtml(url)}"`;

/**
 * The whole document for one page. `parts.body` is Solid's output, already escaped by it;
 * everything else that varies is escaped here.
 *
 * @example
 * ctx.body = renderDocument(data, { body: pages.renderBody(data), assets, favicon });
 */
export function renderDocument(data: PageData, parts: DocumentParts): string {
  const { scripts, preloads, styles } = parts.assets;
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<link rel="icon" type="image/svg+xml" href=${attribute(parts.favicon)}>`,
    `<title>${escapeHtml(pageTitle(data))}</title>`,
    ...styles.map((href) => `<link rel="stylesheet" href=${attribute(href)}>`),
    ...scripts.map((src) => `<script type="module" src=${attribute(src)}></script>`),
    ...preloads.map((href) => `<link rel="modulepreload" href=${attribute(href)}>`),
  ];
  return `<!doctype html>
<html lang="en">
  <head>
    ${head.join('\n    ')}
  </head>
  <body>
    <div id="app">${parts.body}</div>
    <script type="application/json" id="${PAGE_DATA_ID}">${serializePageData(data)}</script>
  </body>
</html>
`;
}
