/** @vitest-environment happy-dom */
import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import '../autofocus.ts';
import { LiveForm } from '../../../client/forms/LiveForm.tsx';
import type { LiveFormInitial } from '../../../client/live/form.ts';
import { createLiveSocket } from '../../../client/live/socket.ts';
import { FORMS } from '../../../shared/forms.ts';
import type { FormName } from '../../../shared/protocol.ts';
import { createFakeSocket, type FakeSocket, FakeWebSocket, flush } from '../fakes.ts';

const empty: LiveFormInitial = { values: { email: '', password: '' }, errors: {}, formError: null };

function renderForm(
  options: {
    form?: FormName;
    socket?: FakeSocket;
    initial?: LiveFormInitial;
    onAccepted?: (handoff: string) => void;
  } = {},
) {
  const socket = options.socket ?? createFakeSocket();
  render(() => (
    <LiveForm
      spec={FORMS[options.form ?? 'login']}
      socket={socket}
      initial={options.initial ?? empty}
      onAccepted={options.onAccepted}
    />
  ));
  const email = screen.getByLabelText('Email') as HTMLInputElement;
  const password = screen.getByLabelText('Password') as HTMLInputElement;
  const form = email.form as HTMLFormElement;
  return { socket, email, password, form };
}

function type(input: HTMLInputElement, value: string): void {
  input.value = value;
  fireEvent.input(input);
}

/** The text of the element that describes `input`. */
function description(input: HTMLInputElement): string | null | undefined {
  const id = input.getAttribute('aria-describedby');
  return id ? document.getElementById(id)?.textContent : null;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('LiveForm', () => {
  it('renders the log-in form with its labels, a real post to /login and its button', () => {
    const { email, password, form } = renderForm();
    expect(email.type).toBe('email');
    expect(email.getAttribute('autocomplete')).toBe('username webauthn');
    expect(email.required).toBe(true);
    expect(password.type).toBe('password');
    expect(password.getAttribute('autocomplete')).toBe('current-password');
    expect(form.getAttribute('method')).toBe('post');
    expect(form.getAttribute('action')).toBe('/login');
    expect(screen.getByRole('button', { name: 'Log in' }).getAttribute('type')).toBe('submit');
  });

  it('renders the sign-up form with a new-password field described by its hint', () => {
    const { email, password, form } = renderForm({ form: 'signup' });
    expect(form.getAttribute('action')).toBe('/signup');
    expect(email.getAttribute('autocomplete')).toBe('email');
    expect(password.getAttribute('autocomplete')).toBe('new-password');
    expect(description(password)).toBe('At least 8 characters.');
    expect(screen.getByRole('button', { name: 'Sign up' })).toBeTruthy();
  });

  it('shows a sign-up password error in place of the hint', async () => {
    const { socket, password } = renderForm({ form: 'signup' });
    type(password, 'short');
    fireEvent.blur(password);
    await socket.reply({
      type: 'validated',
      ref: 1,
      errors: { password: 'Use at least 8 characters.' },
    });
    expect(password.getAttribute('aria-describedby')).toBe('signup-password-error');
    expect(description(password)).toBe('Use at least 8 characters.');
    expect(screen.queryByText('At least 8 characters.')).toBeNull();
  });

  it('prefills the email it is given', () => {
    const { email } = renderForm({
      initial: { ...empty, values: { email: 'ada@example.com', password: '' } },
    });
    expect(email.value).toBe('ada@example.com');
  });

  it('validates once, 200 ms after the last keystroke', () => {
    const { socket, email } = renderForm();
    type(email, 'a');
    vi.advanceTimersByTime(150);
    type(email, 'ad');
    vi.advanceTimersByTime(199);
    expect(socket.sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(socket.sent).toEqual([
      { type: 'validate', ref: 1, form: 'login', fields: { email: 'ad', password: '' } },
    ]);
  });

  it('validates at once when a field is left', () => {
    const { socket, email } = renderForm();
    type(email, 'ada');
    fireEvent.blur(email);
    expect(socket.sent).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(socket.sent).toHaveLength(1);
  });

  it('leaves the check to the submit when the field is left for the submit button', () => {
    const { socket, email, form } = renderForm();
    type(email, 'ada');
    const button = form.querySelector('button[type="submit"]') as HTMLButtonElement;
    fireEvent.blur(email, { relatedTarget: button });
    expect(socket.sent).toEqual([]);
    // The press is abandoned: the check of the last keystroke still runs.
    vi.advanceTimersByTime(200);
    expect(socket.sent).toEqual([
      { type: 'validate', ref: 1, form: 'login', fields: { email: 'ada', password: '' } },
    ]);
  });

  it('keeps a field’s error back until the field is left', async () => {
    const { socket, email } = renderForm();
    type(email, 'ada');
    vi.advanceTimersByTime(200);
    await socket.reply({
      type: 'validated',
      ref: 1,
      errors: { email: 'Enter an email address like name@example.com.' },
    });
    expect(email.hasAttribute('aria-invalid')).toBe(false);
    expect(screen.queryByText('Enter an email address like name@example.com.')).toBeNull();

    fireEvent.blur(email);
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(email.getAttribute('aria-describedby')).toBe('login-email-error');
    expect(description(email)).toBe('Enter an email address like name@example.com.');
  });

  it('shows the error of the reply beside its field, and clears it when fixed', async () => {
    const { socket, email, password } = renderForm();
    type(email, 'ada');
    fireEvent.blur(email);
    await socket.reply({
      type: 'validated',
      ref: 1,
      errors: { email: 'Enter an email address like name@example.com.' },
    });
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(password.hasAttribute('aria-invalid')).toBe(false);
    const error = document.getElementById('login-email-error');
    expect(error?.closest('.field')?.contains(email)).toBe(true);

    type(email, 'ada@example.com');
    vi.advanceTimersByTime(200);
    await socket.reply({ type: 'validated', ref: 2, errors: {} });
    expect(email.hasAttribute('aria-invalid')).toBe(false);
    expect(email.hasAttribute('aria-describedby')).toBe(false);
    expect(document.getElementById('login-email-error')).toBeNull();
  });

  it('drops a reply older than the last one applied', async () => {
    const { socket, email } = renderForm();
    type(email, 'ada');
    fireEvent.blur(email);
    type(email, 'ada@example.com');
    fireEvent.blur(email);
    expect(socket.sent.map((message) => message.ref)).toEqual([1, 2]);
    await socket.reply({ type: 'validated', ref: 2, errors: {} });
    await socket.reply({ type: 'validated', ref: 1, errors: { email: 'Stale.' } });
    expect(email.hasAttribute('aria-invalid')).toBe(false);
    expect(screen.queryByText('Stale.')).toBeNull();
  });

  it('submits over the socket and locks the button while the submit is in flight', () => {
    const { socket, email, password, form } = renderForm();
    type(email, 'ada@example.com');
    type(password, 'correct horse');
    const allowed = fireEvent.submit(form);
    expect(allowed).toBe(false);
    expect(socket.sent).toEqual([
      {
        type: 'submit',
        ref: 1,
        form: 'login',
        fields: { email: 'ada@example.com', password: 'correct horse' },
      },
    ]);
    const button = screen.getByRole('button', { name: 'Logging in…' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);

    expect(fireEvent.submit(form)).toBe(false);
    expect(socket.sent).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(socket.sent).toHaveLength(1);
  });

  it('renders "Remember me" as a checkbox posting remember=on, and submits it ticked', () => {
    const { socket, email, password, form } = renderForm();
    const remember = screen.getByLabelText('Remember me') as HTMLInputElement;
    expect(remember.type).toBe('checkbox');
    expect(remember.name).toBe('remember');
    expect(remember.value).toBe('on');
    expect(remember.checked).toBe(false);
    expect(remember.required).toBe(false);

    type(email, 'ada@example.com');
    type(password, 'correct horse');
    remember.checked = true;
    fireEvent.change(remember);
    fireEvent.submit(form);

    expect(socket.sent.at(-1)).toEqual({
      type: 'submit',
      ref: 1,
      form: 'login',
      fields: { email: 'ada@example.com', password: 'correct horse', remember: 'on' },
    });
  });

  it('renders "Remember me" ticked when the server echoed it', () => {
    renderForm({ initial: { ...empty, values: { ...empty.values, remember: 'on' } } });
    expect((screen.getByLabelText('Remember me') as HTMLInputElement).checked).toBe(true);
  });

  it('says "Signing up…" on the sign-up form while in flight', () => {
    const { form } = renderForm({ form: 'signup' });
    fireEvent.submit(form);
    expect(screen.getByRole('button', { name: 'Signing up…' })).toBeTruthy();
  });

  it('on a refused submit shows the message as an alert and focuses the first invalid field', async () => {
    const { socket, email, password, form } = renderForm();
    type(email, 'ada@example.com');
    fireEvent.submit(form);
    await socket.reply({
      type: 'refused',
      ref: 1,
      code: 'fields.invalid',
      message: 'Check the highlighted fields.',
      errors: { password: 'Enter your password.' },
    });
    expect(screen.getByRole('alert').textContent).toBe('Check the highlighted fields.');
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(description(password)).toBe('Enter your password.');
    expect(email.hasAttribute('aria-invalid')).toBe(false);
    expect(document.activeElement).toBe(password);
    const button = screen.getByRole('button', { name: 'Log in' }) as HTMLButtonElement;
    expect(button.disabled).toBe(false);
  });

  it('shows every field error after a submit attempt, touched or not', async () => {
    const { socket, email, password, form } = renderForm();
    fireEvent.submit(form);
    await socket.reply({
      type: 'refused',
      ref: 1,
      code: 'fields.invalid',
      message: 'Check the highlighted fields.',
      errors: { email: 'Enter your email address.', password: 'Enter your password.' },
    });
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(email);
  });

  it('focuses the form’s error when a refusal names no field, though the button was clicked', async () => {
    const { socket, email, password, form } = renderForm();
    type(email, 'ada@example.com');
    type(password, 'not the password');
    // A click focuses the button before the form submits.
    (screen.getByRole('button', { name: 'Log in' }) as HTMLButtonElement).focus();
    fireEvent.submit(form);
    await socket.reply({
      type: 'refused',
      ref: 1,
      code: 'account.bad-credentials',
      message: 'That email and password do not match an account.',
      errors: {},
    });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toBe('That email and password do not match an account.');
    expect(alert.getAttribute('tabindex')).toBe('-1');
    expect(document.activeElement).toBe(alert);
  });

  it('moves the focus from the clicked button to the first invalid field', async () => {
    const { socket, email, password, form } = renderForm({ form: 'signup' });
    type(email, 'ada@example.com');
    type(password, 'short');
    (screen.getByRole('button', { name: 'Sign up' }) as HTMLButtonElement).focus();
    fireEvent.submit(form);
    await socket.reply({
      type: 'refused',
      ref: 1,
      code: 'form.invalid',
      message: 'Check the highlighted fields and try again.',
      errors: { password: 'Use at least 8 characters.' },
    });
    expect(document.activeElement).toBe(password);
  });

  it('empties the password after a refusal, keeps the email, and sends the retyped one', async () => {
    const { socket, email, password, form } = renderForm();
    type(email, 'ada@example.com');
    type(password, 'not the password');
    fireEvent.submit(form);
    await socket.reply({
      type: 'refused',
      ref: 1,
      code: 'account.bad-credentials',
      message: 'That email and password do not match an account.',
      errors: {},
    });
    expect(password.value).toBe('');
    expect(email.value).toBe('ada@example.com');

    type(password, 'the password');
    fireEvent.submit(form);
    expect(socket.sent.at(-1)).toEqual({
      type: 'submit',
      ref: 2,
      form: 'login',
      fields: { email: 'ada@example.com', password: 'the password' },
    });
  });

  it('keeps the password when the reply is lost rather than refused, and focuses the error', async () => {
    const { socket, password, form } = renderForm();
    type(password, 'correct horse');
    fireEvent.submit(form);
    await socket.fail(1, 'socket.timeout', 'The server took too long to answer.');
    expect(password.value).toBe('correct horse');
    expect(document.activeElement).toBe(screen.getByRole('alert'));
  });

  it('leaves validation replies alone: the password stays while the person types', async () => {
    const { socket, password } = renderForm({ form: 'signup' });
    type(password, 'short');
    fireEvent.blur(password);
    await socket.reply({
      type: 'validated',
      ref: 1,
      errors: { password: 'Use at least 8 characters.' },
    });
    expect(password.value).toBe('short');
  });

  it('marks nothing to focus on a fresh page', () => {
    const { form } = renderForm();
    expect(form.querySelectorAll('[autofocus]')).toHaveLength(0);
  });

  it('opens a page rendered after a refused post on its first invalid field', () => {
    const { email, password, form } = renderForm({
      initial: {
        values: { email: 'ada', password: '' },
        errors: { email: 'Enter an email address like name@example.com.', password: 'Enter it.' },
        formError: { code: 'form.invalid', message: 'Check the highlighted fields.' },
      },
    });
    expect(email.hasAttribute('autofocus')).toBe(true);
    expect(password.hasAttribute('autofocus')).toBe(false);
    expect(form.querySelectorAll('[autofocus]')).toHaveLength(1);
  });

  it('opens a page rendered after a refused post on its error when no field is invalid', () => {
    const { form } = renderForm({
      initial: {
        values: { email: 'ada@example.com', password: '' },
        errors: {},
        formError: { code: 'account.bad-credentials', message: 'That email and password…' },
      },
    });
    expect([...form.querySelectorAll('[autofocus]')]).toEqual([screen.getByRole('alert')]);
  });

  it('posts an accepted handoff to /handoff in a hidden form field', async () => {
    const submit = vi.spyOn(HTMLFormElement.prototype, 'submit').mockImplementation(() => {});
    const { socket, form } = renderForm();
    fireEvent.submit(form);
    await socket.reply({ type: 'accepted', ref: 1, handoff: 'sealed.handoff.token' });
    expect(submit).toHaveBeenCalledOnce();
    const posted = submit.mock.contexts[0] as HTMLFormElement;
    expect(posted).not.toBe(form);
    expect(posted.isConnected).toBe(true);
    expect(posted.getAttribute('method')).toBe('post');
    expect(posted.getAttribute('action')).toBe('/handoff');
    const inputs = posted.querySelectorAll('input');
    expect(inputs).toHaveLength(1);
    expect(inputs[0]?.type).toBe('hidden');
    expect(inputs[0]?.name).toBe('handoff');
    expect(inputs[0]?.value).toBe('sealed.handoff.token');
    // The page is leaving: the button stays locked.
    expect(screen.getByRole('button', { name: 'Logging in…' })).toBeTruthy();
  });

  it('lets the browser post the form itself when the socket is not open', () => {
    const socket = createFakeSocket('reconnecting');
    const { form } = renderForm({ socket });
    expect(fireEvent.submit(form)).toBe(true);
    expect(socket.sent).toEqual([]);
    expect(screen.getByRole('button', { name: 'Log in' })).toBeTruthy();
  });

  describe('when the connection drops with a submit in flight', () => {
    const lost = 'Lost the connection to the server. Please try again.';
    const fields = { email: 'ada@example.com', password: 'correct horse' };

    /** Submits, then loses the connection before the reply: the socket says reconnecting. */
    async function submitAndDrop() {
      const rendered = renderForm();
      type(rendered.email, fields.email);
      type(rendered.password, fields.password);
      fireEvent.submit(rendered.form);
      rendered.socket.setState('reconnecting');
      await rendered.socket.fail(1, 'socket.closed', lost);
      return rendered;
    }

    it('keeps the button locked while it waits for the socket, and shows no error', async () => {
      await submitAndDrop();
      vi.advanceTimersByTime(4000);
      const button = screen.getByRole('button', { name: 'Logging in…' }) as HTMLButtonElement;
      expect(button.disabled).toBe(true);
      expect(screen.queryByRole('alert')).toBeNull();
    });

    it('sends the submit once more after reconnecting and applies its reply', async () => {
      const onAccepted = vi.fn();
      const socket = createFakeSocket();
      const { form } = renderForm({ socket, onAccepted });
      type(screen.getByLabelText('Email') as HTMLInputElement, fields.email);
      type(screen.getByLabelText('Password') as HTMLInputElement, fields.password);
      fireEvent.submit(form);
      socket.setState('reconnecting');
      await socket.fail(1, 'socket.closed', lost);
      expect(socket.sent.filter((m) => m.type === 'submit')).toHaveLength(1);

      socket.setState('open');
      await flush();
      vi.advanceTimersByTime(60_000);
      expect(socket.sent).toEqual([
        { type: 'submit', ref: 1, form: 'login', fields },
        { type: 'submit', ref: 2, form: 'login', fields },
      ]);
      await socket.reply({ type: 'accepted', ref: 2, handoff: 'sealed.after.reconnect' });
      expect(onAccepted).toHaveBeenCalledExactlyOnceWith('sealed.after.reconnect');
    });

    it('applies a refusal of the resent submit like any other', async () => {
      const { socket, password } = await submitAndDrop();
      socket.setState('open');
      await flush();
      await socket.reply({
        type: 'refused',
        ref: 2,
        code: 'login.failed',
        message: 'That email and password do not match.',
        errors: { password: 'Check your password.' },
      });
      expect(screen.getByRole('alert').textContent).toBe('That email and password do not match.');
      expect(password.getAttribute('aria-invalid')).toBe('true');
      expect(document.activeElement).toBe(password);
    });

    it('resends only once: a second lost reply is shown and unlocks the button', async () => {
      const { socket } = await submitAndDrop();
      socket.setState('open');
      await flush();
      socket.setState('reconnecting');
      await socket.fail(2, 'socket.closed', lost);
      socket.setState('open');
      await flush();
      expect(socket.sent).toHaveLength(2);
      expect(screen.getByRole('alert').textContent).toBe(lost);
      expect((screen.getByRole('button', { name: 'Log in' }) as HTMLButtonElement).disabled).toBe(
        false,
      );
    });

    it('gives up after 5 s without a connection, says so and unlocks the button', async () => {
      const { socket, form } = await submitAndDrop();
      vi.advanceTimersByTime(5000);
      await flush();
      expect(screen.getByRole('alert').textContent).toBe(lost);
      expect((screen.getByRole('button', { name: 'Log in' }) as HTMLButtonElement).disabled).toBe(
        false,
      );
      // The socket is still down: trying again posts the form over HTTP.
      expect(fireEvent.submit(form)).toBe(true);
      socket.setState('open');
      await flush();
      expect(socket.sent).toHaveLength(1);
    });

    it('gives up at once when the socket closes for good', async () => {
      const { socket } = await submitAndDrop();
      socket.setState('closed');
      await flush();
      expect(screen.getByRole('alert').textContent).toBe(lost);
      expect(socket.sent).toHaveLength(1);
    });

    it('does not resend a submit that timed out on an open socket', async () => {
      const { socket, form } = renderForm();
      fireEvent.submit(form);
      await socket.fail(1, 'socket.timeout', 'The server took too long to answer.');
      expect(screen.getByRole('alert').textContent).toBe('The server took too long to answer.');
      expect(socket.sent).toHaveLength(1);
    });
  });

  it('shows the errors the server rendered at once', () => {
    const { email } = renderForm({
      initial: {
        values: { email: 'ada', password: '' },
        errors: { email: 'Enter an email address like name@example.com.' },
        formError: { code: 'fields.invalid', message: 'Check the highlighted fields.' },
      },
    });
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(description(email)).toBe('Enter an email address like name@example.com.');
    expect(screen.getByRole('alert').textContent).toBe('Check the highlighted fields.');
  });
});

describe('LiveForm changing the password', () => {
  function renderChangePassword() {
    const socket = createFakeSocket();
    render(() => <LiveForm spec={FORMS['change-password']} socket={socket} initial={empty} />);
    const current = screen.getByLabelText('Current password') as HTMLInputElement;
    const chosen = screen.getByLabelText('New password') as HTMLInputElement;
    return { socket, current, chosen, form: current.form as HTMLFormElement };
  }

  it('shows both errors when both passwords are refused, focuses the first and empties both', async () => {
    const { socket, current, chosen, form } = renderChangePassword();
    type(current, 'not the password');
    type(chosen, 'short');
    (screen.getByRole('button', { name: 'Change password' }) as HTMLButtonElement).focus();
    fireEvent.submit(form);
    await socket.reply({
      type: 'refused',
      ref: 1,
      code: 'account.wrong-password',
      message: 'Your current password was not right. Nothing was changed.',
      errors: {
        password: 'This is not your current password.',
        newPassword: 'Use at least 8 characters.',
      },
    });
    expect(current.getAttribute('aria-invalid')).toBe('true');
    expect(description(current)).toBe('This is not your current password.');
    expect(chosen.getAttribute('aria-invalid')).toBe('true');
    expect(description(chosen)).toBe('Use at least 8 characters.');
    expect(document.activeElement).toBe(current);
    expect([current.value, chosen.value]).toEqual(['', '']);
  });

  it('focuses the new password when only it is refused', async () => {
    const { socket, current, chosen, form } = renderChangePassword();
    type(current, 'the password');
    type(chosen, 'short');
    fireEvent.submit(form);
    await socket.reply({
      type: 'refused',
      ref: 1,
      code: 'form.invalid',
      message: 'Check the highlighted fields and try again.',
      errors: { newPassword: 'Use at least 8 characters.' },
    });
    expect(current.hasAttribute('aria-invalid')).toBe(false);
    expect(document.activeElement).toBe(chosen);
  });
});

describe('LiveForm for a form that asks for a recent authentication', () => {
  /** change-password as a `recentAuth` form, as a "Delete account" form would be. */
  const sensitive = { ...FORMS['change-password'], recentAuth: true };

  it('goes to its own page when sudo ran out, which sends the person to confirm and back', async () => {
    const socket = createFakeSocket();
    const navigate = vi.fn();
    render(() => (
      <LiveForm
        spec={sensitive}
        socket={socket}
        initial={{ values: { password: 'p1', newPassword: 'p2' }, errors: {}, formError: null }}
        navigate={navigate}
      />
    ));
    const button = screen.getByRole('button', { name: 'Change password' }) as HTMLButtonElement;
    fireEvent.submit(button.closest('form') as HTMLFormElement);
    await socket.reply({
      type: 'refused',
      ref: 1,
      code: 'auth.recent-required',
      message: 'Confirm your password to continue.',
      errors: {},
    });
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/change-password');
    // The page is leaving: the button stays locked and no error flashes up meanwhile.
    expect(button.disabled).toBe(true);
    expect(button.textContent).toBe('Changing…');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows any other refusal as usual, without leaving', async () => {
    const socket = createFakeSocket();
    const navigate = vi.fn();
    render(() => <LiveForm spec={sensitive} socket={socket} initial={empty} navigate={navigate} />);
    fireEvent.submit(
      screen.getByRole('button', { name: 'Change password' }).closest('form') as HTMLFormElement,
    );
    await socket.reply({
      type: 'refused',
      ref: 1,
      code: 'auth.required',
      message: 'Your session has ended. Log in again to continue.',
      errors: {},
    });
    expect(navigate).not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toBe(
      'Your session has ended. Log in again to continue.',
    );
  });
});

describe('LiveForm button style', () => {
  it('styles the button of a `danger` form as dangerous', () => {
    const socket = createFakeSocket();
    render(() => (
      <LiveForm
        spec={{ ...FORMS['confirm-password'], danger: true }}
        socket={socket}
        initial={empty}
      />
    ));
    expect(screen.getByRole('button', { name: 'Confirm' }).className).toBe('button button-danger');
  });

  it('styles every other button as the main action', () => {
    renderForm();
    expect(screen.getByRole('button', { name: 'Log in' }).className).toBe('button');
  });
});

describe('LiveForm over the real live socket', () => {
  beforeEach(() => FakeWebSocket.reset());

  it('resends a submit lost with the connection exactly once, on the new socket', async () => {
    const onAccepted = vi.fn();
    const socket = createLiveSocket({
      url: 'ws://test/live',
      WebSocket: FakeWebSocket,
      random: () => 1,
    });
    render(() => (
      <LiveForm spec={FORMS.login} socket={socket} initial={empty} onAccepted={onAccepted} />
    ));
    const email = screen.getByLabelText('Email') as HTMLInputElement;
    const password = screen.getByLabelText('Password') as HTMLInputElement;
    const form = email.form as HTMLFormElement;
    FakeWebSocket.last.open();
    type(email, 'ada@example.com');
    type(password, 'correct horse');
    fireEvent.submit(form);
    const first = FakeWebSocket.last;
    expect(first.sent).toEqual([
      {
        type: 'submit',
        ref: 1,
        form: 'login',
        fields: { email: 'ada@example.com', password: 'correct horse' },
      },
    ]);

    first.drop(1006);
    await flush();
    expect(screen.getByRole('button', { name: 'Logging in…' })).toBeTruthy();
    vi.advanceTimersByTime(250);
    const second = FakeWebSocket.last;
    expect(second).not.toBe(first);
    second.open();
    await flush();
    expect(second.sent).toEqual([
      {
        type: 'submit',
        ref: 2,
        form: 'login',
        fields: { email: 'ada@example.com', password: 'correct horse' },
      },
    ]);

    second.receive({ type: 'accepted', ref: 2, handoff: 'sealed.once' });
    await flush();
    expect(onAccepted).toHaveBeenCalledExactlyOnceWith('sealed.once');
    // A late reply to the first submit, had it arrived, is no longer awaited by anyone.
    second.receive({ type: 'accepted', ref: 1, handoff: 'sealed.late' });
    await flush();
    expect(onAccepted).toHaveBeenCalledOnce();
    expect(first.sent).toHaveLength(1);
    socket.close();
  });
});
