import type { FormSpec } from '../../shared/forms.ts';
import type { PageData } from '../../shared/page.ts';
import type { Fields, FormName } from '../../shared/protocol.ts';
import { LiveForm } from '../forms/LiveForm.tsx';
import { PasskeySignIn } from '../forms/PasskeySignIn.tsx';
import { Shell } from '../layout/Shell.tsx';
import { RENDERS_STATIC_PARTS, ServerRendered } from '../layout/server-rendered.ts';
import type { PageProps } from './page.ts';

export type FormPageData = Extract<PageData, { page: FormName }>;

/**
 * The page of any form in `shared/forms.ts` (log in, sign up, change password).
 * `initialValues` is what the person typed into the server's form before the script
 * loaded; it wins over the server's prefill (the email and a ticked "Remember me", the only
 * values it ever echoes).
 */
export function FormPage(props: PageProps<FormPageData>) {
  const spec = () => props.data.spec;
  const values: Fields = {};
  const echoed: Fields = props.data.values;
  // A password is never written back into a page, even one left on the data by mistake.
  for (const { name, type } of spec().fields)
    values[name] = props.initialValues?.[name] ?? (type === 'password' ? '' : echoed[name]) ?? '';
  return (
    <Shell
      socket={props.socket}
      title={spec().title}
      initialFlash={props.data.flash}
      signedInEmail={props.data.signedInEmail}
      path={spec().action}
    >
      <Intro data={props.data} />
      <LiveForm
        spec={spec()}
        socket={props.socket}
        initial={{
          values,
          errors: props.data.errors,
          formError: props.data.formError,
          token: props.data.token,
        }}
        onAccepted={props.onAccepted}
        navigate={props.navigate}
      />
      {(spec().name === 'login' || props.data.hasPasskeys) && (
        <PasskeySignIn
          socket={props.socket}
          onAccepted={props.onAccepted}
          confirm={props.data.hasPasskeys}
        />
      )}
      <Links spec={spec()} />
    </Shell>
  );
}

/**
 * What the form does, above its fields, for the forms that say it: the link's own words
 * (PageData's `intro`), else the form's (`spec.intro`).
 */
function FormIntro(props: { data: FormPageData }) {
  const text = () => props.data.intro ?? props.data.spec.intro;
  return text() && <p class="form-intro">{text()}</p>;
}

/** The links under the form: its `links`, then its `alternate` ("New here? Create an account"). */
function FormLinks(props: { spec: FormSpec }) {
  return (
    <>
      {props.spec.links?.map((link) => (
        <p class="alternate">
          <a href={link.href}>{link.label}</a>
        </p>
      ))}
      <p class="alternate">
        {props.spec.alternate.prompt}{' '}
        <a href={props.spec.alternate.href}>{props.spec.alternate.label}</a>
      </p>
    </>
  );
}

// A form page's text and links around the form never change and need no script: left to
// the server (see server-rendered.ts).
const Intro = RENDERS_STATIC_PARTS ? FormIntro : ServerRendered;
const Links = RENDERS_STATIC_PARTS ? FormLinks : ServerRendered;
