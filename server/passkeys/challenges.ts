/**
 * WebAuthn challenges kept between the options a live socket asked for and the answer it
 * sends back: filed under the ceremony and that socket's own id (and, for a registration
 * or a confirmation, the account), so only the socket that asked can use one; taken out when used, whatever
 * the outcome, so each is used once; and short-lived.
 */
import type { ChallengeStore } from '../store/store.ts';

/** `confirm`: a signed-in account's passkey proving who is there again (sudo mode). */
export type Ceremony = 'register' | 'sign-in' | 'confirm';

/** Who asked: the live socket (LivePeer.id) and, for a registration or a confirmation, its account. */
export interface ChallengeBinding {
  socketId: string;
  accountId?: string | null;
}

export interface Challenges {
  /** Keeps the challenge for `ttlMs`, replacing the one this binding had for the ceremony. */
  keep(ceremony: Ceremony, binding: ChallengeBinding, challenge: string): Promise<void>;
  /** Takes it out: the challenge once, then null; null too once expired or for another binding. */
  take(ceremony: Ceremony, binding: ChallengeBinding): Promise<string | null>;
}

export function createChallenges(options: {
  store: ChallengeStore;
  now: () => number;
  ttlMs: number;
}): Challenges {
  const { store, now, ttlMs } = options;
  const key = (ceremony: Ceremony, binding: ChallengeBinding) =>
    ceremony === 'sign-in'
      ? `sign-in:${binding.socketId}`
      : `${ceremony}:${binding.accountId ?? ''}:${binding.socketId}`;
  return {
    keep: (ceremony, binding, challenge) =>
      store.put(key(ceremony, binding), challenge, now() + ttlMs),
    take: (ceremony, binding) => store.take(key(ceremony, binding)),
  };
}
