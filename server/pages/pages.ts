/**
 * Where a page's HTML comes from: Solid renders the page's components on the server (the
 * build of client/entry-server.tsx, or that file through Vite in development), and the
 * client build's manifests say which script and styles each page loads.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { entrySource, PAGE_ENTRIES, type PageEntry, pageEntry } from '../../shared/entries.ts';
import type { PageData } from '../../shared/page.ts';
import { type PageAssets, renderDocument } from './render.ts';

/** What client/entry-server.tsx exports. */
export interface PagesModule {
  renderBody(data: PageData): string;
  FAVICON_URL: string;
}

/** Renders a page's whole document (a promise in development, where the pages load through Vite). */
export type RenderPage = (data: PageData) => string | Promise<string>;

/** The build's layout under `dist/`, as `vite build` (vite.config.ts) writes it. */
export const BUILD_LAYOUT = Object.freeze({
  client: 'client',
  manifest: (entry: PageEntry) => path.join('client', '.vite', `${entry}.json`),
  pages: path.join('ssr', 'entry-server.js'),
});

interface ManifestChunk {
  file: string;
  imports?: string[];
  css?: string[];
}

/**
 * An entry's script, the chunks it imports (all of them, depth first) and every stylesheet
 * on the way, from a Vite manifest.
 */
export function assetsFromManifest(
  manifest: Readonly<Record<string, ManifestChunk>>,
  key: string,
): PageAssets {
  const entry = manifest[key];
  if (!entry) throw new Error(`The client manifest has no entry ${JSON.stringify(key)}`);
  const preloads: string[] = [];
  const styles = new Set(entry.css ?? []);
  const seen = new Set<string>([key]);
  const visit = (imports: readonly string[] = []) => {
    for (const name of imports) {
      const chunk = manifest[name];
      if (seen.has(name) || !chunk) continue;
      seen.add(name);
      preloads.push(`/${chunk.file}`);
      for (const css of chunk.css ?? []) styles.add(css);
      visit(chunk.imports);
    }
  };
  visit(entry.imports);
  return { scripts: [`/${entry.file}`], preloads, styles: [...styles].map((css) => `/${css}`) };
}

/** Every page entry's assets, read from the client build's manifests under `distDir`. */
export function readPageAssets(distDir: string): Record<PageEntry, PageAssets> {
  const read = (entry: PageEntry) => {
    const file = path.join(distDir, BUILD_LAYOUT.manifest(entry));
    if (!existsSync(file)) {
      throw new Error(`The client build is missing ${file}: build it first (npm run build)`);
    }
    return assetsFromManifest(JSON.parse(readFileSync(file, 'utf8')), entrySource(entry));
  };
  return Object.fromEntries(PAGE_ENTRIES.map((entry) => [entry, read(entry)])) as Record<
    PageEntry,
    PageAssets
  >;
}

/** What each page loads under Vite's dev server: Vite's client, then the entry's source. */
export function devAssets(entry: PageEntry): PageAssets {
  return { scripts: ['/@vite/client', `/${entrySource(entry)}`], preloads: [], styles: [] };
}

/**
 * Puts the pages and their assets together. `pages` is called for every page, so the dev
 * server can hand over the module it has now.
 */
export function createPageRenderer(
  pages: () => PagesModule | Promise<PagesModule>,
  assets: (entry: PageEntry) => PageAssets,
): RenderPage {
  return (data) => {
    const render = (module: PagesModule) =>
      renderDocument(data, {
        body: module.renderBody(data),
        assets: assets(pageEntry(data.page)),
        favicon: module.FAVICON_URL,
      });
    const module = pages();
    return module instanceof Promise ? module.then(render) : render(module);
  };
}

/**
 * The pages of a build (`npm run build`, or the tests' and benchmarks' own) in `distDir`.
 *
 * @example
 * const renderPage = await loadBuiltPages(path.resolve('dist'));
 */
export async function loadBuiltPages(distDir: string): Promise<RenderPage> {
  const assets = readPageAssets(distDir);
  const file = path.join(distDir, BUILD_LAYOUT.pages);
  if (!existsSync(file)) {
    throw new Error(`The pages build is missing ${file}: build it first (npm run build)`);
  }
  const pages = (await import(pathToFileURL(file).href)) as PagesModule;
  return createPageRenderer(
    () => pages,
    (entry) => assets[entry],
  );
}
