/**
 * Adding a passkey to a signed-in account (the caller checks sudo first): the options the
 * browser passes to `navigator.credentials.create()`, then the verification of its answer,
 * which files the new credential. Attestation is not asked for ('none'): Baton accepts any
 * authenticator and has no use for its make and model.
 */
import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  type VerifiedRegistrationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { StoredPasskey } from '../store/store.ts';
import type { ChallengeBinding } from './challenges.ts';
import {
  credentialId,
  type Failed,
  knownTransports,
  type PasskeyContext,
  type PasskeySummary,
  summarize,
  userHandle,
} from './context.ts';
import { DEFAULT_PASSKEY_NAME, normalizePasskeyName } from './names.ts';

export type RegistrationOptionsResult =
  | { ok: true; options: PublicKeyCredentialCreationOptionsJSON }
  | Failed;
export type RegistrationResult = { ok: true; passkey: PasskeySummary } | Failed;

export async function registrationOptions(
  context: PasskeyContext,
  request: { account: { id: string; email: string }; socketId: string },
): Promise<RegistrationOptionsResult> {
  const rp = context.relyingParty();
  if (rp === null) return { ok: false, code: 'passkey.unavailable' };
  const { account } = request;
  const existing = await context.store.listForAccount(account.id);
  if (existing.length >= context.maxPerAccount) return { ok: false, code: 'passkey.too-many' };
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: account.email,
    userDisplayName: account.email,
    userID: userHandle(account.id),
    attestationType: 'none',
    // The authenticator refuses to make a second passkey for this account.
    excludeCredentials: existing.map((passkey) => ({
      id: passkey.id,
      transports: knownTransports(passkey.transports),
    })),
    // Discoverable ('required'): sign-in asks for no email, so the authenticator must find
    // the account's passkey on its own.
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    timeout: context.challengeTtlMs,
  });
  await context.challenges.keep('register', binding(request), options.challenge);
  return { ok: true, options };
}

export async function verifyRegistration(
  context: PasskeyContext,
  request: { accountId: string; socketId: string; response: unknown; name?: string },
): Promise<RegistrationResult> {
  const rp = context.relyingParty();
  if (rp === null) return { ok: false, code: 'passkey.unavailable' };
  // Checked before the challenge is used, so a bad name can be corrected and sent again.
  const name =
    request.name === undefined || request.name.trim() === ''
      ? DEFAULT_PASSKEY_NAME
      : normalizePasskeyName(request.name);
  if (name === null) return { ok: false, code: 'passkey.name-invalid' };
  const challenge = await context.challenges.take('register', binding(request));
  if (challenge === null) return { ok: false, code: 'passkey.challenge-missing' };
  if (credentialId(request.response) === null) return { ok: false, code: 'passkey.invalid' };

  let verification: VerifiedRegistrationResponse;
  try {
    verification = await verifyRegistrationResponse({
      response: request.response as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
  } catch {
    // The library throws for every malformed or mismatched answer; all are the same to the
    // person: it did not verify.
    return { ok: false, code: 'passkey.invalid' };
  }
  if (!verification.verified) return { ok: false, code: 'passkey.invalid' };

  const { credential } = verification.registrationInfo;
  const existing = await context.store.listForAccount(request.accountId);
  if (existing.length >= context.maxPerAccount) return { ok: false, code: 'passkey.too-many' };
  const passkey: StoredPasskey = {
    id: credential.id,
    accountId: request.accountId,
    publicKey: credential.publicKey,
    counter: credential.counter,
    transports: knownTransports(credential.transports),
    name,
    createdAt: context.now(),
    lastUsedAt: null,
  };
  if (!(await context.store.add(passkey))) return { ok: false, code: 'passkey.already-registered' };
  return { ok: true, passkey: summarize(passkey) };
}

function binding(request: { socketId: string; account?: { id: string }; accountId?: string }) {
  const accountId = request.account?.id ?? request.accountId ?? null;
  return { socketId: request.socketId, accountId } satisfies ChallengeBinding;
}
