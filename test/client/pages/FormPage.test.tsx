/** @vitest-environment happy-dom */
import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONNECTING_GRACE_MS } from '../../../client/layout/ConnectionStatus.tsx';
import { FormPage, type FormPageData } from '../../../client/pages/FormPage.tsx';
import { FORMS } from '../../../shared/forms.ts';
import { createFakeSocket } from '../fakes.ts';

const login: FormPageData = {
  page: 'login',
  spec: FORMS.login,
  values: { email: '' },
  errors: {},
  formError: null,
  flash: [],
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('FormPage', () => {
  it('has the form’s heading and a link to the other form', () => {
    render(() => <FormPage data={login} socket={createFakeSocket()} />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Log in');
    expect(screen.getByRole('link', { name: 'Create an account' }).getAttribute('href')).toBe(
      '/signup',
    );
  });

  it('says what the form does above it: the form’s own intro, or a link’s words in its place', () => {
    const confirm: FormPageData = { ...login, page: 'confirm', spec: FORMS.confirm };
    render(() => <FormPage data={confirm} socket={createFakeSocket()} />);
    expect(document.querySelector('.form-intro')?.textContent).toBe(FORMS.confirm.intro);
    cleanup();

    render(() => (
      <FormPage data={{ ...confirm, intro: 'The link’s own words.' }} socket={createFakeSocket()} />
    ));
    expect(document.querySelector('.form-intro')?.textContent).toBe('The link’s own words.');
    cleanup();

    render(() => <FormPage data={login} socket={createFakeSocket()} />);
    expect(document.querySelector('.form-intro')).toBeNull();
  });

  it('keeps what the person typed before the script loaded over the server’s prefill', () => {
    render(() => (
      <FormPage
        data={{ ...login, values: { email: 'old@example.com' } }}
        socket={createFakeSocket()}
        initialValues={{ email: 'typed@example.com', password: 'typed' }}
      />
    ));
    expect((screen.getByLabelText('Email') as HTMLInputElement).value).toBe('typed@example.com');
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('typed');
  });

  it('shows an error flash as an alert and an info flash as a status, each dismissable', () => {
    render(() => (
      <FormPage
        data={{
          ...login,
          flash: [
            { kind: 'error', text: 'That sign-in link has expired. Please log in again.' },
            { kind: 'info', text: 'You are signed out.' },
          ],
        }}
        socket={createFakeSocket()}
      />
    ));
    expect(screen.getByRole('alert').textContent).toContain('That sign-in link has expired.');
    expect(screen.getByRole('status').textContent).toContain('You are signed out.');
    const [first, second] = screen.getAllByRole('button', { name: 'Dismiss' });
    fireEvent.click(first as HTMLElement);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('heading', { level: 1 }));
    fireEvent.click(second as HTMLElement);
    expect(screen.queryByRole('status')).toBeNull();
    expect(document.querySelector('.flashes')).toBeNull();
  });

  it('says "Reconnecting…" as soon as an open socket goes down, and keeps the typed text', () => {
    const socket = createFakeSocket('open');
    render(() => <FormPage data={login} socket={socket} />);
    const email = screen.getByLabelText('Email') as HTMLInputElement;
    email.value = 'ada@example.com';
    fireEvent.input(email);
    expect(screen.queryByRole('status')).toBeNull();
    socket.setState('reconnecting');
    expect(screen.getByRole('status').textContent).toBe('Reconnecting…');
    expect((screen.getByLabelText('Email') as HTMLInputElement).value).toBe('ada@example.com');
    socket.setState('open');
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('says "Reconnecting…" when the first connection takes longer than a moment', () => {
    const socket = createFakeSocket('connecting');
    render(() => <FormPage data={login} socket={socket} />);
    vi.advanceTimersByTime(CONNECTING_GRACE_MS - 1);
    expect(screen.queryByRole('status')).toBeNull();
    vi.advanceTimersByTime(1);
    expect(screen.getByRole('status').textContent).toBe('Reconnecting…');
  });
});
