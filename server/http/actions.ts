/**
 * The POST routes: the forms without JavaScript and sign-out. The form
 * posts run the same handler as the live socket's submit (accounts/forms.ts) and sign in
 * through the same function as a redeemed handoff (session/session.ts).
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import * as v from 'valibot';
import { FORMS } from '../../shared/forms.ts';
import { Fields, type FormName } from '../../shared/protocol.ts';
import { type FormDeps, type Refused, submitForm } from '../accounts/forms.ts';
import { hashBinding } from '../handoff/seal.ts';
import type { Logger } from '../logger.ts';
import type { CookieNames } from '../session/cookies.ts';
import { announceSignIn, type SessionEvents } from '../session/events.ts';
import { currentAccountId, currentSessionRef, signIn, signOut } from '../session/session.ts';
import { type PageDeps, sendPage } from './pages.ts';
import { seeOther } from './see-other.ts';

export interface ActionDeps extends PageDeps {
  forms: FormDeps;
  events: SessionEvents;
  names: CookieNames;
  logger: Logger;
  /** The clock sign-ins are stamped with (see BatonOptions.now). */
  now?: () => number;
}

function body(ctx: Koa.Context): Record<string, unknown> {
  return (ctx.request as { body?: Record<string, unknown> }).body ?? {};
}

/** The form's own fields from a posted body, as the socket would carry them (no others). */
function postedFields(form: FormName, raw: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const { name } of FORMS[form].fields) {
    const value = raw[name];
    fields[name] = typeof value === 'string' ? value : '';
  }
  return fields;
}

/** Refusals that say when to come back: over a limit, or too busy to check a password now. */
const WAIT_STATUS: Partial<Record<Refused['code'], 429 | 503>> = {
  'rate.limited': 429,
  'server.busy': 503,
};

const TOO_LARGE: Refused = {
  ok: false,
  code: 'form.invalid',
  message: 'That form was too large to read.',
  errors: {},
};

function formPost(deps: ActionDeps, form: FormName): Koa.Middleware {
  return async (ctx) => {
    const parsed = v.safeParse(Fields, postedFields(form, body(ctx)));
    const fields = parsed.success ? parsed.output : {};
    const accountId = currentAccountId(ctx);
    const who = {
      ip: ctx.ip,
      accountId,
      sessionRef: accountId ? currentSessionRef(ctx, deps.names) : null,
    };
    const outcome = parsed.success ? await submitForm(deps.forms, form, fields, who) : TOO_LARGE;
    if (outcome.ok) {
      const replaced = await signIn(ctx, outcome.accountId, (deps.now ?? Date.now)());
      deps.flash.set(ctx, outcome.flash);
      const binding = deps.binding.read(ctx);
      const change = { binding: binding ? hashBinding(binding) : null, replaced };
      announceSignIn(deps.events, change, deps.logger, ctx.res);
      return seeOther(ctx, outcome.destination);
    }
    if (outcome.code === 'auth.required') {
      deps.flash.set(ctx, [{ kind: 'error', text: outcome.message }]);
      return seeOther(ctx, '/login');
    }
    // Over a limit (429) or too busy to check a password now (503): say when to come back.
    const status = WAIT_STATUS[outcome.code] ?? 422;
    if (outcome.retryAfterSeconds !== undefined) {
      ctx.set('Retry-After', String(outcome.retryAfterSeconds));
    }
    await sendPage(
      ctx,
      deps,
      {
        page: form,
        values: { email: fields.email ?? '' },
        errors: outcome.errors,
        formError: { code: outcome.code, message: outcome.message },
        flash: [],
      },
      status,
    );
  };
}

/** Adds a POST route for every form and `POST /logout`. Bodies must be parsed before. */
export function addActionRoutes(router: Router, deps: ActionDeps): void {
  for (const spec of Object.values(FORMS)) router.post(spec.action, formPost(deps, spec.name));
  router.post('/logout', async (ctx) => {
    const ref = await signOut(ctx, deps.store.sessions, deps.names);
    if (ref) await deps.events.publish({ type: 'ended', ref, reason: 'signed-out' });
    ctx.set('Cache-Control', 'no-store');
    seeOther(ctx, '/login');
  });
}
