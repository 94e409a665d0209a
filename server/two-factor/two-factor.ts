/**
 * Authenticator-app sign-in codes for an account: setting one up (a secret shown as a QR
 * code, confirmed with a correct code), checking a code or a recovery code at sign-in, new
 * recovery codes, and turning it off.
 *
 * What the caller owns: sudo before setup, new codes and turning off; counting a sign-in
 * code as an attempt (the failed sign-in limits) before calling `verify`; the notice email
 * when it is turned off. Nothing here logs: codes and secrets must never reach a log.
 */
import type { KeyRing } from '../keys/keyring.ts';
import { sealedByCurrentKey } from '../keys/sealed-box.ts';
import type { TwoFactorStore } from '../store/store.ts';
import { qrCodeSvg } from './qr-code.ts';
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes.ts';
import { openTotpSecret, sealTotpSecret } from './sealed-secret.ts';
import { matchTotp, newTotpSecret, normalizeTotpCode, totpUri } from './totp.ts';

export interface TwoFactorOptions {
  store: TwoFactorStore;
  ring: KeyRing;
  /** The clock codes are checked by (BatonOptions.now). */
  now?: () => number;
  /** Names the entry in the authenticator app. Default "Baton". */
  issuer?: string;
  /** How long a setup can be confirmed after it began. Default 10 minutes. */
  setupTtlMs?: number;
}

export const TWO_FACTOR_DEFAULTS = Object.freeze({
  issuer: 'Baton',
  setupTtlMs: 10 * 60_000,
});

/** What the setup page shows: the QR code, and the secret to type in instead. */
export interface SetupOffer {
  /** Base32, for typing into an app that cannot scan. */
  secret: string;
  /** The otpauth:// URI the QR code holds. */
  uri: string;
  /** The QR code as an SVG safe to inline. */
  qrSvg: string;
  /** When the offer can no longer be confirmed (ms epoch). */
  expiresAt: number;
}

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: number | null;
  recoveryCodesLeft: number;
}

export type TwoFactorFailure =
  /** Setup while it is on: turn it off first. */
  | 'two-factor.already-on'
  /** Confirming with no setup pending (never begun, confirmed, or begun again elsewhere). */
  | 'two-factor.no-setup'
  | 'two-factor.setup-expired'
  /** Not the code of any step in the window, or not a code at all, or an unknown recovery code. */
  | 'two-factor.wrong-code'
  /** A correct code whose step was already used (a replay, or the same code typed twice). */
  | 'two-factor.code-used'
  /** Verifying for an account that has it off. */
  | 'two-factor.off'
  /** The secret does not open: its key left the ring (SECRET_KEYS). Recovery codes still work. */
  | 'two-factor.secret-unreadable';

/** Plain words for each failure, for the pages and the live forms. */
export const TWO_FACTOR_MESSAGES: Readonly<Record<TwoFactorFailure, string>> = Object.freeze({
  'two-factor.already-on': 'Two-factor authentication is already on.',
  'two-factor.no-setup': 'Start the setup again: that code was for a setup that has ended.',
  'two-factor.setup-expired': 'That setup has expired. Start again to get a new QR code.',
  'two-factor.wrong-code': 'That code is not right. Check your authenticator app and try again.',
  'two-factor.code-used': 'That code was already used. Wait for the next one in your app.',
  'two-factor.off': 'Two-factor authentication is not on for this account.',
  'two-factor.secret-unreadable':
    'Your authenticator app can no longer be checked. Use one of your recovery codes.',
});

export type Failed = { ok: false; code: TwoFactorFailure };
export type SetupResult = { ok: true; offer: SetupOffer } | Failed;
export type ConfirmResult = { ok: true; recoveryCodes: string[] } | Failed;
export type VerifyResult =
  | { ok: true; method: 'code' }
  | { ok: true; method: 'recovery-code'; recoveryCodesLeft: number }
  | Failed;

export interface TwoFactor {
  status(accountId: string): Promise<TwoFactorStatus>;
  /** Begins (or begins again) a setup: a new secret, pending until confirmed. */
  beginSetup(account: { id: string; email: string }): Promise<SetupResult>;
  /** The setup still pending, to show it again (e.g. after a wrong code), or null. */
  pendingSetup(account: { id: string; email: string }): Promise<SetupOffer | null>;
  /** Turns it on when `code` is right for the pending secret; the codes are shown once. */
  confirmSetup(accountId: string, code: string): Promise<ConfirmResult>;
  /** Checks a sign-in code, or a recovery code (used up), for an account that has it on. */
  verify(accountId: string, input: string): Promise<VerifyResult>;
  /** Replaces the recovery codes; null while it is off. */
  newRecoveryCodes(accountId: string): Promise<string[] | null>;
  /** Turns it off (secret and codes removed); true when it was on. */
  disable(accountId: string): Promise<boolean>;
}

/**
 * @example
 * const twoFactor = createTwoFactor({ store: store.twoFactor, ring });
 * const setup = await twoFactor.beginSetup(account); // show setup.offer.qrSvg
 * const done = await twoFactor.confirmSetup(account.id, '123456'); // show done.recoveryCodes once
 */
export function createTwoFactor(options: TwoFactorOptions): TwoFactor {
  const { store, ring } = options;
  const now = options.now ?? Date.now;
  const issuer = options.issuer ?? TWO_FACTOR_DEFAULTS.issuer;
  const setupTtlMs = options.setupTtlMs ?? TWO_FACTOR_DEFAULTS.setupTtlMs;
  checkOptions(issuer, setupTtlMs);

  const offer = (secret: string, email: string, createdAt: number): SetupOffer => {
    const uri = totpUri({ secret, issuer, email });
    return {
      secret,
      uri,
      qrSvg: qrCodeSvg(uri, `QR code to add ${issuer} to an authenticator app`),
      expiresAt: createdAt + setupTtlMs,
    };
  };

  const freshCodes = (accountId: string) => {
    const codes = newRecoveryCodes();
    const hashes = codes.map((code) =>
      hashRecoveryCode(accountId, normalizeRecoveryCode(code) ?? code),
    );
    return { codes, hashes };
  };

  return {
    async status(accountId) {
      const record = await store.get(accountId);
      const enabled = record?.sealedSecret != null;
      return {
        enabled,
        enabledAt: enabled ? (record?.enabledAt ?? null) : null,
        recoveryCodesLeft: enabled ? (record?.recoveryCodesLeft ?? 0) : 0,
      };
    },

    async beginSetup(account) {
      const record = await store.get(account.id);
      if (record?.sealedSecret != null) return { ok: false, code: 'two-factor.already-on' };
      const secret = newTotpSecret();
      const createdAt = now();
      await store.setPending(account.id, sealTotpSecret(ring, account.id, secret), createdAt);
      return { ok: true, offer: offer(secret, account.email, createdAt) };
    },

    async pendingSetup(account) {
      const pending = (await store.get(account.id))?.pending;
      if (!pending || pending.createdAt + setupTtlMs <= now()) return null;
      const secret = openTotpSecret(ring, account.id, pending.sealedSecret);
      return secret === null ? null : offer(secret, account.email, pending.createdAt);
    },

    async confirmSetup(accountId, code) {
      const at = now();
      const pending = (await store.get(accountId))?.pending;
      if (!pending) return { ok: false, code: 'two-factor.no-setup' };
      if (pending.createdAt + setupTtlMs <= at)
        return { ok: false, code: 'two-factor.setup-expired' };
      const secret = openTotpSecret(ring, accountId, pending.sealedSecret);
      if (secret === null) return { ok: false, code: 'two-factor.no-setup' };
      const step = matchTotp(secret, code, at);
      if (step === null) return { ok: false, code: 'two-factor.wrong-code' };
      const { codes, hashes } = freshCodes(accountId);
      // Only while this secret is still the pending one: a setup begun again in another tab
      // since then shows a different QR code, and only its code may turn it on.
      const enabled = await store.enable(accountId, pending.sealedSecret, step, hashes, at);
      return enabled
        ? { ok: true, recoveryCodes: codes }
        : { ok: false, code: 'two-factor.no-setup' };
    },

    async verify(accountId, input) {
      const at = now();
      const record = await store.get(accountId);
      const sealed = record?.sealedSecret;
      if (sealed == null) return { ok: false, code: 'two-factor.off' };
      if (normalizeTotpCode(input) !== null) {
        const secret = openTotpSecret(ring, accountId, sealed);
        if (secret === null) return { ok: false, code: 'two-factor.secret-unreadable' };
        const step = matchTotp(secret, input, at);
        if (step === null) return { ok: false, code: 'two-factor.wrong-code' };
        // The step is recorded in the same store step that checks it is newer, so a code
        // submitted twice at once (or replayed within its window) passes once.
        if (!(await store.acceptStep(accountId, step)))
          return { ok: false, code: 'two-factor.code-used' };
        // Sealed under an older key: seal it again under the newest, so it still opens once
        // the older key leaves the ring.
        if (!sealedByCurrentKey(ring, sealed)) {
          await store.reseal(accountId, sealed, sealTotpSecret(ring, accountId, secret));
        }
        return { ok: true, method: 'code' };
      }
      const normalized = normalizeRecoveryCode(input);
      if (normalized === null) return { ok: false, code: 'two-factor.wrong-code' };
      const used = await store.useRecoveryCode(accountId, hashRecoveryCode(accountId, normalized));
      if (!used) return { ok: false, code: 'two-factor.wrong-code' };
      const left = (await store.get(accountId))?.recoveryCodesLeft ?? 0;
      return { ok: true, method: 'recovery-code', recoveryCodesLeft: left };
    },

    async newRecoveryCodes(accountId) {
      const { codes, hashes } = freshCodes(accountId);
      return (await store.replaceRecoveryCodes(accountId, hashes)) ? codes : null;
    },

    disable: (accountId) => store.disable(accountId),
  };
}

function checkOptions(issuer: string, setupTtlMs: number): void {
  // A colon separates the issuer from the account in the app's label (Key URI format).
  if (typeof issuer !== 'string' || issuer.trim() === '' || issuer.includes(':')) {
    throw new Error(
      `createTwoFactor: option "issuer" must be a non-empty name without ":" (received ${JSON.stringify(issuer)})`,
    );
  }
  if (!Number.isSafeInteger(setupTtlMs) || setupTtlMs <= 0) {
    throw new Error(
      `createTwoFactor: option "setupTtlMs" must be a positive whole number of milliseconds (received ${String(setupTtlMs)})`,
    );
  }
}
