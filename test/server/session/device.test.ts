import { describe, expect, it } from 'vitest';
import { describeDevice, UNKNOWN_DEVICE } from '../../../server/session/device.ts';

const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const FIREFOX_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';

describe('describeDevice', () => {
  it('names the browser and its system', () => {
    expect(describeDevice(CHROME_LINUX)).toBe('Chrome on Linux');
    expect(describeDevice(FIREFOX_WINDOWS)).toBe('Firefox on Windows');
  });

  it('gives the same name when asked again for a User-Agent it has seen', () => {
    expect(describeDevice(CHROME_LINUX)).toBe('Chrome on Linux');
    expect(describeDevice(CHROME_LINUX)).toBe('Chrome on Linux');
  });

  it('says an unknown browser for a missing or unrecognised User-Agent', () => {
    expect(describeDevice(undefined)).toBe(UNKNOWN_DEVICE);
    expect(describeDevice('')).toBe(UNKNOWN_DEVICE);
    expect(describeDevice('curl-but-not-really')).toBe(UNKNOWN_DEVICE);
  });

  it('still names every browser right after a flood of made-up User-Agents', () => {
    for (let i = 0; i < 2000; i++) describeDevice(`made-up/${i}`);
    expect(describeDevice(FIREFOX_WINDOWS)).toBe('Firefox on Windows');
    expect(describeDevice(CHROME_LINUX)).toBe('Chrome on Linux');
  });

  it('names a User-Agent too long to be remembered as any other', () => {
    const long = `${CHROME_LINUX} ${'x'.repeat(1000)}`;
    expect(describeDevice(long)).toBe('Chrome on Linux');
    expect(describeDevice(long)).toBe('Chrome on Linux');
  });
});
