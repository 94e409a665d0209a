/** @vitest-environment happy-dom */
import { cleanup, render, screen, within } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountPage, type AccountPageData } from '../../../client/pages/AccountPage.tsx';
import { ACCOUNT_PAGES } from '../../../shared/account-pages.ts';
import { createFakeSocket } from '../fakes.ts';

const data: AccountPageData = {
  page: 'account',
  email: 'ada@example.com',
  emailConfirmed: true,
  flash: [{ kind: 'info', text: 'Welcome back' }],
  signedInEmail: 'ada@example.com',
};

afterEach(cleanup);

describe('AccountPage', () => {
  it('shows the signed-in email as text in the card', () => {
    render(() => <AccountPage data={data} socket={createFakeSocket()} />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Your account');
    const card = screen.getByRole('main');
    expect(within(card).getByText('ada@example.com').tagName).toBe('STRONG');
  });

  it('has the header’s "Log out" button, posting to /logout', () => {
    render(() => <AccountPage data={data} socket={createFakeSocket()} />);
    const form = screen.getByRole('button', { name: 'Log out' }).closest('form');
    expect(form?.getAttribute('method')).toBe('post');
    expect(form?.getAttribute('action')).toBe('/logout');
  });

  it('shows the flash it is given as a status', () => {
    render(() => <AccountPage data={data} socket={createFakeSocket()} />);
    expect(screen.getByRole('status').textContent).toContain('Welcome back');
  });

  it('links to every account page, in the shared list’s order', () => {
    render(() => <AccountPage data={data} socket={createFakeSocket()} />);
    const links = within(screen.getByRole('main')).getAllByRole('link');
    expect(links.map((link) => [link.textContent, link.getAttribute('href')])).toEqual(
      ACCOUNT_PAGES.map((page) => [page.label, page.path]),
    );
    expect(links.map((link) => link.textContent)).toContain('Change password');
  });

  it('says nothing about confirming a confirmed email', () => {
    render(() => <AccountPage data={data} socket={createFakeSocket()} />);
    expect(screen.queryByRole('heading', { name: 'Confirm your email' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Resend confirmation email' })).toBeNull();
  });

  it('asks to confirm an unconfirmed email, with a "Resend confirmation email" post', () => {
    render(() => (
      <AccountPage data={{ ...data, emailConfirmed: false }} socket={createFakeSocket()} />
    ));
    const section = screen.getByRole('region', { name: 'Confirm your email' });
    const button = within(section).getByRole('button', { name: 'Resend confirmation email' });
    const form = button.closest('form');
    expect(form?.getAttribute('method')).toBe('post');
    expect(form?.getAttribute('action')).toBe('/account/confirmation');
  });
});
