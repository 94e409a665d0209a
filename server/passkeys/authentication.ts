/**
 * Signing in with a passkey: the options for `navigator.credentials.get()` (no credentials
 * listed, so the browser offers every passkey it has for the site, autofill included), then
 * the verification of its answer, which finds the passkey by its id and names its account.
 * The caller seals the handoff for that account, as a password sign-in does.
 */
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  type VerifiedAuthenticationResponse,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import type { StoredPasskey } from '../store/store.ts';
import {
  credentialId,
  type Failed,
  knownTransports,
  type PasskeyContext,
  userHandle,
} from './context.ts';
import type { RelyingParty } from './relying-party.ts';

export type SignInOptionsResult =
  | { ok: true; options: PublicKeyCredentialRequestOptionsJSON }
  | Failed;

export type SignInResult =
  | {
      ok: true;
      accountId: string;
      passkeyId: string;
      /** The authenticator checked who held it (PIN, fingerprint), not only that someone did. */
      userVerified: boolean;
    }
  | Failed;

export async function signInOptions(
  context: PasskeyContext,
  request: { socketId: string },
): Promise<SignInOptionsResult> {
  const rp = context.relyingParty();
  if (rp === null) return { ok: false, code: 'passkey.unavailable' };
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: [],
    userVerification: 'preferred',
    timeout: context.challengeTtlMs,
  });
  await context.challenges.keep('sign-in', { socketId: request.socketId }, options.challenge);
  return { ok: true, options };
}

export async function verifySignIn(
  context: PasskeyContext,
  request: { socketId: string; response: unknown },
): Promise<SignInResult> {
  const rp = context.relyingParty();
  if (rp === null) return { ok: false, code: 'passkey.unavailable' };
  // Taken first, whatever follows: a challenge is never good for a second answer.
  const challenge = await context.challenges.take('sign-in', { socketId: request.socketId });
  if (challenge === null) return { ok: false, code: 'passkey.challenge-missing' };
  const id = credentialId(request.response);
  if (id === null) return { ok: false, code: 'passkey.invalid' };
  const stored = await context.store.findById(id);
  if (stored === null) return { ok: false, code: 'passkey.unknown' };

  const response = request.response as AuthenticationResponseJSON;
  // No account was named before this ceremony, so the answer must carry the user handle
  // the passkey was made with, and it must be its account's (WebAuthn, verifying an
  // authentication assertion).
  const handle = (response.response as { userHandle?: unknown } | undefined)?.userHandle;
  if (handle !== Buffer.from(userHandle(stored.accountId)).toString('base64url')) {
    return { ok: false, code: 'passkey.invalid' };
  }

  const checked = await checkAnswer(context, { rp, challenge, stored, response }, false);
  if (!checked.ok) return checked;
  return {
    ok: true,
    accountId: stored.accountId,
    passkeyId: stored.id,
    userVerified: checked.userVerified,
  };
}

/**
 * Checks a passkey's answer to `challenge` (signature, challenge, origin, relying party and,
 * when `requireUserVerification`, that the authenticator verified its user), then records
 * its use.
 */
export async function checkAnswer(
  context: PasskeyContext,
  answer: {
    rp: RelyingParty;
    challenge: string;
    stored: StoredPasskey;
    response: AuthenticationResponseJSON;
  },
  requireUserVerification: boolean,
): Promise<{ ok: true; userVerified: boolean } | Failed> {
  const { rp, challenge, stored, response } = answer;
  let verification: VerifiedAuthenticationResponse;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      credential: {
        id: stored.id,
        publicKey: new Uint8Array(stored.publicKey),
        counter: stored.counter,
        transports: knownTransports(stored.transports),
      },
      requireUserVerification,
    });
  } catch {
    return { ok: false, code: 'passkey.invalid' };
  }
  if (!verification.verified) return { ok: false, code: 'passkey.invalid' };

  const { newCounter, userVerified } = verification.authenticationInfo;
  // Checked again as it is written: two answers carrying one counter value (a cloned
  // authenticator racing the real one) pass once.
  if (!(await context.store.recordUse(stored.id, newCounter, context.now()))) {
    return { ok: false, code: 'passkey.counter' };
  }
  return { ok: true, userVerified };
}
