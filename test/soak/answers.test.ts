import { describe, expect, it } from 'vitest';
import { httpAnswer, retryAfterFromMessage, socketAnswer } from '../../scripts/soak/answers.ts';

describe('socketAnswer', () => {
  it('counts an accepted submit as a sign-in', () => {
    expect(socketAnswer({ type: 'accepted' })).toEqual({ kind: 'signed-in' });
  });

  it("counts a 'server.busy' refusal as an answer, with the wait its message gives", () => {
    const reply = {
      type: 'refused',
      code: 'server.busy',
      message: 'Baton is busy. Try again in 3 seconds.',
    };
    expect(socketAnswer(reply)).toEqual({ kind: 'busy', retryAfterSeconds: 3 });
  });

  it('prefers a busy reply’s own retryAfterSeconds over its words', () => {
    const reply = { type: 'refused', code: 'server.busy', message: 'busy', retryAfterSeconds: 7 };
    expect(socketAnswer(reply)).toEqual({ kind: 'busy', retryAfterSeconds: 7 });
  });

  it('calls any other refusal wrong', () => {
    const reply = { type: 'refused', code: 'rate.limited', message: 'Try again in 5 minutes.' };
    expect(socketAnswer(reply)).toEqual({
      kind: 'wrong',
      description: `submit answered ${JSON.stringify(reply)}`,
    });
  });
});

describe('httpAnswer', () => {
  it('counts a 303 to /account as a sign-in', () => {
    expect(httpAnswer({ status: 303, location: '/account', retryAfter: null })).toEqual({
      kind: 'signed-in',
    });
  });

  it('counts a 503 with Retry-After as busy', () => {
    expect(httpAnswer({ status: 503, location: null, retryAfter: '2' })).toEqual({
      kind: 'busy',
      retryAfterSeconds: 2,
    });
  });

  it('calls a 503 without Retry-After a server error, not busy', () => {
    expect(httpAnswer({ status: 503, location: null, retryAfter: null })).toEqual({
      kind: 'wrong',
      description: 'answered 503 (Retry-After missing)',
    });
  });

  it('calls a 303 back to /login wrong', () => {
    expect(httpAnswer({ status: 303, location: '/login', retryAfter: null })).toEqual({
      kind: 'wrong',
      description: 'answered 303 /login',
    });
  });
});

describe('retryAfterFromMessage', () => {
  it('reads seconds, a second and minutes, and defaults to one second', () => {
    expect(retryAfterFromMessage('Try again in 12 seconds.')).toBe(12);
    expect(retryAfterFromMessage('Try again in a second.')).toBe(1);
    expect(retryAfterFromMessage('Try again in 2 minutes.')).toBe(120);
    expect(retryAfterFromMessage('Busy.')).toBe(1);
  });
});
