/**
 * The short soak that runs in `npm test`: `npm run soak`'s runner for about 15 seconds on
 * two real instances and the local Redis. Fewer browsers at once than the script's 20:
 * password hashing bounds the sign-ins a second either way, and a shorter queue of
 * hashes lets the run drain and stop quickly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formatReport, type SoakFigures, soakFailures } from '../../scripts/soak/figures.ts';
import { runSoak } from '../../scripts/soak/run.ts';
import { redisSkipReason } from '../helpers/redis.ts';

const skip = await redisSkipReason();

describe.skipIf(skip !== null)('runSoak on two instances and Redis', () => {
  let figures: SoakFigures;

  beforeAll(async () => {
    figures = await runSoak({ seconds: 12, browsers: 6 });
    console.info(formatReport(figures));
    for (const line of [...figures.errorSamples, ...soakFailures(figures)]) console.warn(line);
  }, 45_000);

  it('signs people in and refuses the replayed copies of their handoffs', () => {
    expect(figures.signIns).toBeGreaterThan(0);
    expect(figures.replaysRefused).toBeGreaterThan(0);
  });

  it('signs people in both over the live socket and with the form without JavaScript', () => {
    expect(figures.signUps).toBeGreaterThan(0);
    expect(figures.formSignIns).toBeGreaterThan(0);
  });

  it("ends every attempt as a sign-in or a 'server.busy' answer: no errors", () => {
    expect(figures.errors).toBe(0);
    expect(figures.errorSamples).toEqual([]);
  });

  it('redeems no handoff twice', () => {
    expect(figures.doubleRedemptions).toBe(0);
  });

  it('loses no session across instances', () => {
    expect(figures.sessionsLost).toBe(0);
  });

  it('answers no request with a 5xx', () => {
    expect(figures.fiveXx).toBe(0);
  });
});
