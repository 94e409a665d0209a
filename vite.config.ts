import path from 'node:path';
import { fileURLToPath } from 'node:url';
import solid from 'vite-plugin-solid';
import { defineConfig } from 'vitest/config';
import { passkeySignInUrl } from './scripts/passkey-chunk-url.ts';
import { entrySource, PAGE_ENTRIES, type PageEntry } from './shared/entries.ts';

/**
 * Where `vite build` writes: `dist/`, or `BATON_DIST_DIR` (the benchmarks build into a
 * folder of their own, away from the tests' dist/).
 */
const DIST_DIR =
  process.env.BATON_DIST_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist');

/**
 * One config for the client build, the pages' server build, the dev server and the tests.
 * The client lives in `client/`. `vite build` writes each page's entry (shared/entries.ts),
 * content-hashed, to `dist/client/assets`, with a manifest per entry
 * (`dist/client/.vite/<entry>.json`) from which the server sends each page exactly its
 * script and styles; then it compiles the same components for Solid's server rendering
 * into `dist/ssr/entry-server.js`. `npm run dev` (scripts/dev.ts) starts this dev server
 * with a proxy to the Koa server it runs beside it.
 */

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/**
 * The build of one page's entry: a single file with everything the page runs, so the page
 * loads one script (entries share no chunk; a shared chunk gzips worse and costs a request).
 * The one exception is the log-in page's passkey sign-in, a chunk loaded by URL only when
 * its button is pressed (scripts/passkey-chunk-url.ts).
 * The first page's build empties `dist/client`; each writes its own manifest.
 */
function pageBuild(entry: PageEntry, first: boolean) {
  return {
    outDir: path.join(DIST_DIR, 'client'),
    emptyOutDir: first,
    target: 'es2022',
    assetsDir: 'assets',
    manifest: `.vite/${entry}.json`,
    rollupOptions: { input: { [entry]: entrySource(entry) } },
    // Nothing to preload: the one chunk is loaded by URL, on demand.
    modulePreload: false,
  } as const;
}

export default defineConfig({
  root: 'client',
  // `ssr`: components compile to hydratable code, and to Solid's SSR output for the server.
  plugins: [
    solid({ ssr: true }),
    passkeySignInUrl({
      source: path.join(ROOT, 'client/passkeys/sign-in.ts'),
      root: path.join(ROOT, 'client'),
    }),
  ],
  // `vite build` builds every environment, in this order: each page's entry, then the pages
  // for the server (`dist/ssr/entry-server.js`, Solid's server build bundled in, so the file
  // runs wherever it is put, a benchmark's scratch folder included).
  builder: {},
  environments: {
    ...Object.fromEntries(
      PAGE_ENTRIES.map((entry, index) => [
        index === 0 ? 'client' : entry,
        { consumer: 'client' as const, build: pageBuild(entry, index === 0) },
      ]),
    ),
    ssr: {
      resolve: { noExternal: true },
      build: {
        ssr: 'entry-server.tsx',
        outDir: path.join(DIST_DIR, 'ssr'),
        emptyOutDir: true,
        target: 'node20',
      },
    },
  },
  test: {
    root: '.',
    // vite-plugin-solid would otherwise default every test to jsdom, which we do not use.
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      {
        // Component tests: Solid's browser build in happy-dom (and the guide's, beside its form).
        extends: true,
        test: {
          name: 'client',
          include: ['test/client/**/*.test.{ts,tsx}', 'test/guide/**/*.test.tsx'],
          environment: 'happy-dom',
          server: { deps: { inline: [/solid-js/, /@solidjs/] } },
        },
        resolve: { conditions: ['development', 'browser'] },
      },
      {
        // Everything else runs in Node (the server, the store, the browser tests' driver).
        // Not extending the root: vite-plugin-solid would add the 'browser' resolve
        // condition, which loads ws's browser stub instead of ws.
        test: {
          name: 'node',
          root: '.',
          include: ['test/**/*.test.ts'],
          exclude: ['test/client/**'],
          environment: 'node',
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
