import { describe, expect, it } from 'vitest';
import { absoluteLink, composeEmail, escapeHtml } from '../../../server/mail/email.ts';
import { passwordChangedNotice } from '../../../server/mail/notices.ts';

describe('escapeHtml', () => {
  it('escapes the five characters that can break out of HTML text or an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });
});

describe('absoluteLink', () => {
  it('puts a local path on the origin', () => {
    expect(absoluteLink('https://baton.example', '/reset-password/abc_-1')).toBe(
      'https://baton.example/reset-password/abc_-1',
    );
    expect(absoluteLink('http://127.0.0.1:3000', '/forgot-password')).toBe(
      'http://127.0.0.1:3000/forgot-password',
    );
  });

  it('refuses anything that is not a local path, so no email links elsewhere', () => {
    for (const path of [
      'https://evil.example/x',
      '//evil.example/x',
      '/\\evil.example',
      'forgot-password',
      '',
    ]) {
      expect(() => absoluteLink('https://baton.example', path)).toThrow(
        `an email link must be a local path (received ${JSON.stringify(path)})`,
      );
    }
  });
});

describe('composeEmail', () => {
  const email = composeEmail({
    to: "o'brien&co@example.com",
    kind: 'test',
    subject: 'Fish & <chips>',
    blocks: [
      'Hello <b>you</b> & "them",',
      { label: 'Go <now>', href: 'https://b.example/x?a=1&b=2' },
    ],
  });

  it('writes a text part with every block, the link as its label then its address', () => {
    expect(email.text).toBe(
      'Hello <b>you</b> & "them",\n\nGo <now>:\nhttps://b.example/x?a=1&b=2\n',
    );
  });

  it('writes an HTML part saying the same, every piece of text escaped', () => {
    expect(email.html).toContain('<title>Fish &amp; &lt;chips&gt;</title>');
    expect(email.html).toContain('>Hello &lt;b&gt;you&lt;/b&gt; &amp; &quot;them&quot;,</p>');
    expect(email.html).toContain('<a href="https://b.example/x?a=1&amp;b=2"');
    expect(email.html).toContain('>Go &lt;now&gt;</a>');
    expect(email.html).not.toContain('<b>');
    expect(email.html).not.toContain('<now>');
  });

  it('keeps the recipient, subject and kind as given', () => {
    expect(email).toMatchObject({
      to: "o'brien&co@example.com",
      subject: 'Fish & <chips>',
      kind: 'test',
    });
  });
});

describe('passwordChangedNotice', () => {
  const at = Date.UTC(2025, 2, 5, 10, 0, 0);
  const notice = passwordChangedNotice({
    to: 'ada&lovelace@example.com',
    origin: 'https://baton.example',
    at,
  });

  it('says what happened, when, and what to do if it was not you, with an absolute link', () => {
    expect(notice.subject).toBe('Your password was changed');
    expect(notice.kind).toBe('password-changed');
    expect(notice.to).toBe('ada&lovelace@example.com');
    expect(notice.text).toBe(
      `${[
        'Hello,',
        'The password of your Baton account (ada&lovelace@example.com) was changed on Wed, 05 Mar 2025 10:00:00 GMT.',
        'If you changed it, there is nothing more to do.',
        'If it was not you, someone else knows your password. Reset it now: resetting it signs every browser out of your account, including theirs.',
        'Reset your password:\nhttps://baton.example/forgot-password',
        '— Baton',
      ].join('\n\n')}\n`,
    );
  });

  it('says the same in HTML, the address escaped and the link clickable', () => {
    expect(notice.html).toContain('(ada&amp;lovelace@example.com)');
    expect(notice.html).toContain('<a href="https://baton.example/forgot-password"');
    expect(notice.html).toContain('If it was not you, someone else knows your password.');
  });
});
