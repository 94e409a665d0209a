/**
 * Draining an HTTP server for a graceful stop: stop accepting, let the requests being
 * handled finish, and close every other connection at once.
 *
 * Node's own `server.close()` closes idle keep-alive connections, but a connection that is
 * part-way through sending a request (half the headers, say) counts as busy there and would
 * hold the stop until the grace period runs out. Here only a request that reached the app
 * counts as in flight; everything else is closed straight away.
 */
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface Drain {
  /**
   * Stops accepting and resolves once every connection is gone. Requests in flight finish
   * (their connections close after the response); after `graceMs`, `cut` runs and whatever
   * is still open is destroyed.
   */
  close(options: { graceMs: number; cut?: () => void }): Promise<void>;
}

/** Tracks `server`'s connections and the requests in flight on each. Call before listening. */
export function trackConnections(server: Server): Drain {
  const inFlight = new Map<Socket, Set<ServerResponse>>();
  let closing = false;

  const endAfterResponse = (res: ServerResponse) => {
    // Before the headers go out, Node itself closes the connection after this response;
    // after, the connection is ended as soon as the response has been written.
    if (!res.headersSent) res.setHeader('Connection', 'close');
    else res.once('finish', () => res.socket?.end());
  };

  // One listener shared by every connection (`this` is the connection), so a connection
  // costs no closure of its own here.
  function forget(this: Socket): void {
    inFlight.delete(this);
  }
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, new Set());
    socket.on('close', forget);
  });
  server.on('request', (req, res) => {
    const responses = inFlight.get(req.socket);
    if (!responses) return;
    responses.add(res);
    res.once('close', () => responses.delete(res));
    if (closing) endAfterResponse(res);
  });
  // An upgraded socket belongs to the live socket server from here on (it closes it), and
  // keeps nothing of this tracking while it stays open.
  server.on('upgrade', (req) => {
    inFlight.delete(req.socket);
    req.socket.removeListener('close', forget);
  });

  return {
    close({ graceMs, cut }) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const [socket, responses] of inFlight) {
        if (responses.size === 0) socket.destroy();
        else for (const res of responses) endAfterResponse(res);
      }
      const timer = setTimeout(() => {
        cut?.();
        for (const socket of inFlight.keys()) socket.destroy();
        server.closeAllConnections();
      }, graceMs);
      return closed.finally(() => clearTimeout(timer));
    },
  };
}
