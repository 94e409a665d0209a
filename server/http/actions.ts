/**
 * The POST routes: the forms without JavaScript and sign-out. The form posts run the same
 * handler as the live socket's submit (accounts/forms.ts) and apply its session change
 * (accounts/outcome.ts) at once, through the same session functions a redeemed handoff
 * uses (session/session.ts).
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import * as v from 'valibot';
import { FORMS } from '../../shared/forms.ts';
import type { Flash, ReturnPath } from '../../shared/page.ts';
import { Fields, type FormName } from '../../shared/protocol.ts';
import { type FormDeps, type Refused, submitForm } from '../accounts/forms.ts';
import { type Accepted, checkDestination } from '../accounts/outcome.ts';
import { hashBinding } from '../handoff/seal.ts';
import type { Logger } from '../logger.ts';
import type { CookieNames } from '../session/cookies.ts';
import { announceSignIn, type SessionEvents } from '../session/events.ts';
import type { NewDeviceNotices } from '../session/new-device.ts';
import {
  confirmSession,
  currentAccountId,
  currentSessionRef,
  type SessionTimeouts,
  signIn,
  signOut,
} from '../session/session.ts';
import {
  confirmFirst,
  formPagePath,
  linkRoute,
  logInFirst,
  type PageDeps,
  sendPage,
} from './pages.ts';
import { seeOther } from './see-other.ts';

export interface ActionDeps extends PageDeps {
  forms: FormDeps;
  events: SessionEvents;
  names: CookieNames;
  logger: Logger;
  /** How long a session signed in here lasts (remembered or not). */
  timeouts: SessionTimeouts;
  /** Told of every sign-in, after the response, to email the account about a new browser. */
  newDevices: NewDeviceNotices;
}

/** What /login says after `POST /logout`. */
export const LOGGED_OUT: Flash = { kind: 'info', text: 'You have been logged out.' };

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

/**
 * Makes an accepted form's session change on this request, queues its flash and resolves
 * with where to go; null when a confirm finds its session gone (ended meanwhile). The
 * destination is checked before anything changes: one that is not Baton's own page is a
 * server bug (DestinationError, a 500), and nothing happens.
 */
async function applyAccepted(
  ctx: Koa.Context,
  deps: ActionDeps,
  outcome: Accepted,
): Promise<ReturnPath | null> {
  const destination = checkDestination(outcome.destination);
  const now = (deps.now ?? Date.now)();
  const { change } = outcome;
  switch (change.kind) {
    case 'sign-in': {
      const who = { accountId: change.accountId, remember: change.remember };
      const replaced = await signIn(ctx, who, now, deps.timeouts);
      deps.pendingSignIns.clear(ctx);
      deps.flash.set(ctx, outcome.flash);
      // A browser that posted without a binding cookie gets one now, with its session: it
      // is new to the account (nothing tells it apart from any other), and known next time
      // if it keeps cookies. A client that never keeps them, as a script replaying a stolen
      // password would not, gets the account a notice at every sign-in.
      const binding = hashBinding(deps.binding.ensure(ctx));
      const signedIn = { binding, replaced, accountId: change.accountId };
      announceSignIn(deps.events, signedIn, deps.logger, ctx.res);
      const sighting = {
        accountId: change.accountId,
        binding,
        userAgent: ctx.get('user-agent'),
        ip: ctx.ip,
        at: now,
        signUp: change.signUp === true,
      };
      deps.newDevices.signedIn(sighting, ctx.res);
      return deps.returnTo.take(ctx, now) ?? destination;
    }
    case 'confirm': {
      const same = currentAccountId(ctx) === change.accountId;
      if (!same || !(await confirmSession(ctx, now, deps.timeouts))) return null;
      deps.flash.set(ctx, outcome.flash);
      return deps.returnTo.take(ctx, now) ?? destination;
    }
    case 'sign-out': {
      const ref = await signOut(ctx, deps.store.sessions, deps.names);
      deps.returnTo.clear(ctx);
      if (ref) await deps.events.publish({ type: 'ended', ref, reason: 'signed-out' });
      deps.flash.set(ctx, outcome.flash);
      return destination;
    }
    case 'none':
      deps.flash.set(ctx, outcome.flash);
      return destination;
    case 'second-factor': {
      const { accountId, credentialVersion, remember } = change;
      const binding = hashBinding(deps.binding.ensure(ctx));
      deps.pendingSignIns.set(ctx, { accountId, credentialVersion, remember }, binding, now);
      deps.flash.set(ctx, outcome.flash);
      return destination;
    }
  }
}

function formPost(deps: ActionDeps, form: FormName): Koa.Middleware {
  const spec = (deps.specs ?? FORMS)[form];
  return async (ctx) => {
    const posted = postedFields(form, body(ctx));
    // A form opened from an emailed link posts to its page, `<action>/<token>`.
    if (spec.link) posted.token = String(ctx.params.token);
    const parsed = v.safeParse(Fields, posted);
    const fields = parsed.success ? parsed.output : {};
    const accountId = currentAccountId(ctx);
    const now = (deps.now ?? Date.now)();
    const who = {
      ip: ctx.ip,
      accountId,
      sessionRef: accountId ? currentSessionRef(ctx, deps.names) : null,
      pendingSignIn: deps.pendingSignIns.read(ctx, deps.binding.read(ctx), now),
    };
    const outcome = parsed.success ? await submitForm(deps.forms, form, fields, who) : TOO_LARGE;
    // Where to come back to after signing in again: this form's page (a link's, for a link form).
    const page = formPagePath(spec, posted.token);
    if (outcome.ok) {
      const destination = await applyAccepted(ctx, deps, outcome);
      if (destination !== null) return seeOther(ctx, destination);
      return logInFirst(ctx, deps, page);
    }
    if (outcome.code === 'auth.required') {
      // Signed out meanwhile: back here once signed in again.
      deps.flash.set(ctx, [{ kind: 'error', text: outcome.message }]);
      return spec.audience === 'signed-in' ? logInFirst(ctx, deps, page) : seeOther(ctx, '/login');
    }
    if (outcome.code === 'auth.recent-required') return confirmFirst(ctx, deps, page);
    if (outcome.code === 'sign-in.expired') {
      // The code step with no sign-in waiting: the password comes first, again.
      deps.pendingSignIns.clear(ctx);
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
        spec,
        values: { email: fields.email ?? '', ...(fields.remember === 'on' && { remember: 'on' }) },
        errors: outcome.errors,
        formError: { code: outcome.code, message: outcome.message },
        flash: [],
        ...(spec.link && parsed.success ? { token: fields.token } : {}),
      },
      status,
    );
  };
}

/** Adds a POST route for every form and `POST /logout`. Bodies must be parsed before. */
export function addActionRoutes(router: Router, deps: ActionDeps): void {
  for (const spec of Object.values(deps.specs ?? FORMS))
    router.post(spec.link ? linkRoute(spec) : spec.action, formPost(deps, spec.name));
  router.post('/logout', async (ctx) => {
    const ref = await signOut(ctx, deps.store.sessions, deps.names);
    deps.returnTo.clear(ctx);
    deps.pendingSignIns.clear(ctx);
    if (ref) await deps.events.publish({ type: 'ended', ref, reason: 'signed-out' });
    ctx.set('Cache-Control', 'no-store');
    deps.flash.set(ctx, [LOGGED_OUT]);
    seeOther(ctx, '/login');
  });
}
