import { Window } from 'happy-dom';
import { describe, expect, it } from 'vitest';
import { serializePageData } from '../../../server/pages/render.ts';
import { FORMS } from '../../../shared/forms.ts';
import { pageTitle } from '../../../shared/names.ts';
import type { PageData } from '../../../shared/page.ts';
import type { FormName } from '../../../shared/protocol.ts';
import { builtPages } from '../../helpers/build-client.ts';

// The pages as the server sends them: Solid's server rendering of the components (the build
// test/global-setup.ts made), in the document.
const renderPage = await builtPages();
const renderDocument = (data: PageData) => renderPage(data) as string;

const login: Extract<PageData, { page: FormName }> = {
  page: 'login',
  spec: FORMS.login,
  values: { email: '' },
  errors: {},
  formError: null,
  flash: [],
};

function parse(html: string): Document {
  const window = new Window();
  return new window.DOMParser().parseFromString(html, 'text/html') as unknown as Document;
}

function embedded(document: Document): unknown {
  return JSON.parse(document.getElementById('baton-page')?.textContent ?? 'null');
}

const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>'&`;

describe('a page as the server renders it', () => {
  it('has the title, the page’s markup and its data', () => {
    const document = parse(renderDocument(login));
    expect(document.title).toBe('Log in · Baton');
    expect(document.querySelector('#app form')).not.toBeNull();
    expect(embedded(document)).toEqual(login);
  });

  it('loads exactly its own entry and styles: the form entry on form pages, the account entry on /account', () => {
    const assets = (data: PageData) => {
      const document = parse(renderDocument(data));
      return {
        scripts: [...document.querySelectorAll('script[src]')].map((s) => s.getAttribute('src')),
        preloads: document.querySelectorAll('link[rel="modulepreload"]').length,
        styles: document.querySelectorAll('link[rel="stylesheet"]').length,
      };
    };
    for (const page of ['login', 'signup', 'change-password'] as const) {
      const loaded = assets({ ...login, page });
      expect(loaded.scripts).toEqual([expect.stringMatching(/^\/assets\/form-[\w-]+\.js$/)]);
      expect(loaded).toMatchObject({ preloads: 0, styles: 1 });
    }
    const account = assets({
      page: 'account',
      email: 'ada@example.com',
      emailConfirmed: true,
      flash: [],
    });
    expect(account.scripts).toEqual([expect.stringMatching(/^\/assets\/account-[\w-]+\.js$/)]);
    expect(account).toMatchObject({ preloads: 0, styles: 1 });
  });

  it('renders the flash’s dismiss button hidden: without JavaScript it could do nothing', () => {
    const document = parse(renderDocument({ ...login, flash: [{ kind: 'info', text: 'Hi' }] }));
    const button = document.querySelector('.flash-dismiss') as HTMLButtonElement;
    expect(button.getAttribute('aria-label')).toBe('Dismiss');
    expect(button.hasAttribute('hidden')).toBe(true);
  });

  it('titles each page after its heading', () => {
    expect(pageTitle({ ...login, page: 'signup', spec: FORMS.signup })).toBe(
      'Create your account · Baton',
    );
    expect(pageTitle({ page: 'account', email: 'a@b.co', emailConfirmed: true, flash: [] })).toBe(
      'Your account · Baton',
    );
  });

  it('renders the log-in form as a plain post with labelled, required fields', () => {
    const document = parse(renderDocument(login));
    const form = document.querySelector('form') as HTMLFormElement;
    expect(form.getAttribute('method')).toBe('post');
    expect(form.getAttribute('action')).toBe('/login');
    expect(form.hasAttribute('novalidate')).toBe(false);
    for (const [name, label, type, autocomplete] of [
      // The account's name, where the browser may offer its passkeys too (WebAuthn wants
      // `webauthn` last).
      ['email', 'Email', 'email', 'username webauthn'],
      ['password', 'Password', 'password', 'current-password'],
    ]) {
      const input = form.querySelector(`input[name="${name}"]`) as HTMLInputElement;
      expect(document.querySelector(`label[for="${input.id}"]`)?.textContent).toBe(label);
      expect(input.getAttribute('type')).toBe(type);
      expect(input.getAttribute('autocomplete')).toBe(autocomplete);
      expect(input.hasAttribute('required')).toBe(true);
    }
    const button = form.querySelector('button') as HTMLButtonElement;
    expect(button.getAttribute('type')).toBe('submit');
    expect(button.textContent).toBe('Log in');
    expect(document.querySelector('a[href="/signup"]')?.textContent).toBe('Create an account');
  });

  it('renders the sign-up form posting to /signup, the password described by its hint', () => {
    const document = parse(renderDocument({ ...login, page: 'signup', spec: FORMS.signup }));
    expect(document.querySelector('form')?.getAttribute('action')).toBe('/signup');
    const password = document.querySelector('input[name="password"]') as HTMLInputElement;
    expect(password.getAttribute('autocomplete')).toBe('new-password');
    const hint = document.getElementById(password.getAttribute('aria-describedby') ?? '');
    expect(hint?.textContent).toBe('At least 8 characters.');
    expect(document.querySelector('button')?.textContent).toBe('Sign up');
  });

  it('prefills the email and escapes it in the attribute and the data', () => {
    const email = `ada${hostile}@example.com`;
    const html = renderDocument({ ...login, values: { email } });
    // In a quoted attribute only the quote (and &) need escaping: `<` stays text there.
    expect(html).toContain(`value="ada&quot;><script>alert(1)</script><img src=x`);
    const document = parse(html);
    expect(document.querySelectorAll('script')).toHaveLength(2);
    expect(document.querySelector('img')).toBeNull();
    expect((document.querySelector('input[name="email"]') as HTMLInputElement).value).toBe(email);
    expect(embedded(document)).toEqual({ ...login, values: { email } });
  });

  it('never renders a password, even one left on the data', () => {
    const data = { ...login, values: { email: 'ada@example.com', password: 'hunter2-secret' } };
    const html = renderDocument(data);
    expect(html).not.toContain('hunter2-secret');
    const password = parse(html).querySelector('input[name="password"]') as HTMLInputElement;
    expect(password.getAttribute('value') ?? '').toBe('');
  });

  it('puts a field error beside its field: aria-invalid, described by the message', () => {
    const document = parse(
      renderDocument({
        ...login,
        page: 'signup',
        spec: FORMS.signup,
        values: { email: 'ada' },
        errors: {
          email: 'Enter an email address like name@example.com.',
          password: 'Use at least 8 characters.',
        },
      }),
    );
    for (const [name, message] of [
      ['email', 'Enter an email address like name@example.com.'],
      ['password', 'Use at least 8 characters.'],
    ]) {
      const input = document.querySelector(`input[name="${name}"]`) as HTMLInputElement;
      expect(input.getAttribute('aria-invalid')).toBe('true');
      const error = document.getElementById(input.getAttribute('aria-describedby') ?? '');
      expect(error?.textContent).toBe(message);
      expect(error?.parentElement).toBe(input.parentElement);
    }
  });

  it('leaves valid fields without aria-invalid', () => {
    const document = parse(renderDocument(login));
    const email = document.querySelector('input[name="email"]') as HTMLInputElement;
    expect(email.hasAttribute('aria-invalid')).toBe(false);
    expect(email.hasAttribute('aria-describedby')).toBe(false);
  });

  it('puts the form error in a role="alert" element, escaped', () => {
    const message = `Wrong email or password. ${hostile}`;
    const html = renderDocument({
      ...login,
      formError: { code: 'auth.invalid', message },
    });
    expect(html).not.toContain('<script>alert');
    const alert = parse(html).querySelector('[role="alert"]');
    expect(alert?.textContent).toBe(message);
    expect(alert?.closest('form')).not.toBeNull();
  });

  it('shows flash messages once at the top: info as a status, error as an alert, escaped', () => {
    const html = renderDocument({
      page: 'account',
      email: 'ada@example.com',
      emailConfirmed: true,
      flash: [
        { kind: 'info', text: `Welcome back ${hostile}` },
        { kind: 'error', text: 'That link has expired.' },
      ],
    });
    expect(html).not.toContain('<script>alert');
    const document = parse(html);
    expect(document.querySelector('[role="status"]')?.textContent).toBe(`Welcome back ${hostile}`);
    expect(document.querySelector('[role="alert"]')?.textContent).toBe('That link has expired.');
    const flashes = document.querySelector('.flashes');
    expect(flashes?.nextElementSibling?.tagName).toBe('H1');
  });

  it('renders the account page: the email as text, in the card and the header, and a "Log out" post to /logout', () => {
    const email = `ada${hostile}@example.com`;
    const html = renderDocument({
      page: 'account',
      email,
      emailConfirmed: true,
      flash: [],
      signedInEmail: email,
    });
    expect(html).not.toContain('<img');
    const document = parse(html);
    expect(document.querySelector('h1')?.textContent).toBe('Your account');
    expect(document.querySelector('.account-email')?.textContent).toBe(email);
    const header = document.querySelector('header') as HTMLElement;
    expect(header.querySelector('nav[aria-label=Account] p')?.textContent).toBe(email);
    const buttons = document.querySelectorAll('button');
    expect(buttons).toHaveLength(1);
    const button = buttons[0] as HTMLButtonElement;
    expect(header.contains(button)).toBe(true);
    expect(button.textContent).toBe('Log out');
    expect(button.closest('form')?.getAttribute('action')).toBe('/logout');
    expect(button.closest('form')?.getAttribute('method')).toBe('post');
    const links = [...document.querySelectorAll('main a')].map((a) => a.getAttribute('href'));
    expect(links).toEqual([
      '/account/sessions',
      '/change-password',
      '/change-email',
      '/account/passkeys',
      '/account/two-factor',
      '/account/delete',
    ]);
  });

  it('renders the account page of an unconfirmed email with "Confirm your email" and a "Resend confirmation email" post', () => {
    const email = 'ada@example.com';
    const document = parse(
      renderDocument({
        page: 'account',
        email,
        emailConfirmed: false,
        flash: [],
        signedInEmail: email,
      }),
    );
    const section = document.querySelector('main section section') as HTMLElement;
    expect(section.querySelector('h2')?.textContent).toBe('Confirm your email');
    expect(section.getAttribute('aria-labelledby')).toBe(section.querySelector('h2')?.id);
    const button = section.querySelector('button') as HTMLButtonElement;
    expect(button.textContent).toBe('Resend confirmation email');
    expect(button.getAttribute('type')).toBe('submit');
    expect(button.closest('form')?.getAttribute('action')).toBe('/account/confirmation');
    expect(button.closest('form')?.getAttribute('method')).toBe('post');
  });

  it.each<PageData>([
    { page: 'sessions', sessions: [], flash: [] },
    {
      page: 'two-factor',
      enabled: false,
      enabledAt: null,
      recoveryCodesLeft: 0,
      setup: null,
      recoveryCodes: null,
      codeError: null,
      flash: [],
    },
    { page: 'mailbox', emails: [], flash: [] },
    { page: 'passkeys', passkeys: [], available: true, flash: [] },
    {
      page: 'delete-account',
      spec: FORMS['delete-account'],
      values: { email: '' },
      errors: {},
      formError: null,
      flash: [],
    },
  ])('renders the signed-in header on the $page page: the email and a "Log out" post', (data) => {
    const document = parse(renderDocument({ ...data, signedInEmail: 'ada@example.com' }));
    const nav = document.querySelector('header nav[aria-label=Account]') as HTMLElement;
    expect(nav.querySelector('p')?.textContent).toBe('ada@example.com');
    const logOut = [...nav.querySelectorAll('button')].find((b) => b.textContent === 'Log out');
    expect(logOut?.closest('form')?.getAttribute('action')).toBe('/logout');
  });

  it('renders a signed-out page’s header as the brand alone', () => {
    const document = parse(
      renderDocument({
        page: 'login',
        spec: FORMS.login,
        values: { email: '' },
        errors: {},
        formError: null,
        flash: [],
        signedInEmail: null,
      }),
    );
    const header = document.querySelector('header') as HTMLElement;
    expect([...header.querySelectorAll('a')].map((a) => a.textContent)).toEqual(['Baton']);
    expect(header.querySelector('nav, form, button')).toBeNull();
  });

  it('embeds the data so no value can close the script', () => {
    const email = '</script><script>alert(1)</script><!--@example.com';
    const data: PageData = {
      page: 'account',
      email,
      emailConfirmed: false,
      flash: [{ kind: 'info', text: '</SCRIPT >' }],
    };
    const html = renderDocument(data);
    const start = html.indexOf('<script type="application/json" id="baton-page">');
    const end = html.indexOf('</script>', start);
    const json = html.slice(start + '<script type="application/json" id="baton-page">'.length, end);
    expect(json).not.toMatch(/</);
    expect(JSON.parse(json)).toEqual(data);
    expect(embedded(parse(html))).toEqual(data);
  });

  it('uses no inline script that runs and no inline style', () => {
    const html = renderDocument({ ...login, flash: [{ kind: 'info', text: 'Hi' }] });
    const document = parse(html);
    for (const script of document.querySelectorAll('script')) {
      expect(script.getAttribute('type') === 'application/json' || script.hasAttribute('src')).toBe(
        true,
      );
    }
    expect(document.querySelector('[style]')).toBeNull();
    expect(html).not.toContain('<style');
  });

  it('takes replacement patterns in values literally', () => {
    const email = "$&$'$`$1@example.com";
    const document = parse(
      renderDocument({ page: 'account', email, emailConfirmed: true, flash: [] }),
    );
    expect(document.querySelector('.account-email')?.textContent).toBe(email);
  });
});

describe('serializePageData', () => {
  it('escapes <, > and & as unicode escapes that JSON reads back unchanged', () => {
    const data: PageData = {
      page: 'account',
      email: 'a<b>&c\u2028',
      emailConfirmed: true,
      flash: [],
    };
    const json = serializePageData(data);
    expect(json).toContain('a\\u003cb\\u003e\\u0026c\\u2028');
    expect(JSON.parse(json)).toEqual(data);
  });
});

describe('the sign-up page as the server renders it', () => {
  it('shows a password error in place of the hint, the input described by the error', () => {
    const document = parse(
      renderDocument({
        ...login,
        page: 'signup',
        spec: FORMS.signup,
        errors: { password: 'Use at least 8 characters.' },
      }),
    );
    const password = document.querySelector('input[name="password"]') as HTMLInputElement;
    expect(password.getAttribute('aria-describedby')).toBe('signup-password-error');
    expect(document.querySelector('.field-hint')).toBeNull();
    expect(document.getElementById('signup-password-error')?.textContent).toBe(
      'Use at least 8 characters.',
    );
  });
});
