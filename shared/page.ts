/**
 * What the server tells the client about the page it rendered. It travels as JSON inside
 * `<script type="application/json" id="baton-page">` (inert, so a strict CSP allows it).
 */
import type { FieldErrors, FormName } from './protocol.ts';

export type FlashKind = 'info' | 'error';
export interface Flash {
  kind: FlashKind;
  text: string;
}

export interface FormError {
  code: string;
  message: string;
}

export type PageData =
  | {
      page: FormName;
      values: { email: string };
      errors: FieldErrors;
      formError: FormError | null;
      flash: Flash[];
    }
  | { page: 'account'; email: string; flash: Flash[] };

export const PAGE_DATA_ID = 'baton-page';
