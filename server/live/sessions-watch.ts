/**
 * The live sessions pages on this instance: each one's socket asked (`watch-sessions`) for
 * its account's sessions and is sent the list again whenever one of them starts or ends,
 * wherever that happened (the session events reach every instance). A start names the
 * account (by hash: `accountTopic`); an end names only the session, so a page is refreshed
 * when a session it lists ends. Only sessions pages watch, so there are few of them.
 */
import type { WebSocket } from 'ws';
import type { ServerMessage, SessionView } from '../../shared/protocol.ts';
import type { Logger } from '../logger.ts';
import { accountTopic } from '../session/events.ts';
import type { SessionList } from '../session/listing.ts';

interface Watcher {
  accountId: string;
  topic: string;
  /** The watching socket's own session: it is marked "This device" and not refreshed for. */
  sessionRef: string | null;
  /** The sessions in the last list sent. */
  refs: Set<string>;
  /** Moves on with every list asked for, so a slower, older one is never sent after a newer. */
  version: number;
}

export interface SessionsWatchOptions {
  list(accountId: string, currentRef: string | null): Promise<SessionList>;
  logger: Logger;
}

export class SessionsWatch {
  readonly #watchers = new Map<WebSocket, Watcher>();
  readonly #options: SessionsWatchOptions;

  constructor(options: SessionsWatchOptions) {
    this.#options = options;
  }

  /** How many sockets watch (for tests). */
  get size(): number {
    return this.#watchers.size;
  }

  /**
   * Watches from now on for `socket` (signed in to `accountId` under `sessionRef`) until it
   * closes, and resolves with the list as it is now.
   */
  async watch(
    socket: WebSocket,
    who: { accountId: string; sessionRef: string | null },
  ): Promise<SessionView[]> {
    let watcher = this.#watchers.get(socket);
    if (!watcher) {
      watcher = { ...who, topic: accountTopic(who.accountId), refs: new Set(), version: 0 };
      this.#watchers.set(socket, watcher);
      socket.once('close', () => this.#watchers.delete(socket));
    }
    const version = ++watcher.version;
    const list = await this.#options.list(who.accountId, who.sessionRef);
    if (version === watcher.version) watcher.refs = new Set(list.refs);
    return list.views;
  }

  /** A session of the account with this topic started: its pages list it. */
  started(topic: string): void {
    for (const [socket, watcher] of this.#watchers)
      if (watcher.topic === topic) this.#refresh(socket, watcher);
  }

  /** The session under `ref` ended: the pages listing it (other than its own) drop it. */
  ended(ref: string): void {
    for (const [socket, watcher] of this.#watchers)
      if (watcher.sessionRef !== ref && watcher.refs.has(ref)) this.#refresh(socket, watcher);
  }

  #refresh(socket: WebSocket, watcher: Watcher): void {
    const version = ++watcher.version;
    this.#options.list(watcher.accountId, watcher.sessionRef).then(
      (list) => {
        if (version !== watcher.version || socket.readyState !== socket.OPEN) return;
        watcher.refs = new Set(list.refs);
        const frame: ServerMessage = { type: 'sessions', ref: null, sessions: list.views };
        socket.send(JSON.stringify(frame));
      },
      (error: unknown) => this.#options.logger.warn({ err: error }, 'sessions list not refreshed'),
    );
  }
}
