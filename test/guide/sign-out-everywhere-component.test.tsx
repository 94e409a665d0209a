/** @vitest-environment happy-dom */
/**
 * The component test README's guide shows for its form: the form rendered from its
 * description in happy-dom, against a fake live socket. In Baton, `spec` would be
 * `FORMS['sign-out-everywhere']`.
 */
import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveForm } from '../../client/forms/LiveForm.tsx';
import type { FormSpec } from '../../shared/forms.ts';
import { createFakeSocket } from '../client/fakes.ts';
import { GUIDE_FORMS } from './sign-out-everywhere.ts';

// Its name is not one of the protocol's FORM_NAMES in this test (see sign-out-everywhere.ts).
const spec = GUIDE_FORMS['sign-out-everywhere'] as unknown as FormSpec;

afterEach(cleanup);

describe('the "Sign out everywhere" form', () => {
  // guide:start component-test
  it('asks for the password and shows "Sign out everywhere" as a dangerous button', () => {
    const initial = { values: { password: '' }, errors: {}, formError: null };
    render(() => <LiveForm spec={spec} socket={createFakeSocket()} initial={initial} />);

    const password = screen.getByLabelText('Password') as HTMLInputElement;
    expect(password.type).toBe('password');
    expect(password.getAttribute('autocomplete')).toBe('current-password');
    const button = screen.getByRole('button', { name: 'Sign out everywhere' });
    expect(button.className).toBe('button button-danger');
    // Without JavaScript, the same form posts to the form's own route.
    expect(button.closest('form')?.getAttribute('action')).toBe('/sign-out-everywhere');
  });

  it('submits the password over the live socket and hands on the handoff it is given', async () => {
    const socket = createFakeSocket();
    const onAccepted = vi.fn();
    const initial = { values: { password: 'my password' }, errors: {}, formError: null };
    render(() => (
      <LiveForm spec={spec} socket={socket} initial={initial} onAccepted={onAccepted} />
    ));

    const button = screen.getByRole('button', { name: 'Sign out everywhere' });
    fireEvent.submit(button.closest('form') as HTMLFormElement);

    expect(socket.sent).toEqual([
      {
        type: 'submit',
        ref: 1,
        form: 'sign-out-everywhere',
        fields: { password: 'my password' },
      },
    ]);
    expect(button.textContent).toBe('Signing out…');
    await socket.reply({ type: 'accepted', ref: 1, handoff: 'sealed' });
    expect(onAccepted).toHaveBeenCalledExactlyOnceWith('sealed');
  });
  // guide:end component-test
});
