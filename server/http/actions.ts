/**
 * The POST routes: the forms without JavaScript, sign-out, and the health check. The form
 * posts run the same handler as the live socket's submit (accounts/forms.ts) and sign in
 * through the same function as a redeemed handoff (session/session.ts).
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import * as v from 'valibot';
import { Fields, type FormName } from '../../shared/protocol.ts';
import { type FormDeps, submitForm } from '../accounts/forms.ts';
import { hashBinding } from '../handoff/seal.ts';
import type { Logger } from '../logger.ts';
import type { CookieNames } from '../session/cookies.ts';
import { announceSignIn, type SessionEvents } from '../session/events.ts';
import { signIn, signOut } from '../session/session.ts';
import { type PageDeps, sendPage } from './pages.ts';
import { seeOther } from './see-other.ts';

export interface ActionDeps extends PageDeps {
  forms: FormDeps;
  events: SessionEvents;
  names: CookieNames;
  logger: Logger;
}

function body(ctx: Koa.Context): Record<string, unknown> {
  return (ctx.request as { body?: Record<string, unknown> }).body ?? {};
}

function formPost(deps: ActionDeps, form: FormName): Koa.Middleware {
  return async (ctx) => {
    const raw = body(ctx);
    const parsed = v.safeParse(Fields, {
      email: typeof raw.email === 'string' ? raw.email : '',
      password: typeof raw.password === 'string' ? raw.password : '',
    });
    const fields = parsed.success ? parsed.output : { email: '', password: '' };
    const outcome = parsed.success
      ? await submitForm(deps.forms, form, fields, { ip: ctx.ip })
      : ({
          ok: false,
          code: 'form.invalid',
          message: 'That form was too large to read.',
          errors: {},
        } as const);
    if (outcome.ok) {
      await signIn(ctx, outcome.accountId);
      deps.flash.set(ctx, outcome.flash);
      const binding = deps.binding.read(ctx);
      if (binding) announceSignIn(deps.events, hashBinding(binding), deps.logger);
      return seeOther(ctx, outcome.destination);
    }
    if (outcome.code === 'rate.limited') ctx.set('Retry-After', String(outcome.retryAfterSeconds));
    sendPage(
      ctx,
      deps,
      {
        page: form,
        values: { email: fields.email },
        errors: outcome.errors,
        formError: { code: outcome.code, message: outcome.message },
        flash: [],
      },
      outcome.code === 'rate.limited' ? 429 : 422,
    );
  };
}

/** Adds `POST /login`, `/signup`, `/logout` and `GET /healthz`. Bodies must be parsed before. */
export function addActionRoutes(router: Router, deps: ActionDeps): void {
  router.post('/login', formPost(deps, 'login'));
  router.post('/signup', formPost(deps, 'signup'));
  router.post('/logout', async (ctx) => {
    const ref = await signOut(ctx, deps.store.sessions, deps.names);
    if (ref) await deps.events.publish({ type: 'ended', ref, reason: 'signed-out' });
    ctx.set('Cache-Control', 'no-store');
    seeOther(ctx, '/login');
  });
  router.get('/healthz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await deps.store.ping();
      ctx.body = { ok: true, store: deps.store.kind };
    } catch (error) {
      ctx.status = 503;
      ctx.body = { ok: false, store: deps.store.kind, reason: (error as Error).message };
    }
  });
}
