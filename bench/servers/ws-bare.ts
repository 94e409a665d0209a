/**
 * The live-socket baselines: a bare `ws` server with the options Baton's door uses
 * (noServer with an upgrade handler, the same maxPayload, permessage-deflate off) and an
 * error listener per socket, as ws's README asks. `echo` sends every frame back.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '../../shared/protocol.ts';
import type { Hosted } from './host.ts';
import { closeServer, listenLoopback } from './listen.ts';

export async function startBareWs(echo: boolean): Promise<Hosted> {
  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
  });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      if (echo) ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  await listenLoopback(server);
  return {
    server,
    counters: { accepted: 0, refused: 0 },
    wss,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await closeServer(server);
    },
  };
}
