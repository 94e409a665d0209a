import { describe, expect, it } from 'vitest';
import { assertRedeemed, type LoadResult } from '../../bench/lib/load.ts';

/** A load's result as postLoad reports it, with the statuses and server counts given. */
function load(
  statuses: Record<string, number>,
  counted: { accepted: number; refused?: number; unavailable?: number; errors?: number },
): LoadResult {
  const responses = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  return {
    latencies: new Float64Array(responses),
    startedAt: 0,
    endedAt: 1000,
    responses,
    elapsedMs: 1000,
    perSecond: responses,
    p50: 1,
    p99: 2,
    statuses,
    errors: counted.errors ?? 0,
    serverCores: 1,
    clientCores: 0.1,
    serverMicrosPerRequest: 100,
    accepted: counted.accepted,
    refused: counted.refused ?? 0,
    unavailable: counted.unavailable ?? 0,
  };
}

describe('assertRedeemed', () => {
  it('passes a load answered 303 throughout, each a redeem the server counted', () => {
    expect(() => assertRedeemed('A', load({ 303: 10 }, { accepted: 10 }))).not.toThrow();
  });

  it('refuses a 503 unless shed load is allowed', () => {
    const result = load({ 303: 8, 503: 2 }, { accepted: 8, unavailable: 2 });
    expect(() => assertRedeemed('A', result)).toThrow(
      'A: expected only 303s, got {"303":8,"503":2} and 0 errors',
    );
  });

  it('passes 503s when shed load is allowed and the server counted each as a store timeout', () => {
    const result = load({ 303: 8, 503: 2 }, { accepted: 8, unavailable: 2 });
    expect(() => assertRedeemed('A', result, { shed: true })).not.toThrow();
  });

  it('refuses a 503 the server did not count as a store timeout', () => {
    const result = load({ 303: 8, 503: 2 }, { accepted: 8, unavailable: 1 });
    expect(() => assertRedeemed('A', result, { shed: true })).toThrow(
      'A: 2 answers were 503 but the server counted 1 store timeouts',
    );
  });

  it('refuses any other status, a transport error, or a load with no redeem, even with shed load allowed', () => {
    const shed = { shed: true };
    expect(() => assertRedeemed('A', load({ 303: 9, 500: 1 }, { accepted: 9 }), shed)).toThrow(
      'A: expected only 303s and store-timeout 503s, got {"303":9,"500":1} and 0 errors',
    );
    expect(() => assertRedeemed('A', load({ 303: 9 }, { accepted: 9, errors: 1 }), shed)).toThrow(
      'A: expected only 303s and store-timeout 503s, got {"303":9} and 1 errors',
    );
    expect(() =>
      assertRedeemed('A', load({ 503: 4 }, { accepted: 0, unavailable: 4 }), shed),
    ).toThrow('A: expected only 303s and store-timeout 503s, got {"503":4} and 0 errors');
  });

  it('refuses 303s the ledger did not count as redeems, or any refusal', () => {
    expect(() => assertRedeemed('A', load({ 303: 10 }, { accepted: 9 }))).toThrow(
      'A: 10 redeems answered but the server accepted 9 and refused 0',
    );
    expect(() => assertRedeemed('A', load({ 303: 10 }, { accepted: 10, refused: 1 }))).toThrow(
      'A: 10 redeems answered but the server accepted 10 and refused 1',
    );
  });
});
