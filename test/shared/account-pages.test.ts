import { describe, expect, it } from 'vitest';
import { isPagePath } from '../../server/accounts/outcome.ts';
import { ACCOUNT_PAGES } from '../../shared/account-pages.ts';

/** The account pages, in the order and words of CONTRACT.md ("What a person finds on the pages"). */
const CONTRACT_ORDER = [
  'Sessions',
  'Change password',
  'Change email',
  'Passkeys',
  'Two-factor',
  'Delete account',
];

describe('ACCOUNT_PAGES', () => {
  it('names only pages of the contract, in its order, each once', () => {
    const labels = ACCOUNT_PAGES.map((page) => page.label);
    expect(labels.every((label) => CONTRACT_ORDER.includes(label))).toBe(true);
    expect(labels).toEqual(CONTRACT_ORDER.filter((label) => labels.includes(label)));
  });

  it('links only to pages Baton serves', () => {
    for (const page of ACCOUNT_PAGES) expect(isPagePath(page.path), page.path).toBe(true);
  });

  it('has "Change password"', () => {
    expect(ACCOUNT_PAGES).toContainEqual({ label: 'Change password', path: '/change-password' });
  });
});
