/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { submitHandoff } from '../../../client/live/handoff.ts';

afterEach(() => {
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

describe('submitHandoff', () => {
  it('posts the handoff in the body of a hidden form, never in its URL', () => {
    const submit = vi.spyOn(HTMLFormElement.prototype, 'submit').mockImplementation(() => {});
    submitHandoff('sealed/handoff+token=');
    expect(submit).toHaveBeenCalledOnce();
    const form = submit.mock.contexts[0] as HTMLFormElement;
    expect(form.parentNode).toBe(document.body);
    expect(form.hidden).toBe(true);
    expect(form.getAttribute('method')).toBe('post');
    expect(form.getAttribute('action')).toBe('/handoff');
    expect(form.getAttribute('action')).not.toContain('sealed');
    const input = form.querySelector('input');
    expect(input?.type).toBe('hidden');
    expect(input?.name).toBe('handoff');
    expect(input?.value).toBe('sealed/handoff+token=');
  });
});
