/**
 * The form README's "Adding a form, from nothing to tested" builds, as code: its description and
 * its handler. README quotes the regions between `guide:start` and `guide:end` word for word
 * (test/guide/readme-snippets.test.ts holds it to that), and the guide's tests run them.
 * In Baton itself the description would sit in FORMS (shared/forms.ts) and the handler in
 * server/accounts/forms.ts; a test cannot add a form's name to the socket protocol's list,
 * so the tests run this form in the place of one with the same fields (see the tests).
 */
import {
  AUTH_REQUIRED,
  checkCurrentPassword,
  type FormDeps,
  type FormOutcome,
  type Submitter,
} from '../../server/accounts/forms.ts';
import { announceEnded } from '../../server/session/ended.ts';
import type { FormSpec } from '../../shared/forms.ts';
import type { Flash } from '../../shared/page.ts';
import type { Fields } from '../../shared/protocol.ts';

/** A form description whose name is not (yet) one of the protocol's FORM_NAMES. */
type GuideSpec = Omit<FormSpec, 'name' | 'action'> & { name: string; action: string };

export const GUIDE_FORMS = {
  // guide:start description
  'sign-out-everywhere': {
    name: 'sign-out-everywhere',
    title: 'Sign out everywhere',
    action: '/sign-out-everywhere',
    submitLabel: 'Sign out everywhere',
    progressLabel: 'Signing out…',
    audience: 'signed-in',
    danger: true,
    fields: [
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' },
    ],
    alternate: { prompt: 'Changed your mind?', label: 'Back to your account', href: '/account' },
  },
  // guide:end description
} satisfies Record<string, GuideSpec>;

// guide:start handler
export const SIGNED_OUT_EVERYWHERE: Flash = {
  kind: 'info',
  text: 'You are signed out everywhere.',
};

/**
 * Ends every session of the signed-in account once its password is proved: the others at
 * once, on every instance (their pages go to /login and say they were signed out on
 * another device), and this one through the `sign-out` change, which closes its sockets.
 */
export async function signOutEverywhere(
  deps: FormDeps,
  fields: Required<Fields>,
  who: Submitter,
): Promise<FormOutcome> {
  if (!who.accountId) return AUTH_REQUIRED;
  const refused = await checkCurrentPassword(deps, fields, who);
  if (refused) return refused;
  const others = await deps.store.sessions.destroyForAccount(who.accountId, who.sessionRef);
  await announceEnded(deps.store.sessions, deps.events, others, 'signed-out');
  return {
    ok: true,
    change: { kind: 'sign-out' },
    destination: '/login',
    flash: [SIGNED_OUT_EVERYWHERE],
  };
}
// guide:end handler
