/**
 * One live socket's conversation: every frame is parsed against the protocol schema, then
 * answered with the same `ref`. Nothing a client sends can throw out of here.
 */
import type { RawData, WebSocket } from 'ws';
import { ClientMessage, parseFrame, type ServerMessage } from '../../shared/protocol.ts';
import { type FormDeps, submitForm } from '../accounts/forms.ts';
import { checkFormFields } from '../accounts/rules.ts';
import { sealHandoff } from '../handoff/seal.ts';
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
}

/** Serves one socket until it closes. */
export function serveConnection(socket: WebSocket, peer: LivePeer, deps: LiveDeps): void {
  let submitting = false;
  const send = (message: ServerMessage) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };

  socket.on('message', (data: RawData, isBinary: boolean) => {
    // Over the frame limit, the socket is closed (1008, policy violation) and nothing else.
    take(deps.limiters.framesPerSocket, peer.id).then(
      (limited) => {
        if (limited) socket.close(1008, 'too many frames');
        else handleFrame(data, isBinary);
      },
      (error: unknown) => deps.logger.error({ err: error }, 'frame limiter failed'),
    );
  });

  function handleFrame(data: RawData, isBinary: boolean): void {
    if (socket.readyState !== socket.OPEN) return;
    if (isBinary) {
      send({
        type: 'error',
        ref: null,
        code: 'frame.binary',
        message: 'Frames must be JSON text.',
      });
      return;
    }
    const parsed = parseFrame(ClientMessage, data.toString());
    if (!parsed.ok) {
      send({
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
        send({
          type: 'validated',
          ref: message.ref,
          errors: checkFormFields(message.form, message.fields),
        });
        return;
      case 'submit': {
        if (submitting) {
          send({
            type: 'error',
            ref: message.ref,
            code: 'submit.in-flight',
            message: 'A submit is already being handled on this connection.',
          });
          return;
        }
        submitting = true;
        submit(message, peer, deps)
          .then(send, (error: unknown) => {
            if (isStoreUnavailable(error)) {
              deps.logger.warn({ code: error.code, err: error }, 'live submit: store unavailable');
              send({
                type: 'error',
                ref: message.ref,
                code: 'service.unavailable',
                message: UNAVAILABLE_MESSAGE,
              });
              return;
            }
            deps.logger.error({ err: error, form: message.form }, 'live submit failed');
            send({
              type: 'error',
              ref: message.ref,
              code: 'server.error',
              message: 'Something went wrong on our side. Please try again.',
            });
          })
          .finally(() => {
            submitting = false;
          });
        return;
      }
    }
  }
}

async function submit(
  message: Extract<ClientMessage, { type: 'submit' }>,
  peer: LivePeer,
  deps: LiveDeps,
): Promise<ServerMessage> {
  const outcome = await submitForm(deps.forms, message.form, message.fields, { ip: peer.ip });
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
      session: { accountId: outcome.accountId },
      flash: outcome.flash,
    },
    { ttlSeconds: deps.handoffTtlSeconds },
  );
  return { type: 'accepted', ref: message.ref, handoff };
}
