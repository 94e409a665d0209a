/**
 * The WebAuthn relying party, from PUBLIC_ORIGIN: its id is the host name of the first
 * origin, and the origins a ceremony may come from are those on that host or under it (a
 * browser refuses a passkey for any other). An IP address cannot be a relying party id, so
 * a Baton reached only by IP (PUBLIC_ORIGIN=http://127.0.0.1:3000) has no passkeys; browsers
 * also want a secure context, which means https or localhost.
 */
import { isIP } from 'node:net';

export interface RelyingParty {
  /** The relying party id: a host name, e.g. `example.com` or `localhost`. */
  readonly id: string;
  /** Shown by the browser and the authenticator, e.g. "Baton". */
  readonly name: string;
  /** The origins whose ceremonies are accepted. */
  readonly origins: readonly string[];
}

/**
 * The relying party for `origins` (the first one decides), or null when passkeys cannot
 * work there: no origins, or the first is reached by IP address.
 *
 * @example
 * relyingPartyFor(['https://example.com', 'https://www.example.com'], 'Baton');
 * // { id: 'example.com', name: 'Baton', origins: [both] }
 */
export function relyingPartyFor(origins: readonly string[], name: string): RelyingParty | null {
  const first = origins[0];
  if (first === undefined) return null;
  const id = new URL(first).hostname;
  if (isIP(id.replace(/^\[|\]$/g, '')) !== 0) return null;
  const accepted = origins.filter((origin) => {
    const host = new URL(origin).hostname;
    return host === id || host.endsWith(`.${id}`);
  });
  return { id, name, origins: Object.freeze(accepted) };
}
