/**
 * Passkey names, as a person types them: shown back on the passkeys page, so they are
 * normalized (NFC), stripped of control and invisible format characters, spaces collapsed,
 * and kept short.
 */

export const MAX_PASSKEY_NAME_LENGTH = 50;
export const DEFAULT_PASSKEY_NAME = 'Passkey';

/** The name to store, or null when nothing is left of it or it is too long. */
export function normalizePasskeyName(raw: string): string | null {
  const name = raw
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cn}]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();
  if (name === '' || [...name].length > MAX_PASSKEY_NAME_LENGTH) return null;
  return name;
}
