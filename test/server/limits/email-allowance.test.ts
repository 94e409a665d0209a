import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/config.ts';
import { takeEmailAllowance } from '../../../server/limits/email-allowance.ts';
import { createLimiters } from '../../../server/limits/limits.ts';

const HOUR = 3600;

describe('takeEmailAllowance', () => {
  it('allows 5 emails per address and 30 per client IP per hour by default', () => {
    expect(DEFAULT_LIMITS.emailsPerAddress).toBe(5);
    expect(DEFAULT_LIMITS.emailsPerIp).toBe(30);
  });

  it('lets 5 emails go to one address, then says to wait out the hour', async () => {
    const limiters = createLimiters(DEFAULT_LIMITS);
    for (let i = 0; i < 5; i += 1) {
      expect(await takeEmailAllowance(limiters, `192.0.2.${i}`, 'ada@example.com')).toBeNull();
    }

    const wait = await takeEmailAllowance(limiters, '192.0.2.99', 'ada@example.com');

    expect(wait?.retryAfterSeconds).toBeGreaterThan(HOUR - 60);
    expect(wait?.retryAfterSeconds).toBeLessThanOrEqual(HOUR);
  });

  it('counts every spelling of an address as that address', async () => {
    const limiters = createLimiters({ ...DEFAULT_LIMITS, emailsPerAddress: 2 });
    expect(await takeEmailAllowance(limiters, '192.0.2.1', 'Ada@Example.com')).toBeNull();
    expect(await takeEmailAllowance(limiters, '192.0.2.2', ' ada@example.com ')).toBeNull();

    expect(await takeEmailAllowance(limiters, '192.0.2.3', 'ＡＤＡ@example.com')).not.toBeNull();
  });

  it('lets 30 emails go from one client IP, to any addresses, then refuses the 31st', async () => {
    const limiters = createLimiters(DEFAULT_LIMITS);
    for (let i = 0; i < 30; i += 1) {
      expect(await takeEmailAllowance(limiters, '198.51.100.7', `p${i}@example.com`)).toBeNull();
    }

    expect(await takeEmailAllowance(limiters, '198.51.100.7', 'fresh@example.com')).not.toBeNull();
    expect(await takeEmailAllowance(limiters, '198.51.100.8', 'fresh@example.com')).toBeNull();
  });

  it('gives the other allowance its point back when one refuses: nothing was sent', async () => {
    const limiters = createLimiters({ ...DEFAULT_LIMITS, emailsPerAddress: 1, emailsPerIp: 3 });
    const ip = '203.0.113.5';
    expect(await takeEmailAllowance(limiters, ip, 'a@example.com')).toBeNull();
    for (let i = 0; i < 5; i += 1) {
      expect(await takeEmailAllowance(limiters, ip, 'a@example.com')).not.toBeNull();
    }

    // The five refusals used none of the IP's three.
    expect(await takeEmailAllowance(limiters, ip, 'b@example.com')).toBeNull();
    expect(await takeEmailAllowance(limiters, ip, 'c@example.com')).toBeNull();
    expect(await takeEmailAllowance(limiters, ip, 'd@example.com')).not.toBeNull();
    // ...and the IP's refusal used none of d's.
    expect(await takeEmailAllowance(limiters, '203.0.113.6', 'd@example.com')).toBeNull();
  });

  it('takes its counts from the configured limits', async () => {
    const limiters = createLimiters({ ...DEFAULT_LIMITS, emailsPerAddress: 1, emailsPerIp: 1 });
    expect(await takeEmailAllowance(limiters, '192.0.2.1', 'one@example.com')).toBeNull();
    expect(await takeEmailAllowance(limiters, '192.0.2.2', 'one@example.com')).not.toBeNull();
    expect(await takeEmailAllowance(limiters, '192.0.2.1', 'two@example.com')).not.toBeNull();
  });
});
