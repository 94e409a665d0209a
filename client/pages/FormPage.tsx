import { FORMS } from '../../shared/forms.ts';
import type { PageData } from '../../shared/page.ts';
import type { Fields, FormName } from '../../shared/protocol.ts';
import { LiveForm } from '../forms/LiveForm.tsx';
import { Shell } from '../layout/Shell.tsx';
import type { LiveSocket } from '../live/socket.ts';

export type FormPageData = Extract<PageData, { page: FormName }>;

/**
 * The log-in or sign-up page. `initialValues` is what the person typed into the server's
 * form before the script loaded; it wins over the server's prefill.
 */
export function FormPage(props: {
  data: FormPageData;
  socket: LiveSocket;
  initialValues?: Partial<Fields>;
  onAccepted?: (handoff: string) => void;
}) {
  const spec = () => FORMS[props.data.page];
  return (
    <Shell socket={props.socket} title={spec().title} initialFlash={props.data.flash}>
      <LiveForm
        spec={spec()}
        socket={props.socket}
        initial={{
          values: {
            email: props.initialValues?.email ?? props.data.values.email,
            password: props.initialValues?.password ?? '',
          },
          errors: props.data.errors,
          formError: props.data.formError,
        }}
        onAccepted={props.onAccepted}
      />
      <p class="alternate">
        {spec().alternate.prompt} <a href={spec().alternate.href}>{spec().alternate.label}</a>
      </p>
    </Shell>
  );
}
