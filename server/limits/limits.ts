/**
 * Rate limits, with rate-limiter-flexible. The counters live in memory by default; a
 * store-backed limiter (Redis) can be passed in so every instance counts together.
 */
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DEFAULT_LIMITS, type RateLimits } from '../config.ts';
import { storeFailure } from '../store/unavailable.ts';

export interface Limiters {
  loginFailsPerAccount: RateLimiterAbstract;
  loginFailsPerIp: RateLimiterAbstract;
  signupsPerIp: RateLimiterAbstract;
  socketsPerIp: RateLimiterAbstract;
  framesPerSocket: RateLimiterAbstract;
  /** Emails asked for per address (normalized) per hour (see email-allowance.ts). */
  emailsPerAddress: RateLimiterAbstract;
  /** Emails asked for per client IP per hour. */
  emailsPerIp: RateLimiterAbstract;
}

/** A refusal: how long until the limit lets the caller through again. */
export interface Limited {
  retryAfterSeconds: number;
}

/** Builds a limiter set from the configured counts with a factory (memory by default). */
export function createLimiters(
  limits: RateLimits,
  make: (options: {
    keyPrefix: string;
    points: number;
    duration: number;
  }) => RateLimiterAbstract = (o) => new RateLimiterMemory(o),
): Limiters {
  return {
    loginFailsPerAccount: make({
      keyPrefix: 'login-account',
      points: limits.loginFailsPerAccount,
      duration: 15 * 60,
    }),
    loginFailsPerIp: make({
      keyPrefix: 'login-ip',
      points: limits.loginFailsPerIp,
      duration: 15 * 60,
    }),
    signupsPerIp: make({ keyPrefix: 'signup-ip', points: limits.signupsPerIp, duration: 60 * 60 }),
    socketsPerIp: make({ keyPrefix: 'socket-ip', points: limits.socketsPerIp, duration: 60 }),
    framesPerSocket: make({ keyPrefix: 'frames', points: limits.framesPerSocket, duration: 10 }),
    emailsPerAddress: make({
      keyPrefix: 'email-address',
      points: limits.emailsPerAddress ?? DEFAULT_LIMITS.emailsPerAddress,
      duration: 60 * 60,
    }),
    emailsPerIp: make({
      keyPrefix: 'email-ip',
      points: limits.emailsPerIp ?? DEFAULT_LIMITS.emailsPerIp,
      duration: 60 * 60,
    }),
  };
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Takes one point; resolves null when allowed, or how long to wait when over the limit. */
export async function take(limiter: RateLimiterAbstract, key: string): Promise<Limited | null> {
  try {
    await limiter.consume(key);
    return null;
  } catch (error) {
    if (error instanceof RateLimiterRes) return { retryAfterSeconds: seconds(error.msBeforeNext) };
    // Anything else is the counters' store failing (Redis): fail closed on an outage, like
    // every store call; a bug stays a bug.
    throw storeFailure('limiter.consume', error);
  }
}

/** Checks without taking: null when a point is left, else how long to wait. */
export async function peek(limiter: RateLimiterAbstract, key: string): Promise<Limited | null> {
  const res = await limiter.get(key).catch((error: unknown) => {
    throw storeFailure('limiter.get', error);
  });
  if (!res || res.remainingPoints > 0) return null;
  return { retryAfterSeconds: seconds(res.msBeforeNext) };
}

/** Gives back one point taken for `key` (an attempt counted ahead that turned out fine). */
export async function refund(limiter: RateLimiterAbstract, key: string): Promise<void> {
  await limiter.reward(key, 1).catch((error: unknown) => {
    throw storeFailure('limiter.reward', error);
  });
}

/** Forgets a key's count (after a successful sign-in). */
export async function forget(limiter: RateLimiterAbstract, key: string): Promise<void> {
  await limiter.delete(key).catch((error: unknown) => {
    throw storeFailure('limiter.delete', error);
  });
}

/** "2 minutes", "45 seconds": the wait in plain words. */
export function describeWait(retryAfterSeconds: number): string {
  if (retryAfterSeconds < 90)
    return `${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return `${minutes} minutes`;
}
