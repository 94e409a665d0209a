/** @vitest-environment happy-dom */
import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App as AppOf } from '../../client/App.tsx';
import { AccountPage } from '../../client/pages/AccountPage.tsx';
import { FormPage } from '../../client/pages/FormPage.tsx';
import { MailboxPage } from '../../client/pages/MailboxPage.tsx';
import type { PageProps } from '../../client/pages/page.ts';
import { FORMS } from '../../shared/forms.ts';
import type { PageData } from '../../shared/page.ts';
import { createFakeSocket, flush } from './fakes.ts';

/** The App with the page its entry gives it for `data` (entries/form.tsx or entries/account.tsx). */
function App(props: PageProps & { navigate?: (path: string) => void }) {
  const data = props.data;
  if (data.page === 'two-factor') throw new Error('these tests render form and account pages');
  if (data.page === 'mailbox') return <AppOf {...props} data={data} page={MailboxPage} />;
  if (data.page === 'sessions') throw new Error('the App tests render no sessions page');
  if (data.page === 'passkeys') throw new Error('the App tests render no passkeys page');
  return data.page === 'account' ? (
    <AppOf {...props} data={data} page={AccountPage} />
  ) : (
    <AppOf {...props} data={data} page={FormPage} />
  );
}

describe('App', () => {
  afterEach(cleanup);

  it('moves a login page to /account when this browser signs in in another tab', () => {
    const socket = createFakeSocket();
    const navigate = vi.fn();
    render(() => (
      <App
        data={{
          page: 'login',
          spec: FORMS.login,
          values: { email: '' },
          errors: {},
          formError: null,
          flash: [],
        }}
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
        data={{
          page: 'login',
          spec: FORMS.login,
          values: { email: '' },
          errors: {},
          formError: null,
          flash: [],
        }}
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
        data={{
          page: 'login',
          spec: FORMS.login,
          values: { email: '' },
          errors: {},
          formError: null,
          flash: [],
        }}
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
        data={{ page: 'account', email: 'old@example.com', emailConfirmed: true, flash: [] }}
        socket={socket}
        navigate={navigate}
      />
    ));
    socket.signIn();
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/account?from=other-tab');
  });

  const changePassword: PageData = {
    page: 'change-password',
    spec: FORMS['change-password'],
    values: { email: '' },
    errors: {},
    formError: null,
    flash: [],
  };
  const account: PageData = {
    page: 'account',
    email: 'ada@example.com',
    emailConfirmed: true,
    flash: [],
  };

  it.each([
    ['the account page', account],
    ['the change-password page', changePassword],
  ])('goes from %s to /login when its session ends anywhere', (_, data) => {
    const socket = createFakeSocket();
    const navigate = vi.fn();
    render(() => <App data={data} socket={socket} navigate={navigate} />);
    expect(navigate).not.toHaveBeenCalled();
    socket.endSession();
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/login');
  });

  it('stays on its way to /login after "Log out" when that ends its session', () => {
    const socket = createFakeSocket();
    const navigate = vi.fn();
    render(() => (
      <App
        data={{ ...account, signedInEmail: 'ada@example.com' }}
        socket={socket}
        navigate={navigate}
      />
    ));
    const form = screen.getByRole('button', { name: 'Log out' }).closest('form') as HTMLFormElement;
    // happy-dom does not navigate: the event's default (the post) is what matters here.
    expect(fireEvent.submit(form)).toBe(true);

    socket.endSession();
    expect(navigate).not.toHaveBeenCalled();
  });

  it('hands its navigation to the form, which leaves for its own page when sudo ran out', async () => {
    const socket = createFakeSocket();
    const navigate = vi.fn();
    render(() => (
      <App
        data={changePassword}
        socket={socket}
        navigate={navigate}
        initialValues={{ password: 'old password 1', newPassword: 'new password 2' }}
      />
    ));
    fireEvent.submit(
      screen.getByRole('button', { name: 'Change password' }).closest('form') as HTMLFormElement,
    );
    await flush();
    await socket.reply({
      type: 'refused',
      ref: 1,
      code: 'auth.recent-required',
      message: 'Confirm your password to continue.',
      errors: {},
    });
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/change-password');
  });

  it('stays on its way to /account when the session its handoff replaces ends meanwhile', async () => {
    const socket = createFakeSocket();
    const navigate = vi.fn();
    const onAccepted = vi.fn();
    render(() => (
      <App
        data={changePassword}
        socket={socket}
        navigate={navigate}
        onAccepted={onAccepted}
        initialValues={{ password: 'old password 1', newPassword: 'new password 2' }}
      />
    ));
    fireEvent.submit(
      screen.getByRole('button', { name: 'Change password' }).closest('form') as HTMLFormElement,
    );
    await flush();
    await socket.reply({ type: 'accepted', ref: 1, handoff: 'sealed' });
    expect(onAccepted).toHaveBeenCalledExactlyOnceWith('sealed');

    // The redeem replaced this page's session: its end is announced to this very socket.
    socket.endSession();
    expect(navigate).not.toHaveBeenCalled();
  });

  it('follows a sign-in in another tab, not the end of the session that sign-in replaced', () => {
    const socket = createFakeSocket();
    const navigate = vi.fn();
    render(() => (
      <App
        data={{ page: 'account', email: 'ada@example.com', emailConfirmed: true, flash: [] }}
        socket={socket}
        navigate={navigate}
      />
    ));
    // The other tab's redeem announces the sign-in, then the end of the session it replaced.
    socket.signIn();
    socket.endSession();
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/account?from=other-tab');
  });

  it('stops listening for the end of its session once unmounted', () => {
    const socket = createFakeSocket();
    const navigate = vi.fn();
    render(() => (
      <App
        data={{ page: 'account', email: 'ada@example.com', emailConfirmed: true, flash: [] }}
        socket={socket}
        navigate={navigate}
      />
    ));
    cleanup();
    socket.endSession();
    expect(navigate).not.toHaveBeenCalled();
  });

  it('renders the change-password form with its two fields, empty, and submits both', async () => {
    const socket = createFakeSocket();
    render(() => <App data={changePassword} socket={socket} navigate={vi.fn()} />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Change your password');
    const current = screen.getByLabelText('Current password') as HTMLInputElement;
    const next = screen.getByLabelText('New password') as HTMLInputElement;
    expect([current.value, current.autocomplete, next.value, next.autocomplete]).toEqual([
      '',
      'current-password',
      '',
      'new-password',
    ]);
    fireEvent.input(current, { target: { value: 'old password 1' } });
    fireEvent.input(next, { target: { value: 'new password 2' } });
    const button = screen.getByRole('button', { name: 'Change password' });
    fireEvent.submit(button.closest('form') as HTMLFormElement);
    await flush();
    expect(button.textContent).toBe('Changing…');
    expect(socket.sent.at(-1)).toEqual({
      type: 'submit',
      ref: socket.sent.length,
      form: 'change-password',
      fields: { password: 'old password 1', newPassword: 'new password 2' },
    });
  });
});
