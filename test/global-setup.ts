/**
 * Builds the client and the server once per test run into dist/client and dist/server, as
 * `npm start` does, for the tests that need the real pages or a real server process
 * (browser tests, server processes, bundle size).
 */
import { viteBuild } from '../scripts/build.ts';

export function setup(): void {
  viteBuild('vite.config.ts');
  viteBuild('vite.server.config.ts');
}
