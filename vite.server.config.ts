import { defineConfig } from 'vite';

/**
 * The server build: `npm run build` compiles server/main.ts (with server/ and shared/) into
 * one ES module, dist/server/main.js, which `npm start` runs with plain `node`. Every
 * package in node_modules stays an import (Vite's SSR build externalises them), so native
 * modules such as better-sqlite3 load as installed.
 */
export default defineConfig({
  // No client assets here: the client build (vite.config.ts) owns dist/client.
  publicDir: false,
  build: {
    ssr: 'server/main.ts',
    outDir: 'dist/server',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    // One readable file, so a stack trace points at a named function.
    minify: false,
    rollupOptions: { output: { entryFileNames: 'main.js' } },
  },
});
