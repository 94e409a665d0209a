/**
 * One live socket's conversation: every frame is parsed against the protocol schema, then
 * answered with the same `ref`. Nothing a client sends can throw out of here.
 */
import type { RawData, WebSocket } from 'ws';
import { ClientMessage, parseFrame, type ServerMessage } from '../../shared/protocol.ts';
import { type FormDeps, submitForm } from '../accounts/forms.ts';
import { checkFormFields } from '../accounts/rules.ts';
import { sealedChange, sealHandoff } from '../handoff/seal.ts';
import type { KeyRing } from '../keys/keyring.ts';
import { type Limiters, take } from '../limits/limits.ts';
import type { Logger } from '../logger.ts';
import { isStoreUnavailable, UNAVAILABLE_MESSAGE } from '../store/unavailable.ts';

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
}

/** Per-socket state; one object rather than closure variables (see serveConnection). */
interface ConnectionState {
  socket: WebSocket;
  peer: LivePeer;
  deps: LiveDeps;
  submitting: boolean;
}

/**
 * Serves one socket until it closes.
 *
 * Memory per idle socket matters here (thousands stay open on account pages), so the only
 * function made per socket is the anonymous message listener; the handlers live at module
 * level. Under tsx (how `npm run dev` and the tests run the source; `npm start` runs a Vite
 * build that has no such helper), every *named* inner function or arrow is wrapped by
 * esbuild's keep-names helper, which redefines its `name` and turns each instance into a
 * dictionary-mode object (bench/cases/memory.ts measures what an idle socket costs).
 */
export function serveConnection(socket: WebSocket, peer: LivePeer, deps: LiveDeps): void {
  const state: ConnectionState = { socket, peer, deps, submitting: false };
  socket.on('message', (data: RawData, isBinary: boolean) => onMessage(state, data, isBinary));
}

function send(socket: WebSocket, message: ServerMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

function onMessage(state: ConnectionState, data: RawData, isBinary: boolean): void {
  const { socket, peer, deps } = state;
  // Over the frame limit, the socket is closed (1008, policy violation) and nothing else.
  take(deps.limiters.framesPerSocket, peer.id).then(
    (limited) => {
      if (limited) socket.close(1008, 'too many frames');
      else handleFrame(state, data, isBinary);
    },
    (error: unknown) => deps.logger.error({ err: error }, 'frame limiter failed'),
  );
}

function handleFrame(state: ConnectionState, data: RawData, isBinary: boolean): void {
  const { socket, peer, deps } = state;
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
    case 'validate':
      send(socket, {
        type: 'validated',
        ref: message.ref,
        errors: checkFormFields(message.form, message.fields),
      });
      return;
    case 'submit': {
      if (state.submitting) {
        send(socket, {
          type: 'error',
          ref: message.ref,
          code: 'submit.in-flight',
          message: 'A submit is already being handled on this connection.',
        });
        return;
      }
      state.submitting = true;
      submit(message, peer, deps)
        .then(
          (reply) => send(socket, reply),
          (error: unknown) => {
            if (isStoreUnavailable(error)) {
              deps.logger.warn({ code: error.code, err: error }, 'live submit: store unavailable');
              send(socket, {
                type: 'error',
                ref: message.ref,
                code: 'service.unavailable',
                message: UNAVAILABLE_MESSAGE,
              });
              return;
            }
            deps.logger.error({ err: error, form: message.form }, 'live submit failed');
            send(socket, {
              type: 'error',
              ref: message.ref,
              code: 'server.error',
              message: 'Something went wrong on our side. Please try again.',
            });
          },
        )
        .finally(() => {
          state.submitting = false;
        });
      return;
    }
  }
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
  });
  if (!outcome.ok) {
    return {
      type: 'refused',
      ref: message.ref,
      code: outcome.code,
      message: outcome.message,
      errors: outcome.errors,
    };
  }
  const handoff = sealHandoff(
    deps.ring,
    {
      binding: peer.binding,
      destination: outcome.destination,
      // A confirm or a sign-out applies to this socket's session: the one the page had.
      change: sealedChange(outcome.change, peer.sessionRef),
      flash: outcome.flash,
    },
    { ttlSeconds: deps.handoffTtlSeconds, now: deps.now?.() },
  );
  return { type: 'accepted', ref: message.ref, handoff };
}
