/** @vitest-environment happy-dom */
import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountPage, type AccountPageData } from '../../../client/pages/AccountPage.tsx';
import { createFakeSocket } from '../fakes.ts';

const data: AccountPageData = {
  page: 'account',
  email: 'ada@example.com',
  flash: [{ kind: 'info', text: 'Welcome back' }],
};

afterEach(cleanup);

describe('AccountPage', () => {
  it('shows the signed-in email as text and a "Log out" button posting to /logout', () => {
    render(() => <AccountPage data={data} socket={createFakeSocket()} />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Your account');
    expect(screen.getByText('ada@example.com').tagName).toBe('STRONG');
    const button = screen.getByRole('button', { name: 'Log out' });
    const form = button.closest('form');
    expect(form?.getAttribute('method')).toBe('post');
    expect(form?.getAttribute('action')).toBe('/logout');
  });

  it('shows the flash it is given as a status', () => {
    render(() => <AccountPage data={data} socket={createFakeSocket()} />);
    expect(screen.getByRole('status').textContent).toContain('Welcome back');
  });

  it('links to the change-password form', () => {
    render(() => <AccountPage data={data} socket={createFakeSocket()} />);
    expect(screen.getByRole('link', { name: 'Change password' }).getAttribute('href')).toBe(
      '/change-password',
    );
  });

  it('closes its socket when logging out, so the POST’s own redirect wins', () => {
    const socket = createFakeSocket();
    render(() => <AccountPage data={data} socket={socket} />);
    const form = screen.getByRole('button', { name: 'Log out' }).closest('form') as HTMLFormElement;
    expect(fireEvent.submit(form)).toBe(true);
    expect(socket.closed).toBe(true);
  });
});
