/**
 * The server's field rules: the shared ones (shared/forms.ts, which the live form shows as
 * the person types) plus those only the server can apply.
 */
import { checkFields, FORMS } from '../../shared/forms.ts';
import type { FieldErrors, Fields, FormName } from '../../shared/protocol.ts';
import { isCommonPassword } from './common-passwords.ts';

export const COMMON_PASSWORD_MESSAGE =
  'This password is among the most common ones. Choose another.';
export const SAME_PASSWORD_MESSAGE = 'Choose a password different from your current one.';

export function checkFormFields(form: FormName, fields: Fields): FieldErrors {
  const errors = checkFields(form, fields);
  const current = FORMS[form].fields.find((field) => field.autocomplete === 'current-password');
  for (const field of FORMS[form].fields) {
    if (field.autocomplete !== 'new-password' || errors[field.name]) continue;
    const chosen = fields[field.name] ?? '';
    if (isCommonPassword(chosen)) errors[field.name] = COMMON_PASSWORD_MESSAGE;
    else if (current && chosen === fields[current.name]) errors[field.name] = SAME_PASSWORD_MESSAGE;
  }
  return errors;
}
