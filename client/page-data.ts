/**
 * Reading what the server put in the page: the PageData JSON and whatever the person typed
 * into the server-rendered form before the script loaded.
 */
import { PAGE_DATA_ID, type PageData } from '../shared/page.ts';
import { FIELD_NAMES, type Fields } from '../shared/protocol.ts';

/**
 * The page's data from `<script type="application/json" id="baton-page">`, or `null` when
 * it is missing or not JSON (the server's markup then stays as it is, still working).
 * It is the server's own output, so it is not validated again here.
 */
export function readPageData(doc: Document = document): PageData | null {
  try {
    return JSON.parse(doc.getElementById(PAGE_DATA_ID)?.textContent || 'null');
  } catch {
    return null;
  }
}

/** The non-empty values of the server-rendered inputs under `root`. */
export function readTypedValues(root: ParentNode): Partial<Fields> {
  const typed: Partial<Fields> = {};
  for (const name of FIELD_NAMES) {
    const input = root.querySelector<HTMLInputElement>(`[name=${name}]`);
    // A checkbox's value is `on` whether or not it is ticked: what counts is `checked`.
    const value = input?.type === 'checkbox' ? input.checked && input.value : input?.value;
    if (value) typed[name] = value;
  }
  return typed;
}
