/**
 * The two answers a live request that changes something ends with: `accepted`, carrying the
 * outcome sealed into a handoff bound to this socket's browser, or `refused`. Forms and
 * passkey ceremonies answer through here, so both seal alike.
 */
import type { ServerMessage } from '../../shared/protocol.ts';
import type { Refused } from '../accounts/forms.ts';
import type { Accepted } from '../accounts/outcome.ts';
import { sealedChange, sealHandoff } from '../handoff/seal.ts';
import type { KeyRing } from '../keys/keyring.ts';

/** What sealing needs: the key ring, the handoff's lifetime and the clock. */
export interface SealDeps {
  ring: KeyRing;
  handoffTtlSeconds: number;
  now?: () => number;
}

/** The socket's browser (its binding cookie) and the session the socket had, if any. */
export interface SealPeer {
  binding: string;
  sessionRef: string | null;
}

/** `accepted`: the outcome sealed into a handoff for this socket's browser. */
export function acceptedReply(
  ref: number,
  outcome: Accepted,
  peer: SealPeer,
  deps: SealDeps,
): ServerMessage {
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
  return { type: 'accepted', ref, handoff };
}

/** `refused`: the refusal's code, message and field errors. */
export function refusedReply(ref: number, refused: Refused): ServerMessage {
  return {
    type: 'refused',
    ref,
    code: refused.code,
    message: refused.message,
    errors: refused.errors,
  };
}
