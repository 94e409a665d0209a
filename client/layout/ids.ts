/** Element ids shared by the client components (the server markup uses the same ones). */

/** The page heading; focus goes there when a flash message is dismissed. */
export const PAGE_TITLE_ID = 'page-title';

/** The id of a form's input, e.g. `login-email`. */
export const fieldId = (form: string, field: string): string => `${form}-${field}`;
