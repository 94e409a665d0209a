import { describe, expect, it } from 'vitest';
import { loggedPath } from '../../../server/http/logged-path.ts';

describe('loggedPath', () => {
  it('cuts everything after the prefix of a route that carries an emailed token', () => {
    expect(loggedPath('/reset-password/abcDEF123_-abcDEF123_-abcDEF123_-abcDEF123_-x')).toBe(
      '/reset-password/:token',
    );
    expect(loggedPath('/login-link/tok/extra?x')).toBe('/login-link/:token');
    expect(loggedPath('/confirm/tok')).toBe('/confirm/:token');
    expect(loggedPath('/confirm-email/tok')).toBe('/confirm-email/:token');
  });

  it('leaves every other path as it is', () => {
    for (const path of [
      '/',
      '/login',
      '/forgot-password',
      '/login-link',
      '/confirm/',
      '/account',
    ]) {
      expect(loggedPath(path)).toBe(path);
    }
  });
});
