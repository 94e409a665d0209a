/**
 * Redeems a sealed handoff with a full-page POST, so the server can set the session cookie
 * on a real navigation. The handoff travels in the request body, never in a URL (URLs end
 * up in history, logs and Referer headers).
 */

/**
 * Builds a hidden `<form method="post" action="/handoff">` carrying the handoff, appends it
 * to the body and submits it. The page navigates away.
 */
export function submitHandoff(handoff: string, doc: Document = document): void {
  const form = doc.createElement('form');
  form.method = 'post';
  form.action = '/handoff';
  form.hidden = true;
  const input = doc.createElement('input');
  input.type = 'hidden';
  input.name = 'handoff';
  input.value = handoff;
  form.append(input);
  doc.body.append(form);
  form.submit();
}
