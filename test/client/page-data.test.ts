/** @vitest-environment happy-dom */
import { afterEach, describe, expect, it } from 'vitest';
import { readPageData, readTypedValues } from '../../client/page-data.ts';
import type { PageData } from '../../shared/page.ts';

afterEach(() => {
  document.body.replaceChildren();
});

describe('readPageData', () => {
  it('reads the JSON the server embedded, escapes and all', () => {
    const data: PageData = {
      page: 'account',
      email: '</script>@example.com',
      emailConfirmed: true,
      flash: [],
    };
    document.body.innerHTML = `<script type="application/json" id="baton-page">${JSON.stringify(
      data,
    ).replace(/</g, '\\u003c')}</script>`;
    expect(readPageData()).toEqual(data);
  });

  it('gives null when the data is missing or not JSON', () => {
    expect(readPageData()).toBeNull();
    document.body.innerHTML = '<script type="application/json" id="baton-page">{oops</script>';
    expect(readPageData()).toBeNull();
  });
});

describe('readTypedValues', () => {
  it('gives the non-empty values of the server-rendered inputs', () => {
    document.body.innerHTML =
      '<form><input name="email" value="ada@example.com"><input name="password" type="password"></form>';
    expect(readTypedValues(document.body)).toEqual({ email: 'ada@example.com' });
    (document.querySelector('[name=password]') as HTMLInputElement).value = 'typed';
    expect(readTypedValues(document.body)).toEqual({
      email: 'ada@example.com',
      password: 'typed',
    });
  });

  it('reads a checkbox as on only while it is ticked', () => {
    document.body.innerHTML = '<form><input name="remember" type="checkbox" value="on"></form>';
    expect(readTypedValues(document.body)).toEqual({});
    (document.querySelector('[name=remember]') as HTMLInputElement).checked = true;
    expect(readTypedValues(document.body)).toEqual({ remember: 'on' });
  });
});
