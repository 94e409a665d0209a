/** @vitest-environment happy-dom */
import { cleanup, render } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import './autofocus.ts';
import { App } from '../../client/App.tsx';
import { renderPageBody } from '../../server/pages/markup.ts';
import type { PageData } from '../../shared/page.ts';
import { createFakeSocket } from './fakes.ts';

// The attributes that shape the page: layout (class), wiring (id, for, aria-*) and behaviour.
const ATTRIBUTES = [
  'class',
  'id',
  'for',
  'name',
  'type',
  'autocomplete',
  'required',
  'role',
  'method',
  'action',
  'href',
  'tabindex',
  'autofocus',
  'aria-invalid',
  'aria-describedby',
  'aria-labelledby',
];

/**
 * One line per element: tag, the attributes above, and its own text. Client-only
 * additions are left out: the flash's dismiss button and `novalidate`.
 */
function outline(root: Element): string[] {
  const lines: string[] = [];
  const walk = (element: Element, depth: number) => {
    if (element.classList.contains('flash-dismiss')) return;
    const attributes = ATTRIBUTES.filter((name) => element.hasAttribute(name)).map(
      (name) => `${name}=${element.getAttribute(name)}`,
    );
    const text = [...element.childNodes]
      .filter((node) => node.nodeType === 3)
      .map((node) => node.textContent)
      .join('')
      .trim();
    const value = element instanceof HTMLInputElement ? ` value=${element.value}` : '';
    lines.push(
      `${'  '.repeat(depth)}${element.tagName.toLowerCase()} ${attributes.join(' ')}${value} "${text}"`,
    );
    for (const child of element.children) walk(child, depth + 1);
  };
  for (const child of root.children) walk(child, 0);
  return lines;
}

function serverOutline(data: PageData): string[] {
  const root = document.createElement('div');
  root.innerHTML = renderPageBody(data);
  return outline(root);
}

function clientOutline(data: PageData): string[] {
  const { container } = render(() => <App data={data} socket={createFakeSocket()} />);
  return outline(container);
}

const pages: Record<string, PageData> = {
  'a fresh log-in page': {
    page: 'login',
    values: { email: '' },
    errors: {},
    formError: null,
    flash: [],
  },
  'a log-in page after a failed post, with a flash': {
    page: 'login',
    values: { email: 'ada@example' },
    errors: { email: 'Enter an email address like name@example.com.' },
    formError: { code: 'fields.invalid', message: 'Check the highlighted fields.' },
    flash: [{ kind: 'error', text: 'That sign-in link has expired.' }],
  },
  'a sign-up page with a password error': {
    page: 'signup',
    values: { email: 'ada@example.com' },
    errors: { password: 'Use at least 8 characters.' },
    formError: null,
    flash: [],
  },
  'a change-password page after a wrong current password': {
    page: 'change-password',
    values: { email: '' },
    errors: { password: 'This is not your current password.' },
    formError: { code: 'account.wrong-password', message: 'Nothing was changed.' },
    flash: [],
  },
  'a log-in page after a wrong password (a form error alone)': {
    page: 'login',
    values: { email: 'ada@example.com' },
    errors: {},
    formError: {
      code: 'account.bad-credentials',
      message: 'That email and password do not match.',
    },
    flash: [],
  },
  'a change-password page with both passwords refused': {
    page: 'change-password',
    values: { email: '' },
    errors: {
      password: 'This is not your current password.',
      newPassword: 'Use at least 8 characters.',
    },
    formError: { code: 'account.wrong-password', message: 'Nothing was changed.' },
    flash: [],
  },
  'the account page with its welcome': {
    page: 'account',
    email: 'ada@example.com',
    flash: [{ kind: 'info', text: 'Welcome back' }],
  },
};

afterEach(cleanup);

describe('the client takes over the server’s markup without a visible change', () => {
  for (const [name, data] of Object.entries(pages)) {
    it(`renders the same structure as the server for ${name}`, () => {
      const server = serverOutline(data);
      expect(server.length).toBeGreaterThan(8);
      expect(clientOutline(data)).toEqual(server);
    });
  }
});
