/** What the two processes of `npm run dev` (scripts/dev.ts and scripts/dev-server.ts) share. */
import type { ServerRoute } from '../server/http/route-list.ts';

export const VITE_PORT_DEFAULT = 5173;

/** What the Koa child tells its parent once it listens: the routes it serves. */
export type DevServerMessage = { type: 'ready'; routes: readonly ServerRoute[] };

/** The Vite dev server's origins, allowed to post and to open the live socket. */
export const devOrigins = (vitePort: number): string[] => [
  `http://localhost:${vitePort}`,
  `http://127.0.0.1:${vitePort}`,
];
