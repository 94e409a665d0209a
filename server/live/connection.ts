/**
 * One live socket's conversation: every frame is parsed against the protocol schema, then
 * answered with the same `ref`. Nothing a client sends can throw out of here.
 */
import type { RawData, WebSocket } from 'ws';
import { ClientMessage, parseFrame, type ServerMessage } from '../../shared/protocol.ts';
import { type FormDeps, submitForm } from '../accounts/forms.ts';
import { checkFormFields } from '../accounts/rules.ts';
import type { KeyRing } from '../keys/keyring.ts';
import { type Limiters, take } from '../limits/limits.ts';
import type { Logger } from '../logger.ts';
import type { Passkeys } from '../passkeys/passkeys.ts';
import type { PendingSignIn } from '../session/pending-sign-in.ts';
import { isStoreUnavailable, UNAVAILABLE_MESSAGE } from '../store/unavailable.ts';
import { answerPasskey, type PasskeyMessage } from './passkey-ceremonies.ts';
import { acceptedReply, refusedReply } from './replies.ts';
import type { SessionsWatch } from './sessions-watch.ts';

/** What the door learned about the socket's browser at the upgrade. */
export interface LivePeer {
  /** The browser's binding cookie; handoffs issued on this socket are bound to it. */
  binding: string;
  /** The session the browser had when it connected, if any. */
  sessionRef: string | null;
  /**
   * Its account: forms for the signed-in act for it. The socket closes when that session
   * ends (sign-out, expiry, revocation: see door.ts), so it never outlives it.
   */
  accountId: string | null;
  /** The client's IP, which sign-in limits count against. */
  ip: string;
  /**
   * The sign-in this browser had waiting for its authentication code when it connected
   * (session/pending-sign-in.ts), if any: the code step's form completes it.
   */
  pendingSignIn: PendingSignIn | null;
  /** A per-socket key for the frame limit. */
  id: string;
}

export interface LiveDeps {
  forms: FormDeps;
  limiters: Limiters;
  ring: KeyRing;
  handoffTtlSeconds: number;
  logger: Logger;
  /** The clock handoffs are sealed by (see BatonOptions.now). */
  now?: () => number;
  /** Serves `watch-sessions` (the sessions page); without it, that request is refused. */
  sessionsWatch?: SessionsWatch;
  /** Serves the passkey ceremonies; without it, they are refused as unavailable. */
  passkeys?: Passkeys;
}

/**
 * What a conversation keeps per socket: who is on it, and whether a submit or a passkey
 * answer is in flight (one at a time per socket).
 */
export interface Conversation extends LivePeer {
  submitting: boolean;
}

/**
 * Serves one socket until it closes: a listener of its own answering every frame. The door
 * does not use it (it keeps every socket's state in one record, answered through
 * `answerFrame` by one listener shared by all); tests and tools serving a lone socket do.
 */
export function serveConnection(socket: WebSocket, peer: LivePeer, deps: LiveDeps): void {
  const conversation: Conversation = { ...peer, submitting: false };
  socket.on('message', (data: RawData, isBinary: boolean) =>
    answerFrame(socket, conversation, deps, data, isBinary),
  );
}

function send(socket: WebSocket, message: ServerMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

/**
 * Answers one frame received on `socket`. Handlers are module-level functions taking the
 * conversation, so a socket costs no functions of its own: under tsx (how `npm run dev`, the
 * tests and the benchmarks run the source) esbuild's keep-names helper redefines the `name`
 * of every named inner function, turning each instance into a dictionary-mode object
 * (bench/cases/memory.ts measures what an idle socket costs).
 */
export function answerFrame(
  socket: WebSocket,
  conversation: Conversation,
  deps: LiveDeps,
  data: RawData,
  isBinary: boolean,
): void {
  // Over the frame limit, the socket is closed (1008, policy violation) and nothing else.
  take(deps.limiters.framesPerSocket, conversation.id).then(
    (limited) => {
      if (limited) socket.close(1008, 'too many frames');
      else handleFrame(socket, conversation, deps, data, isBinary);
    },
    (error: unknown) => deps.logger.error({ err: error }, 'frame limiter failed'),
  );
}

function handleFrame(
  socket: WebSocket,
  conversation: Conversation,
  deps: LiveDeps,
  data: RawData,
  isBinary: boolean,
): void {
  if (socket.readyState !== socket.OPEN) return;
  if (isBinary) {
    send(socket, {
      type: 'error',
      ref: null,
      code: 'frame.binary',
      message: 'Frames must be JSON text.',
    });
    return;
  }
  const parsed = parseFrame(ClientMessage, data.toString());
  if (!parsed.ok) {
    send(socket, {
      type: 'error',
      ref: parsed.ref,
      code: 'frame.invalid',
      message: `Unreadable frame: ${parsed.issue}`,
    });
    return;
  }
  const message = parsed.value;
  switch (message.type) {
    case 'watch-sessions':
      watchSessions(socket, conversation, deps, message.ref);
      return;
    case 'validate':
      send(socket, {
        type: 'validated',
        ref: message.ref,
        errors: checkFormFields(message.form, message.fields),
      });
      return;
    case 'submit':
      answerOneAtATime(socket, conversation, deps, message, () =>
        submit(message, conversation, deps),
      );
      return;
    case 'passkey-options':
      // Asking for options tries nothing: it files this socket's challenge for the ceremony
      // (the latest asked for wins). So it neither waits for nor holds back a submit or an
      // answer: the log-in page asks for one each time its socket opens (the passkey
      // autofill), and a password submitted at that moment must not be refused for it.
      answer(socket, deps, message, () => answerPasskey(message, conversation, deps));
      return;
    case 'passkey-register':
    case 'passkey-sign-in':
    case 'passkey-confirm':
      answerOneAtATime(socket, conversation, deps, message, () =>
        answerPasskey(message, conversation, deps),
      );
      return;
  }
}

/**
 * What a request arriving while another is handled is told (code `submit.in-flight`):
 * worded for a submit and a passkey answer alike, since either may be the one in flight.
 */
export const IN_FLIGHT_MESSAGE = 'Your last request is still being handled. Please wait a moment.';

/**
 * Answers a submit or a passkey answer with what `work` resolves to, one at a time per
 * socket: another arriving meanwhile is refused.
 */
function answerOneAtATime(
  socket: WebSocket,
  conversation: Conversation,
  deps: LiveDeps,
  message: Extract<ClientMessage, { type: 'submit' }> | PasskeyMessage,
  work: () => Promise<ServerMessage>,
): void {
  if (conversation.submitting) {
    send(socket, {
      type: 'error',
      ref: message.ref,
      code: 'submit.in-flight',
      message: IN_FLIGHT_MESSAGE,
    });
    return;
  }
  conversation.submitting = true;
  void answer(socket, deps, message, work).finally(() => {
    conversation.submitting = false;
  });
}

/**
 * Sends what `work` resolves to; a failure becomes an `error` reply (the store out of
 * reach, or a bug, logged without the frame).
 */
function answer(
  socket: WebSocket,
  deps: LiveDeps,
  message: Extract<ClientMessage, { type: 'submit' }> | PasskeyMessage,
  work: () => Promise<ServerMessage>,
): Promise<void> {
  return work().then(
    (reply) => send(socket, reply),
    (error: unknown) => {
      if (isStoreUnavailable(error)) {
        deps.logger.warn(
          { code: error.code, err: error },
          `live ${message.type}: store unavailable`,
        );
        send(socket, {
          type: 'error',
          ref: message.ref,
          code: 'service.unavailable',
          message: UNAVAILABLE_MESSAGE,
        });
        return;
      }
      const what = message.type === 'submit' ? { form: message.form } : {};
      deps.logger.error({ err: error, ...what }, `live ${message.type} failed`);
      send(socket, {
        type: 'error',
        ref: message.ref,
        code: 'server.error',
        message: 'Something went wrong on our side. Please try again.',
      });
    },
  );
}

/** Answers `watch-sessions` with the account's sessions, and keeps the page's list live. */
function watchSessions(
  socket: WebSocket,
  conversation: Conversation,
  deps: LiveDeps,
  ref: number,
): void {
  const { accountId, sessionRef } = conversation;
  if (!accountId || !deps.sessionsWatch) {
    const message = 'Log in to see your sessions.';
    send(socket, { type: 'error', ref, code: 'auth.required', message });
    return;
  }
  deps.sessionsWatch.watch(socket, { accountId, sessionRef }).then(
    (sessions) => send(socket, { type: 'sessions', ref, sessions }),
    (error: unknown) => {
      deps.logger.warn({ err: error }, 'sessions not listed');
      send(socket, {
        type: 'error',
        ref,
        code: 'service.unavailable',
        message: UNAVAILABLE_MESSAGE,
      });
    },
  );
}

async function submit(
  message: Extract<ClientMessage, { type: 'submit' }>,
  peer: LivePeer,
  deps: LiveDeps,
): Promise<ServerMessage> {
  const outcome = await submitForm(deps.forms, message.form, message.fields, {
    ip: peer.ip,
    accountId: peer.accountId,
    sessionRef: peer.sessionRef,
    pendingSignIn: peer.pendingSignIn,
  });
  if (!outcome.ok) return refusedReply(message.ref, outcome);
  return acceptedReply(message.ref, outcome, peer, deps);
}
