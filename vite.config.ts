import solid from 'vite-plugin-solid';
import { defineConfig } from 'vitest/config';

/**
 * One config for the client build, the dev server and the tests.
 * The client lives in `client/`; `npm run build` writes hashed assets to `dist/client`,
 * which the Koa server serves. `npm run dev` (scripts/dev.ts) starts this dev server
 * with a proxy to the Koa server it runs beside it.
 */
export default defineConfig({
  root: 'client',
  plugins: [solid()],
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    // One entry chunk and no dynamic imports: the modulepreload polyfill would be dead weight.
    modulePreload: { polyfill: false },
  },
  test: {
    root: '.',
    // vite-plugin-solid would otherwise default every test to jsdom, which we do not use.
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      {
        // Component tests: Solid's browser build in happy-dom.
        extends: true,
        test: {
          name: 'client',
          include: ['test/client/**/*.test.{ts,tsx}'],
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
