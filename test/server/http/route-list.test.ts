import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeMatcher } from '../../../server/http/route-list.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

describe('Baton.routes', () => {
  it('lists every route the router has, and the live socket', () => {
    const routes = server.baton.routes.map(
      (route) =>
        `${route.upgrade ? 'UPGRADE' : route.methods.filter((m) => m !== 'HEAD').join(',')} ${route.path}`,
    );
    expect(routes.sort()).toEqual(
      [
        'GET /',
        'GET /login',
        'GET /signup',
        'GET /change-password',
        'GET /confirm-password',
        'GET /login-code',
        'GET /account',
        'GET /account/two-factor',
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
        'GET /dev/mailbox',
        'GET /dev/mailbox/:id',
        'GET /forgot-password',
        'POST /forgot-password',
        'GET /reset-password/:token',
        'POST /reset-password/:token',
        'GET /login-link',
        'POST /login-link',
        'GET /login-link/:token',
        'POST /login-link/:token',
        'GET /account/delete',
        'POST /account/delete',
        'GET /account/sessions',
        'POST /account/sessions/sign-out',
        'POST /account/sessions/sign-out-others',
        'GET /confirm/:token',
        'POST /confirm/:token',
        'POST /account/confirmation',
        'GET /change-email',
        'POST /change-email',
        'GET /confirm-email/:token',
        'POST /confirm-email/:token',
        'GET /account/passkeys',
        'POST /account/passkeys/rename',
        'POST /account/passkeys/remove',
      ].sort(),
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
