/**
 * What the server keeps for one open live socket, in one object: who is on it (the peer its
 * forms act for), the conversation's state, and the door's liveness, idle and deadline
 * bookkeeping. Thousands of sockets sit idle on open pages, so each is this record, found
 * through the door's map by listeners shared by every socket, rather than closures, timers
 * and map entries of its own (bench/cases/memory.ts and crowd.ts measure what one costs).
 */
import type { WebSocket } from 'ws';
import type { PendingSignIn } from '../session/pending-sign-in.ts';
import type { Conversation } from './connection.ts';
import type { DeadlineEntry } from './deadlines.ts';

export class LiveSocket implements Conversation, DeadlineEntry {
  readonly socket: WebSocket;
  readonly binding: string;
  /** The hash of `binding`, which the socket registry files the socket under. */
  readonly bindingHash: string;
  readonly sessionRef: string | null;
  readonly accountId: string | null;
  readonly ip: string;
  readonly id: string;
  readonly pendingSignIn: PendingSignIn | null;
  submitting = false;
  /** Answered the last ping (or opened since it was sent). */
  alive = true;
  /** When the socket last sent a frame, or opened (for the idle limits). */
  lastFrameAt: number;
  /** Signed in: when its session ends unless renewed meanwhile (see DeadlineQueue). */
  deadline = 0;
  deadlineSlot = -1;

  constructor(
    socket: WebSocket,
    peer: {
      binding: string;
      bindingHash: string;
      sessionRef: string | null;
      accountId: string | null;
      ip: string;
      id: string;
      pendingSignIn: PendingSignIn | null;
    },
    openedAt: number,
  ) {
    this.socket = socket;
    this.binding = ownCopy(peer.binding);
    this.bindingHash = peer.bindingHash;
    this.sessionRef = peer.sessionRef === null ? null : ownCopy(peer.sessionRef);
    this.accountId = peer.accountId;
    this.ip = peer.ip;
    this.id = peer.id;
    this.pendingSignIn = peer.pendingSignIn;
    this.lastFrameAt = openedAt;
  }
}

/**
 * A copy of `text` that shares no memory with the string it came from. A value cut out of a
 * header is, in V8, a slice that keeps the whole header alive, and one built by concatenation
 * is a tree of its parts; a socket keeps its strings for as long as it is open.
 */
function ownCopy(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}
