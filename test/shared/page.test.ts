import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_FROM_OTHER_TAB,
  OTHER_TAB_QUERY,
  TWO_FACTOR_ACTIONS,
  TWO_FACTOR_PATH,
} from '../../shared/page.ts';

describe('TWO_FACTOR_ACTIONS', () => {
  it('are all under the two-factor page’s path, one level down, each its own', () => {
    const actions = Object.values(TWO_FACTOR_ACTIONS);
    for (const action of actions) expect(action).toMatch(/^\/account\/two-factor\/[a-z-]+$/);
    expect(actions.every((action) => action.startsWith(`${TWO_FACTOR_PATH}/`))).toBe(true);
    expect(new Set(actions).size).toBe(actions.length);
  });
});

describe('ACCOUNT_FROM_OTHER_TAB', () => {
  it('is /account with the other tab’s query, and nothing else', () => {
    const url = new URL(ACCOUNT_FROM_OTHER_TAB, 'http://baton.test');
    expect(url.pathname).toBe('/account');
    expect([...url.searchParams]).toEqual([[OTHER_TAB_QUERY.name, OTHER_TAB_QUERY.value]]);
  });
});
