/**
 * A readable name for the browser a session signed in from ("Chrome on Linux"), from its
 * User-Agent, by bowser (a maintained parser; ua-parser-js's licence rules it out). Kept in
 * the session at sign-in for the sessions page and the new-device notice; the User-Agent
 * itself is not kept.
 */
import Bowser from 'bowser';

/** What a session shows when the User-Agent names no browser bowser knows. */
export const UNKNOWN_DEVICE = 'An unknown browser';

/** Long enough for any real name; a hand-written User-Agent cannot make the session grow. */
const MAX_NAME_LENGTH = 80;

/**
 * "<browser> on <system>", "<browser>" or UNKNOWN_DEVICE.
 *
 * @example
 * describeDevice('Mozilla/5.0 (X11; Linux x86_64) … Chrome/120.0.0.0 Safari/537.36'); // 'Chrome on Linux'
 */
export function describeDevice(userAgent: string | undefined): string {
  if (!userAgent) return UNKNOWN_DEVICE;
  const parser = Bowser.getParser(userAgent);
  const browser = parser.getBrowserName();
  const system = parser.getOSName();
  if (!browser) return UNKNOWN_DEVICE;
  const name = system ? `${browser} on ${system}` : browser;
  return name.slice(0, MAX_NAME_LENGTH);
}
