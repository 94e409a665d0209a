/**
 * Confirming who is there with a passkey (sudo mode, issue 17): the options for
 * `navigator.credentials.get()` list only the signed-in account's passkeys and require user
 * verification (a PIN or fingerprint, as a password would be something known), then the
 * answer must come from one of that account's passkeys. The caller seals the `confirm`
 * change, as a password confirmation does.
 */
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { checkAnswer } from './authentication.ts';
import { credentialId, type Failed, knownTransports, type PasskeyContext } from './context.ts';

export type ConfirmOptionsResult =
  | { ok: true; options: PublicKeyCredentialRequestOptionsJSON }
  | Failed;

export type ConfirmResult = { ok: true; passkeyId: string } | Failed;

export async function confirmOptions(
  context: PasskeyContext,
  request: { accountId: string; socketId: string },
): Promise<ConfirmOptionsResult> {
  const rp = context.relyingParty();
  if (rp === null) return { ok: false, code: 'passkey.unavailable' };
  const passkeys = await context.store.listForAccount(request.accountId);
  if (passkeys.length === 0) return { ok: false, code: 'passkey.not-found' };
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: passkeys.map((passkey) => ({
      id: passkey.id,
      transports: knownTransports(passkey.transports),
    })),
    userVerification: 'required',
    timeout: context.challengeTtlMs,
  });
  await context.challenges.keep('confirm', request, options.challenge);
  return { ok: true, options };
}

export async function verifyConfirm(
  context: PasskeyContext,
  request: { accountId: string; socketId: string; response: unknown },
): Promise<ConfirmResult> {
  const rp = context.relyingParty();
  if (rp === null) return { ok: false, code: 'passkey.unavailable' };
  // Taken first, whatever follows: a challenge is never good for a second answer.
  const challenge = await context.challenges.take('confirm', request);
  if (challenge === null) return { ok: false, code: 'passkey.challenge-missing' };
  const id = credentialId(request.response);
  if (id === null) return { ok: false, code: 'passkey.invalid' };
  const stored = await context.store.findById(id);
  // Another account's passkey proves nothing about this one's person.
  if (stored === null || stored.accountId !== request.accountId)
    return { ok: false, code: 'passkey.not-found' };
  const response = request.response as AuthenticationResponseJSON;
  const checked = await checkAnswer(context, { rp, challenge, stored, response }, true);
  return checked.ok ? { ok: true, passkeyId: stored.id } : checked;
}
