/**
 * A readable name for the browser a session signed in from ("Chrome on Linux"), from its
 * User-Agent, by bowser (a maintained parser; ua-parser-js's licence rules it out). Kept in
 * the session at sign-in for the sessions page and the new-device notice; the User-Agent
 * itself is not kept.
 *
 * Every sign-in asks, and bowser runs a list of regular expressions over the whole string
 * each time, while the User-Agents a site sees are few: names are remembered per
 * User-Agent, in a map that is emptied whenever it fills, so a stream of made-up
 * User-Agents costs what it would without the map and never more memory than its bound.
 */
import Bowser from 'bowser';

/** What a session shows when the User-Agent names no browser bowser knows. */
export const UNKNOWN_DEVICE = 'An unknown browser';

/** Long enough for any real name; a hand-written User-Agent cannot make the session grow. */
const MAX_NAME_LENGTH = 80;
/** User-Agents remembered at most; real browsers' strings are a few hundred characters. */
const MAX_REMEMBERED = 500;
/** Longer User-Agents are parsed every time rather than kept. */
const MAX_REMEMBERED_LENGTH = 512;

const remembered = new Map<string, string>();

/**
 * "<browser> on <system>", "<browser>" or UNKNOWN_DEVICE.
 *
 * @example
 * describeDevice('Mozilla/5.0 (X11; Linux x86_64) … Chrome/120.0.0.0 Safari/537.36'); // 'Chrome on Linux'
 */
export function describeDevice(userAgent: string | undefined): string {
  if (!userAgent) return UNKNOWN_DEVICE;
  const known = remembered.get(userAgent);
  if (known !== undefined) return known;
  const name = parse(userAgent);
  if (userAgent.length <= MAX_REMEMBERED_LENGTH) {
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(userAgent, name);
  }
  return name;
}

function parse(userAgent: string): string {
  const parser = Bowser.getParser(userAgent);
  const browser = parser.getBrowserName();
  const system = parser.getOSName();
  if (!browser) return UNKNOWN_DEVICE;
  const name = system ? `${browser} on ${system}` : browser;
  return name.slice(0, MAX_NAME_LENGTH);
}
