/**
 * The email limits (5 per address and 30 per client IP per hour by default): every form
 * that sends an email on request (reset, sign-in link, confirmation) takes an allowance
 * before sending, and sends nothing without one.
 */
import { normalizeEmail } from '../../shared/forms.ts';
import { type Limited, type Limiters, refund, take } from './limits.ts';

/**
 * Takes one email from the address's and the client IP's allowances. Resolves null when
 * both had one left (the email may go), else how long to wait; a refusal by one gives the
 * other its point back, since nothing is sent.
 *
 * Call it before looking the address up, and whether or not an account has it: an address
 * with no account must use up its allowance exactly as one with an account does, or the
 * limit would tell them apart.
 *
 * @example
 * const wait = await takeEmailAllowance(limiters, ctx.ip, fields.email);
 * if (wait) return limited(wait, 'emails');
 */
export async function takeEmailAllowance(
  limiters: Pick<Limiters, 'emailsPerAddress' | 'emailsPerIp'>,
  ip: string,
  address: string,
): Promise<Limited | null> {
  const key = normalizeEmail(address);
  const [ipWait, addressWait] = await Promise.all([
    take(limiters.emailsPerIp, ip),
    take(limiters.emailsPerAddress, key),
  ]);
  if (!ipWait && !addressWait) return null;
  if (!ipWait) await refund(limiters.emailsPerIp, ip);
  if (!addressWait) await refund(limiters.emailsPerAddress, key);
  // Refused by both: the email may go only once both allow it again.
  const waits = [ipWait, addressWait].filter((wait) => wait !== null);
  return { retryAfterSeconds: Math.max(...waits.map((wait) => wait.retryAfterSeconds)) };
}
