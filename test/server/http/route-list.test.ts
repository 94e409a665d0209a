import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_PATHS } from '../../../server/accounts/outcome.ts';
import { routeMatcher } from '../../../server/http/route-list.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

describe('Baton.routes', () => {
  it('lists every route the router has, and the live socket, with the page each GET renders', () => {
    const routes = server.baton.routes.map(
      (route) =>
        `${route.upgrade ? 'UPGRADE' : route.methods.filter((m) => m !== 'HEAD').join(',')} ${route.path}${route.page === null ? '' : ` (page ${route.page})`}`,
    );
    expect(routes.sort()).toEqual(
      [
        'GET /',
        'GET /login (page login)',
        'GET /signup (page signup)',
        'GET /change-password (page change-password)',
        'GET /confirm-password (page confirm-password)',
        'GET /login-code (page login-code)',
        'GET /account (page account)',
        'GET /account/two-factor (page two-factor)',
        'POST /login',
        'POST /signup',
        'POST /change-password',
        'POST /confirm-password',
        'POST /login-code',
        'POST /account/two-factor/setup',
        'POST /account/two-factor/confirm',
        'POST /account/two-factor/recovery-codes',
        'POST /account/two-factor/disable',
        'POST /logout',
        'GET /healthz',
        'GET /dev/mailbox/json',
        'POST /handoff',
        'UPGRADE /live',
        'GET /dev/mailbox (page mailbox)',
        'GET /dev/mailbox/:id',
        'GET /forgot-password (page forgot-password)',
        'POST /forgot-password',
        'GET /reset-password/:token (page reset-password)',
        'POST /reset-password/:token',
        'GET /login-link (page login-link)',
        'POST /login-link',
        'GET /login-link/:token (page use-login-link)',
        'POST /login-link/:token',
        'GET /account/delete (page delete-account)',
        'POST /account/delete',
        'GET /account/sessions (page sessions)',
        'POST /account/sessions/sign-out',
        'POST /account/sessions/sign-out-others',
        'GET /confirm/:token (page confirm)',
        'POST /confirm/:token',
        'POST /account/confirmation',
        'GET /change-email (page change-email)',
        'POST /change-email',
        'GET /confirm-email/:token (page confirm-email)',
        'POST /confirm-email/:token',
        'GET /account/passkeys (page passkeys)',
        'POST /account/passkeys/rename',
        'POST /account/passkeys/remove',
      ].sort(),
    );
  });

  it('has a page route for each of PAGE_PATHS, and no other page without a token but the dev mailbox', () => {
    const pagePaths = server.baton.routes
      .filter((route) => route.page !== null && !route.path.includes(':'))
      .map((route) => route.path);
    // The dev mailbox is a page no form's outcome names, and a link's page has a token.
    expect(pagePaths.filter((path) => path !== '/dev/mailbox').sort()).toEqual(
      [...PAGE_PATHS].sort(),
    );
  });
});

describe('routeMatcher', () => {
  it('matches the server’s paths, with or without a query, and nothing beside them', () => {
    const isServerRoute = routeMatcher(server.baton.routes);
    for (const url of ['/', '/login', '/login?from=x', '/account?from=other-tab', '/handoff']) {
      expect(isServerRoute(url), url).toBe(true);
    }
    for (const url of ['/live', '/live/socket.ts', '/entries/form.tsx', '/@vite/client', '/x']) {
      expect(isServerRoute(url), url).toBe(false);
    }
  });

  it('matches the live socket only as an upgrade', () => {
    const isServerRoute = routeMatcher(server.baton.routes);
    expect(isServerRoute('/live', true)).toBe(true);
    expect(isServerRoute('/live/socket.ts', true)).toBe(false);
    expect(isServerRoute('/login', true)).toBe(false);
  });
});
