/** @vitest-environment happy-dom */
import { render } from '@solidjs/testing-library';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../../client/App.tsx';
import { createFakeSocket } from './fakes.ts';

describe('App', () => {
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
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/account');
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
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/account');
  });
});
