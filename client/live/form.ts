/**
 * A live form: the state and behaviour behind both the log-in and the sign-up form.
 * Validates over the live socket as the person types, submits over it when it is open,
 * and otherwise lets the browser post the real form (the same path as without JavaScript).
 * A submit whose reply is lost with the connection is sent once more after reconnecting.
 */
import { type Accessor, createRenderEffect, createSignal, onCleanup } from 'solid-js';
import { isServer } from 'solid-js/web';
import type { FormSpec } from '../../shared/forms.ts';
import type { FormError } from '../../shared/page.ts';
import type { FieldErrors, FieldName, Fields, FormName } from '../../shared/protocol.ts';
import { submitHandoff } from './handoff.ts';
import type { LiveSocket } from './socket.ts';

export interface LiveFormInitial {
  values: Fields;
  /** Errors the server rendered (a plain post that failed); shown at once. */
  errors: FieldErrors;
  formError: FormError | null;
  /** The token of the emailed link the page was opened from: sent with the submit only. */
  token?: string;
}

export interface LiveFormOptions {
  /** Quiet time after the last keystroke before validating. */
  debounceMs?: number;
  /**
   * How long a submit whose reply was lost with the connection waits for the socket to come
   * back before giving up (the person then sees why and can submit again, over HTTP).
   */
  resendWithinMs?: number;
  /** Called with the sealed handoff of an accepted submit; posts it to `/handoff` by default. */
  onAccepted?: (handoff: string) => void;
  /** Leaves the page for `path` (a full-page navigation by default). */
  navigate?: (path: string) => void;
}

export interface LiveForm {
  readonly name: FormName;
  /** What the person typed. */
  readonly values: Accessor<Fields>;
  /** The error to show beside a field: only once it was left (blurred) or a submit was tried. */
  error(field: FieldName): string | undefined;
  readonly formError: Accessor<FormError | null>;
  /** True while a submit is in flight (and after it was accepted, until the page leaves). */
  readonly pending: Accessor<boolean>;
  input(field: FieldName, value: string): void;
  /**
   * The person left `field`. `toSubmit`: for the form's own submit button, whose click
   * submits (and so checks) every field.
   */
  blur(field: FieldName, toSubmit?: boolean): void;
  /** The form's submit handler. */
  submit(event: SubmitEvent): void;
}

/** The refusal of a form that needs a recent authentication the session no longer has. */
const RECENT_AUTH = 'auth.recent-required';

/** What `createLiveForm` uses for the options it is not given. */
export const LIVE_FORM_DEFAULTS = Object.freeze({ debounceMs: 200, resendWithinMs: 5000 });

/**
 * Creates a live form for `spec` over `socket`. Call it inside a component (it registers
 * cleanups); bind `values`, `input`, `blur` and `submit` to the fields and the form.
 *
 * @example
 * const form = createLiveForm(FORMS.login, socket, { values, errors: {}, formError: null });
 * <form onSubmit={form.submit}>…</form>
 */
export function createLiveForm(
  spec: FormSpec,
  socket: LiveSocket,
  initial: LiveFormInitial,
  options: LiveFormOptions = {},
): LiveForm {
  const debounceMs = options.debounceMs ?? LIVE_FORM_DEFAULTS.debounceMs;
  const resendWithinMs = options.resendWithinMs ?? LIVE_FORM_DEFAULTS.resendWithinMs;
  const onAccepted = options.onAccepted ?? ((handoff: string) => submitHandoff(handoff));
  const navigate = options.navigate ?? ((path: string) => location.assign(path));

  const [values, setValues] = createSignal<Fields>({ ...initial.values });
  const [errors, setErrors] = createSignal<FieldErrors>(initial.errors);
  const [touched, setTouched] = createSignal<Partial<Record<FieldName, true>>>({});
  const [attempted, setAttempted] = createSignal(
    initial.formError !== null || Object.keys(initial.errors).length > 0,
  );
  const [formError, setFormError] = createSignal(initial.formError);
  const [pending, setPending] = createSignal(false);

  // Replies can overtake each other; only a reply to a newer request than the last one
  // applied may change the errors.
  let lastApplied = 0;
  let lastSent: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  // Called on every change of the connection state while a lost submit waits for it.
  // A render effect rather than createEffect: the same here, and already in the bundle
  // (Solid's `insert` uses it), where createEffect would add its own code to the bundle.
  let stateChanged: (() => void) | undefined;
  createRenderEffect(() => {
    socket.state();
    stateChanged?.();
  });

  /** Resolves true once the socket is open again; false if it closed for good or took too long. */
  function reopened(): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (late = false) => {
        const state = socket.state();
        if (!late && (state === 'connecting' || state === 'reconnecting')) return;
        clearTimeout(giveUp);
        stateChanged = undefined;
        resolve(state === 'open');
      };
      const giveUp = setTimeout(check, resendWithinMs, true);
      stateChanged = check;
      check();
    });
  }

  function apply(ref: number, next: FieldErrors): void {
    if (ref <= lastApplied) return;
    lastApplied = ref;
    setErrors(next);
  }

  async function validate(): Promise<void> {
    clearTimeout(timer);
    const fields = values();
    const key = JSON.stringify(fields);
    if (key === lastSent || socket.state() !== 'open') return;
    lastSent = key;
    const reply = await socket.request({ type: 'validate', form: spec.name, fields });
    if (!reply.ok) lastSent = undefined;
    else if (reply.message.type === 'validated') apply(reply.message.ref, reply.message.errors);
  }

  async function submit(event: SubmitEvent): Promise<void> {
    // No socket: let the browser post the real form, exactly as without JavaScript.
    if (socket.state() !== 'open' && !pending()) return;
    event.preventDefault();
    if (pending()) return;
    const form = event.currentTarget as HTMLFormElement;
    clearTimeout(timer);
    setAttempted(true);
    setFormError(null);
    setPending(true);
    const fields = initial.token ? { ...values(), token: initial.token } : values();
    const request = { type: 'submit', form: spec.name, fields } as const;
    let reply = await socket.request(request);
    // The connection dropped with the submit in flight: the server may or may not have acted
    // on it. Send it once more when the socket is back. The server takes a repeated sign-up
    // (same password, just created) as the same one, and a repeated log-in mints another
    // handoff; the page redeems only the one it receives, so the person is signed in once.
    if (!reply.ok && reply.code === 'socket.closed' && (await reopened())) {
      reply = await socket.request(request);
    }
    if (reply.ok && reply.message.type === 'accepted') {
      onAccepted(reply.message.handoff);
      return;
    }
    if (reply.ok && reply.message.type === 'refused' && reply.message.code === RECENT_AUTH) {
      // The last sign-in or password confirmation is too old now (it was recent enough when
      // the page loaded). The form's own page knows what to do: it sends the person to
      // confirm their password, then back to the form. The button stays locked meanwhile.
      navigate(spec.action);
      return;
    }
    setPending(false);
    if (reply.ok) {
      if (reply.message.type !== 'refused') return;
      apply(reply.message.ref, reply.message.errors);
      // A refused password is not kept, as the page without JavaScript never writes one back:
      // the person types it again rather than submit a wrong one from a field of dots.
      const cleared = { ...values() };
      for (const field of spec.fields) if (field.type === 'password') cleared[field.name] = '';
      setValues(cleared);
    }
    // The reply is refused (checked above) or a failure: both say a code and a message.
    const { code, message } = (reply.ok ? reply.message : reply) as FormError;
    setFormError({ code, message });
    focusProblem(form);
  }

  /**
   * Focuses what the person has to fix: the first invalid field (fields render in the
   * description's order), else the form's error. Otherwise the focus stays where it was,
   * on the button when it was clicked, and a screen reader would read nothing new.
   */
  function focusProblem(form: HTMLFormElement): void {
    (
      form.querySelector<HTMLElement>('[aria-invalid]') ??
      form.querySelector<HTMLElement>('[role=alert]')
    )?.focus();
  }

  // Coming back through the back/forward cache after a handoff: unlock the button.
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) setPending(false);
  };
  // (A page rendered on the server has no window.)
  if (!isServer) addEventListener('pageshow', onPageShow);
  onCleanup(() => {
    clearTimeout(timer);
    if (!isServer) removeEventListener('pageshow', onPageShow);
  });

  return {
    name: spec.name,
    values,
    error: (field) => (touched()[field] || attempted() ? errors()[field] : undefined),
    formError,
    pending,
    input(field, value) {
      setValues((all) => ({ ...all, [field]: value }));
      clearTimeout(timer);
      timer = setTimeout(validate, debounceMs);
    },
    blur(field, toSubmit = false) {
      setTouched((all) => ({ ...all, [field]: true }));
      // Pressing the submit button moves the focus first: a validate sent now would travel
      // just ahead of the submit, and the server and the page would handle it and its reply
      // while the submit waits (in Chromium the reply landed mid-submit).
      // The submit checks every field anyway; if the press is abandoned, the debounced check
      // of the last keystrokes is still pending and runs as usual.
      if (!toSubmit) void validate();
    },
    submit(event) {
      void submit(event);
    },
  };
}
