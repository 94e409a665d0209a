/**
 * The live socket's wire protocol, defined once. Both ends parse every frame with these
 * schemas; the TypeScript types are inferred from them under the same names.
 *
 * Requests carry a `ref` (a positive integer chosen by the client); every reply echoes it.
 * A field that is absent never carries meaning: each variant lists all of its fields.
 *
 * The client checks server frames with the hand-written guards of shared/protocol-guard.ts,
 * which keep valibot out of the 8 KB page script; a property test holds them to
 * `ServerMessage` below. Change a server message here and the guards fail that test.
 */
import * as v from 'valibot';

/** Largest frame either end accepts, in bytes. The server's `maxPayload` is set from it. */
export const MAX_FRAME_BYTES = 8 * 1024;

export const FORM_NAMES = [
  'login',
  'signup',
  'change-password',
  'confirm-password',
  'login-code',
  'forgot-password',
  'reset-password',
  'login-link',
  'use-login-link',
  'delete-account',
  'confirm',
  'change-email',
  'confirm-email',
] as const;
export const FormName = v.picklist(FORM_NAMES);
export type FormName = v.InferOutput<typeof FormName>;

const Ref = v.pipe(v.number(), v.safeInteger(), v.minValue(1));

const Password = v.optional(v.pipe(v.string(), v.maxLength(1024)));

/**
 * What a person typed into a form: the fields that form has (`shared/forms.ts` lists them).
 * Every field is optional here so one shape serves every form; a field the form needs but
 * the frame lacks reads as empty and gets the form's "enter …" error. No other key passes.
 * Sizes are capped here so no handler ever sees a huge string.
 */
export const Fields = v.strictObject({
  email: v.optional(v.pipe(v.string(), v.maxLength(320))),
  /** The account's password: to log in, to sign up, or the current one when changing it. */
  password: Password,
  newPassword: Password,
  /** An authenticator app's 6-digit code, or a recovery code (12 characters, maybe dashed). */
  code: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /**
   * The token of an emailed link, for a form opened from one (`FormSpec.link`): sent with the
   * submit only, never with a check. Not a field anyone types, so not in FIELD_NAMES.
   */
  token: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /** A checkbox: `on` when ticked ("Remember me"), anything else (or absent) when not. */
  remember: v.optional(v.pipe(v.string(), v.maxLength(16))),
});
export type Fields = v.InferOutput<typeof Fields>;
/** A field a person fills in (the link's token is not one). */
export type FieldName = Exclude<keyof Fields, 'token'>;

/** Every field name any form uses. */
export const FIELD_NAMES = [
  'email',
  'password',
  'newPassword',
  'code',
  'remember',
] as const satisfies readonly FieldName[];

/** Errors keyed by field; a field without an error is absent. */
export const FieldErrors = v.record(v.picklist(FIELD_NAMES), v.string());
export type FieldErrors = v.InferOutput<typeof FieldErrors>;

/**
 * A WebAuthn ceremony's JSON as @simplewebauthn passes it between browser and server: the
 * options for `navigator.credentials.create()`/`get()`, or the browser's answer. Only its
 * shape as an object is checked here; the server's verification reads every part of an
 * answer (server/passkeys/), and the frame cap bounds its size.
 */
export const CeremonyJson = v.record(v.string(), v.unknown());

/**
 * What a passkey ceremony is for: adding a passkey to the signed-in account, signing in, or
 * confirming the signed-in person with one of the account's passkeys (sudo mode).
 */
export const PASSKEY_PURPOSES = ['register', 'sign-in', 'confirm'] as const;
export const PasskeyPurpose = v.picklist(PASSKEY_PURPOSES);
export type PasskeyPurpose = v.InferOutput<typeof PasskeyPurpose>;

export const ClientMessage = v.variant('type', [
  v.strictObject({ type: v.literal('validate'), ref: Ref, form: FormName, fields: Fields }),
  v.strictObject({ type: v.literal('submit'), ref: Ref, form: FormName, fields: Fields }),
  /**
   * The sessions page asks for its account's sessions: answered with `sessions` (this
   * ref), and from then on pushed again (ref null) whenever one starts or ends anywhere.
   */
  v.strictObject({ type: v.literal('watch-sessions'), ref: Ref }),
  /**
   * A passkey ceremony begins: answered with `passkey-options` (a challenge kept for this
   * socket only), or `refused`. `register` needs a signed-in socket whose session
   * authenticated recently (sudo); `confirm` a signed-in socket whose account has a passkey.
   */
  v.strictObject({ type: v.literal('passkey-options'), ref: Ref, purpose: PasskeyPurpose }),
  /**
   * The browser's answer to `passkey-options` (register), sent on the same socket, with the
   * name the person gave the passkey ('' for the default). Answered with `accepted` (a
   * handoff that shows the passkeys page with a notice) or `refused`.
   */
  v.strictObject({
    type: v.literal('passkey-register'),
    ref: Ref,
    response: CeremonyJson,
    name: v.pipe(v.string(), v.maxLength(200)),
  }),
  /**
   * The browser's answer to `passkey-options` (sign-in), on the same socket: answered as a
   * password sign-in is, with `accepted` (its handoff) or `refused`. `remember`: "Remember
   * me" was ticked.
   */
  v.strictObject({
    type: v.literal('passkey-sign-in'),
    ref: Ref,
    response: CeremonyJson,
    remember: v.boolean(),
  }),
  /**
   * The browser's answer to `passkey-options` (confirm), on the same socket: answered as a
   * password confirmation is, with `accepted` (a handoff sealing the `confirm` change) or
   * `refused`.
   */
  v.strictObject({ type: v.literal('passkey-confirm'), ref: Ref, response: CeremonyJson }),
]);
export type ClientMessage = v.InferOutput<typeof ClientMessage>;

/**
 * Why the server ended a socket's session; the client goes to `/login` on any of them.
 * `deleted`: its account was deleted (from another session).
 */
export const SESSION_END_REASONS = ['signed-out', 'expired', 'revoked', 'deleted'] as const;
export const SessionEndReason = v.picklist(SESSION_END_REASONS);
export type SessionEndReason = v.InferOutput<typeof SessionEndReason>;

/**
 * One session of the account, as the sessions page shows it. `handle` addresses it in a
 * sign-out (never its id or ref); times are ms since the epoch; `current`: this browser's.
 */
export const SessionView = v.strictObject({
  handle: v.string(),
  device: v.string(),
  ip: v.string(),
  signedInAt: v.number(),
  lastActiveAt: v.number(),
  current: v.boolean(),
});
export type SessionView = v.InferOutput<typeof SessionView>;

export const ServerMessage = v.variant('type', [
  /** Answer to `validate`: the errors for the fields as typed (empty when all is well). */
  v.strictObject({ type: v.literal('validated'), ref: Ref, errors: FieldErrors }),
  /** Answer to an accepted `submit`: the sealed handoff to POST to `/handoff`. */
  v.strictObject({ type: v.literal('accepted'), ref: Ref, handoff: v.string() }),
  /** Answer to a refused `submit`: a form-level message and any field errors. */
  v.strictObject({
    type: v.literal('refused'),
    ref: Ref,
    code: v.string(),
    message: v.string(),
    errors: FieldErrors,
  }),
  /** A frame the server could not take. `ref` is null when the frame had no readable ref. */
  v.strictObject({
    type: v.literal('error'),
    ref: v.nullable(Ref),
    code: v.string(),
    message: v.string(),
  }),
  /** Pushed when this socket's session ends anywhere; the socket closes right after. */
  v.strictObject({ type: v.literal('session-ended'), reason: SessionEndReason }),
  /** Pushed when this browser signs in in another tab: the page moves to the signed-in state. */
  v.strictObject({ type: v.literal('signed-in') }),
  /**
   * The account's sessions: the answer to `watch-sessions` (its ref), then pushed (ref null)
   * each time one starts or ends anywhere while the page watches.
   */
  v.strictObject({
    type: v.literal('sessions'),
    ref: v.nullable(Ref),
    sessions: v.array(SessionView),
  }),
  /** Answer to `passkey-options`: what the browser passes to `navigator.credentials`. */
  v.strictObject({ type: v.literal('passkey-options'), ref: Ref, options: CeremonyJson }),
]);
export type ServerMessage = v.InferOutput<typeof ServerMessage>;

/** Close codes the server uses, beyond the standard ones (RFC 6455 reserves 4000-4999 for applications). */
export const CloseCode = {
  /** The session ended (sign-out, expiry, revocation): go to /login, do not reconnect. */
  sessionEnded: 4001,
  /** A signed-out socket sent nothing for a long while: reconnect when the person is back. */
  idle: 4002,
} as const;

/** Parses a raw text frame as JSON and then against a schema; never throws. */
export function parseFrame<T extends v.GenericSchema>(
  schema: T,
  text: string,
): { ok: true; value: v.InferOutput<T> } | { ok: false; ref: number | null; issue: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, ref: null, issue: 'the frame is not JSON' };
  }
  const result = v.safeParse(schema, json);
  if (result.success) return { ok: true, value: result.output };
  const rawRef = (json as { ref?: unknown } | null)?.ref;
  const ref =
    typeof rawRef === 'number' && Number.isSafeInteger(rawRef) && rawRef > 0 ? rawRef : null;
  const first = result.issues[0];
  const path = first.path?.map((p) => String(p.key)).join('.') ?? '';
  return { ok: false, ref, issue: path ? `${path}: ${first.message}` : first.message };
}
