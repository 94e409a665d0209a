/**
 * The server's markup for every page: complete and working without JavaScript. The client
 * (`client/layout/Shell.tsx`, `client/forms/LiveForm.tsx`, `client/pages/*`) renders the
 * same structure with the same classes; `test/client/markup-parity.test.tsx` holds them to it.
 */
import { type FieldSpec, FORMS } from '../../shared/forms.ts';
import type { Flash, FormError, PageData } from '../../shared/page.ts';
import type { FieldErrors, FormName } from '../../shared/protocol.ts';
import { type Child, element, fragment, type Html } from './html.ts';

/** The page heading's id (the card is labelled by it; the client focuses it). */
export const PAGE_TITLE_ID = 'page-title';
/** The account page's heading. */
export const ACCOUNT_TITLE = 'Your account';

/** The page's heading, also the first part of the document title. */
export function pageHeading(data: PageData): string {
  return data.page === 'account' ? ACCOUNT_TITLE : FORMS[data.page].title;
}

/** Everything inside `<div id="app">` for a page. */
export function renderPageBody(data: PageData): string {
  const content = data.page === 'account' ? accountContent(data.email) : formContent(data);
  return shell(pageHeading(data), data.flash, content).html;
}

function shell(title: string, flash: readonly Flash[], content: Html): Html {
  return fragment(
    element('header', { class: 'masthead' }, element('a', { class: 'brand', href: '/' }, 'Baton')),
    element(
      'main',
      { class: 'page' },
      element(
        'section',
        { class: 'card', 'aria-labelledby': PAGE_TITLE_ID },
        flashes(flash),
        element('h1', { class: 'card-title', id: PAGE_TITLE_ID, tabindex: '-1' }, title),
        content,
      ),
    ),
  );
}

// No dismiss button here: without JavaScript it could do nothing. The client adds it
// into the space `.flash` reserves for it.
function flashes(flash: readonly Flash[]): Child {
  if (flash.length === 0) return null;
  return element(
    'div',
    { class: 'flashes' },
    ...flash.map((each) =>
      element(
        'div',
        { class: `flash flash-${each.kind}` },
        element(
          'p',
          { class: 'flash-text', role: each.kind === 'error' ? 'alert' : 'status' },
          each.text,
        ),
      ),
    ),
  );
}

function formContent(data: Extract<PageData, { page: FormName }>): Html {
  const spec = FORMS[data.page];
  // After a refused post the page opens on what to fix, as the client's form does.
  const problem = spec.fields.find((field) => data.errors[field.name])?.name;
  return fragment(
    element(
      'form',
      { class: 'form', method: 'post', action: spec.action },
      formError(spec.name, data.formError, problem === undefined),
      ...spec.fields.map((field) =>
        fieldMarkup(spec.name, field, data.values.email, data.errors, problem === field.name),
      ),
      element('button', { class: 'button', type: 'submit' }, spec.submitLabel),
    ),
    element(
      'p',
      { class: 'alternate' },
      `${spec.alternate.prompt} `,
      element('a', { href: spec.alternate.href }, spec.alternate.label),
    ),
  );
}

function formError(form: FormName, error: FormError | null, autofocus: boolean): Child {
  const attributes = { class: 'form-error', id: `${form}-error`, role: 'alert', tabindex: '-1' };
  return error && element('p', { ...attributes, autofocus }, error.message);
}

function fieldMarkup(
  form: FormName,
  field: FieldSpec,
  email: string,
  errors: FieldErrors,
  autofocus: boolean,
): Html {
  const id = `${form}-${field.name}`;
  const error = errors[field.name];
  const hintId = field.hint ? `${id}-hint` : undefined;
  return element(
    'div',
    { class: 'field' },
    element('label', { class: 'field-label', for: id }, field.label),
    element('input', {
      class: 'field-input',
      id,
      name: field.name,
      type: field.type,
      autocomplete: field.autocomplete,
      required: true,
      autofocus,
      // A password is never written into a page.
      value: field.name === 'email' && email !== '' ? email : undefined,
      'aria-invalid': error ? 'true' : undefined,
      'aria-describedby': error ? `${id}-error` : hintId,
    }),
    // One message line: the error replaces the hint (it says at least as much).
    error
      ? element('p', { class: 'field-error', id: `${id}-error` }, error)
      : field.hint && element('p', { class: 'field-hint', id: hintId }, field.hint),
  );
}

function accountContent(email: string): Html {
  return fragment(
    element(
      'p',
      { class: 'account-line' },
      'Signed in as ',
      element('strong', { class: 'account-email' }, email),
    ),
    element(
      'p',
      { class: 'account-line' },
      element('a', { href: FORMS['change-password'].action }, 'Change password'),
    ),
    element(
      'form',
      { class: 'form', method: 'post', action: '/logout' },
      element('button', { class: 'button button-quiet', type: 'submit' }, 'Log out'),
    ),
  );
}
