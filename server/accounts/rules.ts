/**
 * The server's field rules: the shared ones (shared/forms.ts, which the live form shows as
 * the person types) plus those only the server can apply.
 */
import { checkFields } from '../../shared/forms.ts';
import type { FieldErrors, Fields, FormName } from '../../shared/protocol.ts';
import { isCommonPassword } from './common-passwords.ts';

export const COMMON_PASSWORD_MESSAGE =
  'This password is among the most common ones. Choose another.';

export function checkFormFields(form: FormName, fields: Fields): FieldErrors {
  const errors = checkFields(form, fields);
  if (form === 'signup' && !errors.password && isCommonPassword(fields.password)) {
    errors.password = COMMON_PASSWORD_MESSAGE;
  }
  return errors;
}
