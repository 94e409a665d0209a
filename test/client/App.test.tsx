/** @vitest-environment happy-dom */
import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../client/App.tsx';
import { createFakeSocket, flush } from './fakes.ts';

describe('App', () => {
  afterEach(cleanup);

  it('moves a login page to /account when this browser signs in in another tab', () => {
    const socket = createFakeSocket();
    const navigate = vi.fn();
    render(() => (
      <App
        data={{ page: 'login', values: { email: '' }, errors: {}, formError: null, flash: [] }}
        socket={socket}
        navigate={navigate}
      />
    ));
    expect(navigate).not.toHaveBeenCalled();
    socket.signIn();
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/account?from=other-tab');
  });

  it('ignores the notice of its own sign-in once it is posting its handoff', async () => {
    const socket = createFakeSocket();
    const navigate = vi.fn();
    const onAccepted = vi.fn();
    render(() => (
      <App
        data={{ page: 'login', values: { email: '' }, errors: {}, formError: null, flash: [] }}
        socket={socket}
        navigate={navigate}
        onAccepted={onAccepted}
        initialValues={{ email: 'ada@example.com', password: 'correct horse battery' }}
      />
    ));
    fireEvent.submit(
      screen.getByRole('button', { name: 'Log in' }).closest('form') as HTMLFormElement,
    );
    await flush();
    await socket.reply({ type: 'accepted', ref: 1, handoff: 'sealed' });
    expect(onAccepted).toHaveBeenCalledExactlyOnceWith('sealed');

    socket.signIn();
    expect(navigate).not.toHaveBeenCalled();
  });

  it('ignores a sign-in notice once the browser is posting the form itself (socket down)', () => {
    const socket = createFakeSocket('reconnecting');
    const navigate = vi.fn();
    render(() => (
      <App
        data={{ page: 'login', values: { email: '' }, errors: {}, formError: null, flash: [] }}
        socket={socket}
        navigate={navigate}
        initialValues={{ email: 'ada@example.com', password: 'correct horse battery' }}
      />
    ));
    const form = screen.getByRole('button', { name: 'Log in' }).closest('form') as HTMLFormElement;
    // happy-dom does not navigate: the event's default (the post) is what matters here.
    const posted = fireEvent.submit(form);
    expect(posted).toBe(true);

    socket.signIn();
    expect(navigate).not.toHaveBeenCalled();
  });

  it('reloads an account page into the new account when another tab signs in', () => {
    const socket = createFakeSocket();
    const navigate = vi.fn();
    render(() => (
      <App
        data={{ page: 'account', email: 'old@example.com', flash: [] }}
        socket={socket}
        navigate={navigate}
      />
    ));
    socket.signIn();
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/account?from=other-tab');
  });
});
