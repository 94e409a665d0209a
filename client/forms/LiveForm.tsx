import type { FieldSpec, FormSpec } from '../../shared/forms.ts';
import { fieldId } from '../../shared/names.ts';
import {
  createLiveForm,
  type LiveFormInitial,
  type LiveForm as LiveFormState,
} from '../live/form.ts';
import type { LiveSocket } from '../live/socket.ts';

// Events are bound with `on:` (native listeners) throughout the client: Solid's event
// delegation runtime would cost bytes the 8 KB budget does not have.

/**
 * A form from its description in `shared/forms.ts`, live over `socket`. It is a real
 * `<form method="post">`: when the socket is not open, submitting posts it over plain HTTP.
 * `novalidate` once live, because the live checks say more than the browser's bubbles; the
 * server's page keeps the browser's checks for people without JavaScript.
 */
export function LiveForm(props: {
  spec: FormSpec;
  socket: LiveSocket;
  initial: LiveFormInitial;
  onAccepted?: (handoff: string) => void;
  /** Leaves the page (see LiveFormOptions.navigate). */
  navigate?: (path: string) => void;
}) {
  const form = createLiveForm(props.spec, props.socket, props.initial, {
    onAccepted: props.onAccepted,
    navigate: props.navigate,
  });
  // A page rendered after a refused post opens on what to fix, as a refused live submit
  // does: the first invalid field, else the form's error. `autofocus` rather than a script's
  // focus(): the browser applies it only while nothing has the focus, so it never takes the
  // focus from a field the person is already in, and it works without JavaScript.
  const problem =
    props.spec.fields.find((field) => props.initial.errors[field.name])?.name ??
    (props.initial.formError && 'alert');
  return (
    <form
      class="form"
      method="post"
      action={
        /* @once */ props.initial.token
          ? `${props.spec.action}/${props.initial.token}`
          : props.spec.action
      }
      ref={(form) => {
        form.noValidate = true;
      }}
      on:submit={(event) => form.submit(event)}
    >
      {form.formError() && (
        // Focusable by script only (tabindex -1): focus goes here after a refusal that names
        // no field.
        <p
          class="form-error"
          id={/* @once */ `${props.spec.name}-error`}
          role="alert"
          tabindex="-1"
          autofocus={problem === 'alert'}
        >
          {form.formError()?.message}
        </p>
      )}
      {/* The fields of a form never change, so a plain map is enough (no <For>). */}
      {props.spec.fields.map((field) => (
        <Field form={form} field={field} problem={problem} />
      ))}
      {/* A button that does what cannot be undone says so in its colour (`danger`). */}
      <button
        class={/* @once */ props.spec.danger ? 'button button-danger' : 'button'}
        type="submit"
        disabled={form.pending()}
      >
        {form.pending() ? props.spec.progressLabel : props.spec.submitLabel}
      </button>
    </form>
  );
}

/**
 * A label, its input and one line for its message: the error when there is one, else the
 * hint. The line is reserved (see `.field` in styles.css) so a message coming or going
 * does not move the button under a pointer. A field's description never changes, so its
 * parts are read once (`@once`): no effects for them.
 */
function Field(props: {
  form: LiveFormState;
  field: FieldSpec;
  /** What the page opens focused on, if anything (see `LiveForm`). */
  problem: string | null | undefined;
}) {
  const id = fieldId(props.form.name, props.field.name);
  const error = () => props.form.error(props.field.name);
  // A checkbox holds a choice ("Remember me"): ticked is `on`, as the browser posts it, and
  // no rule applies, so it has no message line. Its label follows the box.
  if (props.field.type === 'checkbox')
    return (
      <div class="field-check">
        <input
          id={id}
          name={/* @once */ props.field.name}
          type="checkbox"
          value="on"
          checked={props.form.values()[props.field.name] === 'on'}
          on:change={(event) =>
            props.form.input(props.field.name, event.currentTarget.checked ? 'on' : '')
          }
        />
        <label for={id}>{/* @once */ props.field.label}</label>
      </div>
    );
  return (
    <div class="field">
      <label class="field-label" for={id}>
        {/* @once */ props.field.label}
      </label>
      <input
        class="field-input"
        id={id}
        name={/* @once */ props.field.name}
        type={/* @once */ props.field.type}
        autocomplete={/* @once */ props.field.autocomplete}
        required
        autofocus={/* @once */ props.problem === props.field.name}
        value={props.form.values()[props.field.name]}
        aria-invalid={error() ? 'true' : undefined}
        aria-describedby={error() ? `${id}-error` : props.field.hint && `${id}-hint`}
        on:input={(event) => props.form.input(props.field.name, event.currentTarget.value)}
        on:blur={(event) => {
          const to = event.relatedTarget;
          props.form.blur(
            props.field.name,
            to instanceof HTMLButtonElement &&
              to.type === 'submit' &&
              to.form === event.currentTarget.form,
          );
        }}
      />
      {error() ? (
        <p class="field-error" id={`${id}-error`}>
          {error()}
        </p>
      ) : (
        props.field.hint && (
          <p class="field-hint" id={`${id}-hint`}>
            {props.field.hint}
          </p>
        )
      )}
    </div>
  );
}
