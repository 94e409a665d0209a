/**
 * What counts as an answer to a sign-in in a soak. Under overload a server may answer a
 * sign-in at once with "busy, try again in N seconds" instead of queueing it (a socket
 * `refused` reply with code `server.busy`, or HTTP 503 with `Retry-After`): that is a proper
 * answer, not an error. Anything else that is not a sign-in is an error.
 */

/** How a sign-in attempt ended. */
export type SignInAnswer =
  | { kind: 'signed-in' }
  | { kind: 'busy'; retryAfterSeconds: number }
  | { kind: 'wrong'; description: string };

/** The busy refusal's code, as the server sends it on the live socket. */
export const BUSY_CODE = 'server.busy';

/** Used when a busy answer says no wait the soak can read. */
const DEFAULT_RETRY_SECONDS = 1;

/**
 * The wait a busy message asks for, from its words: "try again in 3 seconds", "in a
 * second", "in 2 minutes". Defaults to one second.
 */
export function retryAfterFromMessage(message: string): number {
  const match = /try again in (an?|\d+) (second|minute)s?/i.exec(message);
  if (!match) return DEFAULT_RETRY_SECONDS;
  const amount = /^\d+$/.test(match[1] as string) ? Number(match[1]) : 1;
  return match[2]?.toLowerCase() === 'minute' ? amount * 60 : amount;
}

/** A reply to a live-socket `submit` of the sign-up or log-in form. */
export function socketAnswer(reply: {
  type: string;
  code?: string;
  message?: string;
  retryAfterSeconds?: number;
}): SignInAnswer {
  if (reply.type === 'accepted') return { kind: 'signed-in' };
  if (reply.type === 'refused' && reply.code === BUSY_CODE) {
    return {
      kind: 'busy',
      retryAfterSeconds: reply.retryAfterSeconds ?? retryAfterFromMessage(reply.message ?? ''),
    };
  }
  return { kind: 'wrong', description: `submit answered ${JSON.stringify(reply)}` };
}

/**
 * The response to a form post without JavaScript (`POST /login`, `POST /signup`): 303 to
 * the account page signs in; 503 with a `Retry-After` of whole seconds is busy.
 */
export function httpAnswer(response: {
  status: number;
  location: string | null;
  retryAfter: string | null;
}): SignInAnswer {
  if (response.status === 303 && response.location === '/account') return { kind: 'signed-in' };
  if (
    response.status === 503 &&
    response.retryAfter !== null &&
    /^\d+$/.test(response.retryAfter)
  ) {
    return { kind: 'busy', retryAfterSeconds: Number(response.retryAfter) };
  }
  const where = response.location ? ` ${response.location}` : '';
  const retry = response.status === 503 ? ` (Retry-After ${response.retryAfter ?? 'missing'})` : '';
  return { kind: 'wrong', description: `answered ${response.status}${where}${retry}` };
}
