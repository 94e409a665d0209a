/** @vitest-environment happy-dom */
import { cleanup, render, screen } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { MailboxPage, type MailboxPageData } from '../../../client/pages/MailboxPage.tsx';
import { createFakeSocket } from '../fakes.ts';

const data: MailboxPageData = {
  page: 'mailbox',
  emails: [
    {
      id: 'mail-2',
      to: 'ada@example.com',
      subject: 'Reset your Baton password',
      text: 'Reset your password:\nhttps://baton.example/reset-password/abc\n\n<b>not bold</b> javascript:alert(1)\n',
      sentAt: '2025-03-05T10:00:00.000Z',
    },
    {
      id: 'mail-1',
      to: 'bob@example.com',
      subject: 'Older',
      text: 'Hello\n',
      sentAt: '2025-03-04T10:00:00.000Z',
    },
  ],
  flash: [],
};

afterEach(cleanup);

describe('MailboxPage', () => {
  it('lists the emails in the order given, each under its subject with its recipient and time', () => {
    render(() => <MailboxPage data={data} socket={createFakeSocket()} />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Dev mailbox');
    expect(screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent)).toEqual([
      'Reset your Baton password',
      'Older',
    ]);
    expect(screen.getByText(/To ada@example.com/).textContent).toBe(
      'To ada@example.com · Wed, 05 Mar 2025 10:00:00 GMT',
    );
  });

  it('makes web links clickable and leaves everything else as text', () => {
    render(() => <MailboxPage data={data} socket={createFakeSocket()} />);
    const link = screen.getByRole('link', { name: 'https://baton.example/reset-password/abc' });
    expect(link.getAttribute('href')).toBe('https://baton.example/reset-password/abc');
    expect(document.querySelector('.mail-text b')).toBeNull();
    expect(screen.queryByRole('link', { name: /javascript/ })).toBeNull();
  });

  it('links each email to its HTML part', () => {
    render(() => <MailboxPage data={data} socket={createFakeSocket()} />);
    expect(
      screen.getByRole('link', { name: 'See the HTML part of “Older”' }).getAttribute('href'),
    ).toBe('/dev/mailbox/mail-1');
  });

  it('says so when there is no email', () => {
    render(() => <MailboxPage data={{ ...data, emails: [] }} socket={createFakeSocket()} />);
    expect(screen.getByText('No email yet.')).toBeTruthy();
  });
});
