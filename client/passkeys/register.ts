/** Adding a passkey from the passkeys page: WebAuthn's `create()` in the ceremony. */
import {
  type PublicKeyCredentialCreationOptionsJSON,
  startRegistration,
} from '@simplewebauthn/browser';
import type { LiveSocket } from '../live/socket.ts';
import { type CeremonyResult, runCeremony } from './ceremony.ts';

/** Makes a passkey for the signed-in account, named `name` ('' for the server's default). */
export function addPasskey(socket: LiveSocket, name: string): Promise<CeremonyResult> {
  return runCeremony(
    socket,
    'register',
    (options) =>
      startRegistration({
        optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON,
      }),
    (response) => ({ type: 'passkey-register', response, name }),
  );
}
