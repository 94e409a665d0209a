/**
 * The build test/global-setup.ts made for this run (dist/client and dist/ssr, as
 * `npm run build` makes them): the pages every in-process server renders, and the client
 * files the browser tests load.
 */
import path from 'node:path';
import { BUILD_LAYOUT, loadBuiltPages, type RenderPage } from '../../server/pages/pages.ts';

export const DIST_DIR = path.resolve(import.meta.dirname, '../../dist');
export const CLIENT_DIR = path.join(DIST_DIR, BUILD_LAYOUT.client);

let pages: Promise<RenderPage> | undefined;

/** The built pages, loaded once per test file. */
export function builtPages(): Promise<RenderPage> {
  pages ??= loadBuiltPages(DIST_DIR);
  return pages;
}
