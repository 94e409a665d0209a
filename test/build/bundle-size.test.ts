/**
 * The page budgets: the JavaScript each page loads, gzipped, all included (Solid, the
 * socket client, the page's components). The log-in page's is at most 9 KB: 8 KB was the
 * budget before the pages were rendered by Solid on the server, and hydrating costs about
 * 0.6 KB more than rendering afresh (BENCHMARKS.md, "Page JavaScript"). Every other
 * page's is at most 14 KB. Measured on the production build that test/global-setup.ts
 * makes into dist/, the same files `npm start` serves, through the pages the server renders.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FORMS } from '../../shared/forms.ts';
import type { PageData } from '../../shared/page.ts';
import type { FormName } from '../../shared/protocol.ts';
import { builtPages, CLIENT_DIR } from '../helpers/build-client.ts';
import { startServer } from '../helpers/start-server.ts';

const KB = 1024;
const LOGIN_BUDGET_BYTES = 9 * KB;
const PAGE_BUDGET_BYTES = 14 * KB;

/** The JavaScript files an HTML page loads: module scripts and modulepreload links. */
function scriptsOf(html: string): string[] {
  const sources: string[] = [];
  for (const [tag] of html.matchAll(/<(?:script|link)\b[^>]*>/g)) {
    const isScript = tag.startsWith('<script');
    if (!isScript && !/\brel=["']?modulepreload\b/.test(tag)) continue;
    const src = /\b(?:src|href)=["']?([^"'\s>]+)/.exec(tag)?.[1];
    if (src) sources.push(src);
  }
  return sources;
}

const formPage = (page: FormName): PageData => ({
  page,
  spec: FORMS[page],
  values: { email: '' },
  errors: {},
  formError: null,
  flash: [],
  ...(FORMS[page].link ? { token: 'A'.repeat(43) } : {}),
});

/** Page data for each page that is not a form's, by its kind (PageData's `page`). */
const OTHER_PAGES: { [K in Exclude<PageData['page'], FormName>]: Extract<PageData, { page: K }> } =
  {
    account: { page: 'account', email: 'ada@example.com', emailConfirmed: true, flash: [] },
    'two-factor': {
      page: 'two-factor',
      enabled: false,
      enabledAt: null,
      recoveryCodesLeft: 0,
      setup: null,
      recoveryCodes: null,
      codeError: null,
      flash: [],
    },
    mailbox: { page: 'mailbox', emails: [], flash: [] },
    sessions: { page: 'sessions', sessions: [], flash: [] },
    passkeys: { page: 'passkeys', passkeys: [], available: true, flash: [] },
  };

const isFormName = (page: string): page is FormName => Object.hasOwn(FORMS, page);

/** The data to render the page `kind` with, or undefined for a kind this file does not know. */
function pageData(kind: string): PageData | undefined {
  if (isFormName(kind)) return formPage(kind);
  return Object.hasOwn(OTHER_PAGES, kind)
    ? OTHER_PAGES[kind as keyof typeof OTHER_PAGES]
    : undefined;
}

/**
 * Every page the server renders, read from its routes (the GET routes named by the page they
 * render: server/http/route-list.ts), so a new page is measured without being listed here.
 * A link form's page is shown under `<action>/<token>`.
 */
const server = await startServer();
const PAGE_ROUTES = server.baton.routes.flatMap(({ page, path, methods }) =>
  page !== null && methods.includes('GET')
    ? [{ route: path.replace(':token', '<token>'), page, data: pageData(page) }]
    : [],
);
await server.stop();

const renderPage = await builtPages();
const measured = await Promise.all(
  PAGE_ROUTES.flatMap(({ route, data }) => (data ? [{ route, data }] : [])).map(
    async ({ route, data }) => {
      const files = scriptsOf(await renderPage(data)).map((src) => {
        const bytes = readFileSync(path.join(CLIENT_DIR, src.replace(/^\//, '')));
        return { src, raw: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
      });
      const total = files.reduce((sum, file) => sum + file.gzipped, 0);
      return {
        route,
        files,
        total,
        budget: route === '/login' ? LOGIN_BUDGET_BYTES : PAGE_BUDGET_BYTES,
      };
    },
  ),
);

describe('the pages’ JavaScript', () => {
  it.each(measured)('$route loads $total bytes gzipped, within its $budget-byte budget', (page) => {
    console.log(
      `${page.route}: ${page.total} of ${page.budget} bytes gzipped\n  ${page.files
        .map((file) => `${file.src}: ${file.raw} B, ${file.gzipped} B gzipped`)
        .join('\n  ')}`,
    );
    expect(page.files.length).toBeGreaterThan(0);
    expect(page.total).toBeLessThanOrEqual(page.budget);
  });

  it('measures every page the server renders, and each page this file knows has a route', () => {
    // A page route whose kind has no data above would go unmeasured: it fails here instead.
    expect(PAGE_ROUTES.filter((each) => each.data === undefined).map((each) => each.page)).toEqual(
      [],
    );
    expect(PAGE_ROUTES.map((each) => each.page).sort()).toEqual(
      [...Object.keys(FORMS), ...Object.keys(OTHER_PAGES)].sort(),
    );
    expect(measured.map((page) => page.route)).toEqual(PAGE_ROUTES.map((each) => each.route));
  });

  it('leaves the parts that never change to the server: no page’s script renders them', () => {
    // Found by the classes in the templates of the components that render them (see
    // client/layout/server-rendered.ts): the header's account part on every page, a form's
    // text and links on the form pages.
    const codeOf = (src: string) =>
      readFileSync(path.join(CLIENT_DIR, src.replace(/^\//, '')), 'utf8');
    const carried = (parts: string[], route?: string) =>
      measured
        .filter((page) => route === undefined || page.route === route)
        .flatMap((page) => page.files.map((file) => file.src))
        .flatMap((src) => parts.filter((part) => codeOf(src).includes(part)));
    expect(carried(['account-nav'])).toEqual([]);
    expect(carried(['class=alternate', 'form-intro'], '/login')).toEqual([]);
  });

  it('finds module scripts and modulepreload links, and nothing else', () => {
    expect(
      scriptsOf(`<script type="module" crossorigin src="/assets/a.js"></script>
        <link rel="modulepreload" crossorigin href="/assets/b.js">
        <link rel="stylesheet" href="/assets/c.css">
        <link rel=icon href=/favicon.svg>
        <script type="application/json" id="baton-page">{}</script>`),
    ).toEqual(['/assets/a.js', '/assets/b.js']);
  });
});
