/**
 * A passkey ceremony over the page's live socket (issue 17): ask the server for options
 * (`passkey-options`), let the browser make or use a passkey with them (WebAuthn, through
 * @simplewebauthn/browser), and send its answer back on the same socket, which the
 * challenge is bound to. The server answers a completed ceremony with a sealed handoff,
 * which the page posts to /handoff as it does a form's.
 */
import type { ClientMessage, PasskeyPurpose } from '../../shared/protocol.ts';
import type { LiveSocket } from '../live/socket.ts';

/** A ceremony's end: the handoff to post, or why not, in plain words. */
export type CeremonyResult =
  | { ok: true; handoff: string }
  | { ok: false; code: string; message: string };

/** The browser's part: WebAuthn with the server's options, resolving with its answer. */
type BrowserStep = (options: Record<string, unknown>) => Promise<object>;

/** What a browser's refusal (WebAuthn's DOMException name) means to the person. */
function browserFailure(error: unknown): CeremonyResult {
  const name = (error as { name?: unknown } | null)?.name;
  const message =
    name === 'InvalidStateError'
      ? 'This device already has a passkey for your account.'
      : name === 'NotAllowedError' || name === 'AbortError'
        ? 'The passkey request was cancelled or timed out. Please try again.'
        : 'This browser could not use a passkey here. Please try again.';
  return { ok: false, code: `passkey.browser-${String(name)}`, message };
}

/**
 * Runs one ceremony. `answer` builds the frame that carries the browser's answer
 * (`passkey-register` or `passkey-sign-in`).
 */
export async function runCeremony(
  socket: LiveSocket,
  purpose: PasskeyPurpose,
  browserStep: BrowserStep,
  answer: (response: Record<string, unknown>) => Omit<ClientMessage, 'ref'>,
): Promise<CeremonyResult> {
  const asked = await socket.request({ type: 'passkey-options', purpose });
  if (!asked.ok) return asked;
  if (asked.message.type !== 'passkey-options') return unexpected(asked.message);
  let response: object;
  try {
    response = await browserStep(asked.message.options);
  } catch (error) {
    return browserFailure(error);
  }
  const done = await socket.request(
    answer(response as Record<string, unknown>) as Parameters<LiveSocket['request']>[0],
  );
  if (!done.ok) return done;
  if (done.message.type === 'accepted') return { ok: true, handoff: done.message.handoff };
  return unexpected(done.message);
}

/** A `refused` reply as it reads; anything else is a reply the page cannot use. */
function unexpected(message: { type: string; code?: string; message?: string }): CeremonyResult {
  if (message.type === 'refused' && message.code && message.message)
    return { ok: false, code: message.code, message: message.message };
  return { ok: false, code: 'passkey.reply', message: 'Something went wrong. Please try again.' };
}
