import { fieldId, TWO_FACTOR_TITLE } from '../../shared/names.ts';
import {
  TWO_FACTOR_ACTIONS as ACTIONS,
  TWO_FACTOR_PATH,
  type TwoFactorPageData,
} from '../../shared/page.ts';
import { Shell } from '../layout/Shell.tsx';
import type { PageProps } from './page.ts';

const CODE_ID = fieldId('two-factor', 'code');
const RECOVERY_TITLE_ID = 'recovery-codes-title';

/**
 * /account/two-factor: authenticator codes on or off. Every control is a plain form the
 * server answers, so the page works the same without JavaScript; its script only keeps the
 * page's socket, to leave when the session ends elsewhere.
 */
export function TwoFactorPage(props: PageProps<TwoFactorPageData>) {
  return (
    <Shell
      socket={props.socket}
      title={TWO_FACTOR_TITLE}
      initialFlash={props.data.flash}
      signedInEmail={props.data.signedInEmail}
      path={TWO_FACTOR_PATH}
    >
      {props.data.recoveryCodes && <RecoveryCodes codes={props.data.recoveryCodes} />}
      {props.data.enabled ? (
        <TurnedOn data={props.data} />
      ) : props.data.setup ? (
        <Setup setup={props.data.setup} codeError={props.data.codeError} />
      ) : (
        <TurnedOff />
      )}
      <p class="alternate">
        <a href="/account">Back to your account</a>
      </p>
    </Shell>
  );
}

function TurnedOff() {
  return (
    <>
      <p class="account-line">
        Two-factor authentication is off. Turn it on to ask, after your password, for a 6-digit code
        from an authenticator app on your phone.
      </p>
      <form class="form" method="post" action={ACTIONS.setup}>
        <button class="button" type="submit">
          Set up an authenticator app
        </button>
      </form>
    </>
  );
}

/** The QR code and the secret, and the code that proves the app has them. */
function Setup(props: {
  setup: NonNullable<TwoFactorPageData['setup']>;
  codeError: string | null;
}) {
  return (
    <>
      <ol class="steps">
        <li>
          Scan this QR code with your authenticator app.
          {/* The server's SVG: numbers and an escaped label only (server/two-factor/qr-code.ts). */}
          <div class="qr-code" innerHTML={props.setup.qrSvg} />
        </li>
        <li>
          Or type this key into the app instead:
          <code class="secret">{groupsOfFour(props.setup.secret)}</code>
        </li>
        <li>Enter the code the app shows for Baton.</li>
      </ol>
      <form class="form" method="post" action={ACTIONS.confirm}>
        <div class="field">
          <label class="field-label" for={CODE_ID}>
            Authentication code
          </label>
          <input
            class="field-input"
            id={CODE_ID}
            name="code"
            type="text"
            inputmode="numeric"
            autocomplete="one-time-code"
            required
            autofocus={props.codeError !== null}
            aria-invalid={props.codeError ? 'true' : undefined}
            aria-describedby={props.codeError ? `${CODE_ID}-error` : undefined}
          />
          {props.codeError ? (
            <p class="field-error" id={`${CODE_ID}-error`}>
              {props.codeError}
            </p>
          ) : (
            <p class="field-hint">6 digits; a new code comes every 30 seconds.</p>
          )}
        </div>
        <button class="button" type="submit">
          Turn on
        </button>
      </form>
      <form class="form form-quiet" method="post" action={ACTIONS.setup}>
        <button class="button button-quiet" type="submit">
          Show a new QR code
        </button>
      </form>
    </>
  );
}

function TurnedOn(props: { data: TwoFactorPageData }) {
  const left = () => props.data.recoveryCodesLeft;
  return (
    <>
      <p class="account-line">
        Two-factor authentication is on: after your password, signing in asks for a code from your
        authenticator app, or one of your recovery codes.
      </p>
      <p class="account-line">
        {left() === 1 ? '1 recovery code is left.' : `${left()} recovery codes are left.`}
      </p>
      <form class="form" method="post" action={ACTIONS.recoveryCodes}>
        <button class="button button-quiet" type="submit">
          Get new recovery codes
        </button>
      </form>
      <form class="form form-quiet" method="post" action={ACTIONS.disable}>
        <button class="button button-danger" type="submit">
          Turn off two-factor authentication
        </button>
      </form>
    </>
  );
}

/** The new recovery codes, shown once: only the answer to the post that made them has them. */
function RecoveryCodes(props: { codes: readonly string[] }) {
  return (
    <section class="recovery-codes" aria-labelledby={RECOVERY_TITLE_ID}>
      <h2 class="section-title" id={RECOVERY_TITLE_ID}>
        Your recovery codes
      </h2>
      <p class="account-line">
        Each one signs you in once, in place of a code from your app. Keep them somewhere safe: this
        is the only time they are shown.
      </p>
      <ul class="codes">
        {props.codes.map((code) => (
          <li>
            <code>{code}</code>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** "JBSW Y3DP …": easier to read and type than 32 letters in a row. */
function groupsOfFour(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? secret;
}
