/** @vitest-environment happy-dom */
import { cleanup, render, screen, within } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Shell } from '../../../client/layout/Shell.tsx';
import { ACCOUNT_PAGES } from '../../../shared/account-pages.ts';
import { createFakeSocket } from '../fakes.ts';

afterEach(cleanup);

function renderShell(signedInEmail: string | null | undefined, path?: string) {
  render(() => (
    <Shell
      socket={createFakeSocket()}
      title="A page"
      initialFlash={[]}
      signedInEmail={signedInEmail}
      path={path}
    >
      <p>content</p>
    </Shell>
  ));
  return screen.getByRole('banner');
}

describe('Shell’s header', () => {
  it.each([null, undefined])(
    'signed out (%s): the brand, linking home, and nothing else',
    (email) => {
      const header = renderShell(email);
      expect(within(header).getByRole('link', { name: 'Baton' }).getAttribute('href')).toBe('/');
      expect(within(header).getAllByRole('link')).toHaveLength(1);
      expect(within(header).queryByRole('navigation')).toBeNull();
      expect(within(header).queryByRole('button')).toBeNull();
    },
  );

  it('signed in: the email as text, a link to each account page and "Log out"', () => {
    const header = renderShell('ada@example.com');
    const nav = within(header).getByRole('navigation', { name: 'Account' });
    expect(within(nav).getByText('ada@example.com').tagName).toBe('P');
    const links = within(nav).getAllByRole('link');
    expect(links.map((link) => [link.textContent, link.getAttribute('href')])).toEqual(
      ACCOUNT_PAGES.map((page) => [page.label, page.path]),
    );
    const logOut = within(nav).getByRole('button', { name: 'Log out' });
    expect(logOut.getAttribute('type')).toBe('submit');
    const form = logOut.closest('form');
    expect(form?.getAttribute('method')).toBe('post');
    expect(form?.getAttribute('action')).toBe('/logout');
  });

  it('marks the link to the page it is on as the current page, and only that one', () => {
    const header = renderShell('ada@example.com', '/change-password');
    const current = within(header).getByRole('link', { name: 'Change password' });
    expect(current.getAttribute('aria-current')).toBe('page');
    expect(header.querySelectorAll('[aria-current]')).toHaveLength(1);
  });

  it('marks no link on a page that is not in the list', () => {
    const header = renderShell('ada@example.com', '/account');
    expect(header.querySelectorAll('[aria-current]')).toHaveLength(0);
  });
});
