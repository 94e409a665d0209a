/**
 * The passkey ceremonies over the live socket (server/live/passkey-ceremonies.ts): a
 * challenge asked for on a socket and answered on it, registration under sudo mode, and a
 * sign-in that ends in the same handoff as a password's, counted against the failed sign-in
 * limit first. A software authenticator answers as a browser would; the clock is injected.
 */

import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimits } from '../../../server/config.ts';
import { PASSKEY_DEFAULTS } from '../../../server/passkeys/passkeys.ts';
import { BrowserSession } from '../../helpers/browser-session.ts';
import { PASSWORD, storedSession } from '../../helpers/outcomes.ts';
import {
  addPasskey,
  askOptions,
  creationOptions,
  handoffOf,
  type PasskeyServer,
  passkeyConfirm,
  passkeySignIn,
  refusal,
  requestOptions,
  SUDO_MS,
  startPasskeyServer,
} from '../../helpers/passkeys.ts';
import { SoftAuthenticator } from '../../helpers/soft-authenticator.ts';
import { type RunningServer, startServer } from '../../helpers/start-server.ts';
import { turnOnTwoFactor } from '../../helpers/two-factor.ts';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(limits: Partial<RateLimits> = {}): Promise<PasskeyServer> {
  const started = await startPasskeyServer(limits);
  server = started.server;
  return started;
}

describe('adding a passkey over the live socket', () => {
  it('files the passkey and answers with a handoff that shows the passkeys page with a notice', async () => {
    const { server, origin, signedUp } = await start();
    const browser = await signedUp('add@example.com');

    const reply = await addPasskey(browser, new SoftAuthenticator(), origin, ' Work  laptop ');
    const redeemed = await browser.post('/handoff', { handoff: handoffOf(reply) });

    expect(redeemed.headers.get('location')).toBe('/account/passkeys');
    const account = await server.store.accounts.findByEmail('add@example.com');
    const stored = await server.store.passkeys.listForAccount(account?.id ?? '');
    expect(stored.map((passkey) => passkey.name)).toEqual(['Work laptop']);
  });

  it('refuses a signed-out socket, for the options and for an answer', async () => {
    const { visitor } = await start();
    const live = await (await visitor()).openSocket();

    expect(refusal(await askOptions(live, 'register'))).toBe('auth.required');
    const answer = await live.request({
      type: 'passkey-register',
      response: { id: 'x' },
      name: '',
    });
    expect(refusal(answer)).toBe('auth.required');
    live.close();
  });

  it('needs a recent authentication (sudo), asked for again at the answer', async () => {
    const { clock, origin, signedUp } = await start();
    const browser = await signedUp('sudo@example.com');
    const live = await browser.openSocket();
    const options = creationOptions(await askOptions(live, 'register'));

    clock.advance(SUDO_MS + 1);

    const response = new SoftAuthenticator().register(options, { origin });
    const late = await live.request({ type: 'passkey-register', response, name: 'Late' });
    expect(late).toMatchObject({
      type: 'refused',
      code: 'auth.recent-required',
      message: 'Confirm your password to continue.',
    });
    expect(refusal(await askOptions(live, 'register'))).toBe('auth.recent-required');
    live.close();
  });

  it('refuses an answer sent on another socket than the one that asked', async () => {
    const { origin, signedUp } = await start();
    const browser = await signedUp('other-socket@example.com');
    const asking = await browser.openSocket();
    const other = await browser.openSocket();
    const options = creationOptions(await askOptions(asking, 'register'));
    const response = new SoftAuthenticator().register(options, { origin });

    const elsewhere = await other.request({ type: 'passkey-register', response, name: 'x' });
    const here = await asking.request({ type: 'passkey-register', response, name: 'x' });

    expect(refusal(elsewhere)).toBe('passkey.challenge-missing');
    expect(here.type).toBe('accepted');
    asking.close();
    other.close();
  });
});

describe('signing in with a passkey over the live socket', () => {
  it('ends in a handoff that signs the browser in with "Welcome back", as a password does', async () => {
    const { server, origin, signedUp, visitor } = await start();
    const authenticator = new SoftAuthenticator();
    const owner = await signedUp('sign-in@example.com');
    await owner.post('/handoff', {
      handoff: handoffOf(await addPasskey(owner, authenticator, origin)),
    });
    const browser = await visitor();

    const reply = await passkeySignIn(browser, authenticator, origin, true);
    const redeemed = await browser.post('/handoff', { handoff: handoffOf(reply) });

    expect(redeemed.headers.get('location')).toBe('/account');
    const session = await storedSession(server.store, browser);
    const account = await server.store.accounts.findByEmail('sign-in@example.com');
    expect(session).toMatchObject({ accountId: account?.id, remember: true });
    const page = await (await browser.fetch('/account')).text();
    expect(page).toContain('Welcome back! You are signed in.');
    const [passkey] = await server.store.passkeys.listForAccount(account?.id ?? '');
    expect(passkey?.lastUsedAt).not.toBeNull();
  });

  it('counts as a recent authentication: the new session may add a passkey at once', async () => {
    const { clock, origin, signedUp, visitor } = await start();
    const first = new SoftAuthenticator();
    const owner = await signedUp('sudo-sign-in@example.com');
    handoffOf(await addPasskey(owner, first, origin));
    clock.advance(SUDO_MS + 1);
    const browser = await visitor();
    await browser.post('/handoff', {
      handoff: handoffOf(await passkeySignIn(browser, first, origin)),
    });

    const added = await addPasskey(browser, new SoftAuthenticator(), origin, 'Phone');
    const stale = await owner.openSocket();

    expect(added.type).toBe('accepted');
    expect(refusal(await askOptions(stale, 'register'))).toBe('auth.recent-required');
    stale.close();
  });

  it('uses a challenge once: the same answer sent again is refused', async () => {
    const { origin, signedUp, visitor } = await start();
    const authenticator = new SoftAuthenticator();
    handoffOf(await addPasskey(await signedUp('once@example.com'), authenticator, origin));
    const live = await (await visitor()).openSocket();
    const response = authenticator.authenticate(requestOptions(await askOptions(live, 'sign-in')), {
      origin,
    });

    const first = await live.request({ type: 'passkey-sign-in', response, remember: false });
    const again = await live.request({ type: 'passkey-sign-in', response, remember: false });

    expect(first.type).toBe('accepted');
    expect(refusal(again)).toBe('passkey.challenge-missing');
    live.close();
  });

  it('refuses an answer replayed against a new challenge', async () => {
    const { origin, signedUp, visitor } = await start();
    const authenticator = new SoftAuthenticator({ keepsCounter: true });
    handoffOf(await addPasskey(await signedUp('replay@example.com'), authenticator, origin));
    const live = await (await visitor()).openSocket();
    const captured = authenticator.authenticate(requestOptions(await askOptions(live, 'sign-in')), {
      origin,
    });
    expect(
      (await live.request({ type: 'passkey-sign-in', response: captured, remember: false })).type,
    ).toBe('accepted');

    await askOptions(live, 'sign-in');
    const replayed = await live.request({
      type: 'passkey-sign-in',
      response: captured,
      remember: false,
    });

    expect(refusal(replayed)).toBe('passkey.invalid');
    live.close();
  });

  it('refuses an answer sent on another socket than the one that asked', async () => {
    const { origin, signedUp, visitor } = await start();
    const authenticator = new SoftAuthenticator();
    handoffOf(await addPasskey(await signedUp('sockets@example.com'), authenticator, origin));
    const browser = await visitor();
    const asking = await browser.openSocket();
    const other = await browser.openSocket();
    const response = authenticator.authenticate(
      requestOptions(await askOptions(asking, 'sign-in')),
      { origin },
    );

    const elsewhere = await other.request({ type: 'passkey-sign-in', response, remember: false });

    expect(refusal(elsewhere)).toBe('passkey.challenge-missing');
    asking.close();
    other.close();
  });

  it('refuses a passkey removed from the account', async () => {
    const { server, origin, signedUp, visitor } = await start();
    const authenticator = new SoftAuthenticator();
    handoffOf(await addPasskey(await signedUp('removed@example.com'), authenticator, origin));
    const account = await server.store.accounts.findByEmail('removed@example.com');
    await server.store.passkeys.remove(account?.id ?? '', authenticator.credentialId);

    const reply = await passkeySignIn(await visitor(), authenticator, origin);

    expect(reply).toMatchObject({
      type: 'refused',
      code: 'passkey.unknown',
      message: 'That passkey is not registered with any account.',
    });
  });

  it('signs an account with authenticator codes on in without a code (a passkey is two factors)', async () => {
    const { clock, origin, signedUp, visitor } = await start();
    const authenticator = new SoftAuthenticator({ userVerified: true });
    const owner = await signedUp('two-factor@example.com');
    await turnOnTwoFactor(owner, clock.now());
    handoffOf(await addPasskey(owner, authenticator, origin));
    const browser = await visitor();

    const reply = await passkeySignIn(browser, authenticator, origin);

    expect(
      (await browser.post('/handoff', { handoff: handoffOf(reply) })).headers.get('location'),
    ).toBe('/account');
  });

  it('asks for the code after a passkey that did not verify its user, when codes are on', async () => {
    const { clock, origin, signedUp, visitor } = await start();
    const authenticator = new SoftAuthenticator({ userVerified: false });
    const owner = await signedUp('bare-key@example.com');
    await turnOnTwoFactor(owner, clock.now());
    handoffOf(await addPasskey(owner, authenticator, origin));
    const browser = await visitor();

    const reply = await passkeySignIn(browser, authenticator, origin);
    const redeemed = await browser.post('/handoff', { handoff: handoffOf(reply) });

    expect(redeemed.headers.get('location')).toBe('/login-code');
    expect(browser.cookies.has('baton.sid')).toBe(false);
  });

  it('is unavailable when PUBLIC_ORIGIN reaches Baton by IP address', async () => {
    server = await startServer();
    const browser = new BrowserSession(server.url);
    await browser.fetch('/login');
    const live = await browser.openSocket();

    expect(await askOptions(live, 'sign-in')).toMatchObject({
      type: 'refused',
      code: 'passkey.unavailable',
      message: 'Passkeys are not available on this address.',
    });
    live.close();
  });
});

describe('confirming the signed-in person with a passkey (sudo mode)', () => {
  it("asks for one of the account's own passkeys, its user verified", async () => {
    const { origin, signedUp } = await start();
    const authenticator = new SoftAuthenticator();
    const browser = await signedUp('confirm-options@example.com');
    handoffOf(await addPasskey(browser, authenticator, origin));
    const live = await browser.openSocket();

    const options = requestOptions(await askOptions(live, 'confirm'));

    expect(options.userVerification).toBe('required');
    expect(options.allowCredentials?.map((credential) => credential.id)).toEqual([
      authenticator.credentialId,
    ]);
    live.close();
  });

  it("ends in a confirm handoff whose redeem moves the session's last authentication to now", async () => {
    const { clock, server, origin, signedUp } = await start();
    const authenticator = new SoftAuthenticator();
    const browser = await signedUp('confirm@example.com');
    handoffOf(await addPasskey(browser, authenticator, origin));
    const before = await storedSession(server.store, browser);
    const id = browser.cookies.get('baton.sid');
    clock.advance(SUDO_MS + 1);

    const reply = await passkeyConfirm(browser, authenticator, origin);
    const redeemed = await browser.post('/handoff', { handoff: handoffOf(reply) });

    expect(redeemed.headers.get('location')).toBe('/account');
    expect(browser.cookies.get('baton.sid')).toBe(id);
    expect(await storedSession(server.store, browser)).toMatchObject({
      signedInAt: before?.signedInAt,
      authAt: clock.now(),
    });
    expect((await addPasskey(browser, new SoftAuthenticator(), origin, 'Phone')).type).toBe(
      'accepted',
    );
  });

  it('returns to the page that asked for it', async () => {
    const { clock, origin, signedUp } = await start();
    const authenticator = new SoftAuthenticator();
    const browser = await signedUp('confirm-return@example.com');
    handoffOf(await addPasskey(browser, authenticator, origin));
    clock.advance(SUDO_MS + 1);
    expect((await browser.fetch('/account/passkeys')).headers.get('location')).toBe(
      '/confirm-password',
    );
    await browser.fetch('/confirm-password');

    const reply = await passkeyConfirm(browser, authenticator, origin);
    const redeemed = await browser.post('/handoff', { handoff: handoffOf(reply) });

    expect(redeemed.headers.get('location')).toBe('/account/passkeys');
    expect((await browser.fetch('/account/passkeys')).status).toBe(200);
  });

  it("refuses another account's passkey, and counts it as a failed sign-in", async () => {
    const { origin, signedUp } = await start({ loginFailsPerIp: 1 });
    const theirs = new SoftAuthenticator();
    handoffOf(await addPasskey(await signedUp('theirs@example.com'), theirs, origin));
    const mine = new SoftAuthenticator();
    const browser = await signedUp('mine@example.com');
    handoffOf(await addPasskey(browser, mine, origin));
    const live = await browser.openSocket();
    const options = requestOptions(await askOptions(live, 'confirm'));

    const foreign = await live.request({
      type: 'passkey-confirm',
      response: theirs.authenticate(options, { origin }),
    });
    const after = await passkeyConfirm(browser, mine, origin);

    expect(foreign).toMatchObject({
      type: 'refused',
      code: 'passkey.not-found',
      message: 'That passkey is not on your account.',
    });
    expect(refusal(after)).toBe('rate.limited');
    live.close();
  });

  it('counts every failed confirmation against the client IP before checking, many at once', async () => {
    const { origin, signedUp } = await start({ loginFailsPerIp: 5 });
    const theirs = new SoftAuthenticator();
    handoffOf(await addPasskey(await signedUp('theirs-many@example.com'), theirs, origin));
    const browser = await signedUp('mine-many@example.com');
    handoffOf(await addPasskey(browser, new SoftAuthenticator(), origin));
    const sockets = await Promise.all(Array.from({ length: 12 }, () => browser.openSocket()));
    const answers = await Promise.all(
      sockets.map(async (live) =>
        theirs.authenticate(requestOptions(await askOptions(live, 'confirm')), { origin }),
      ),
    );

    const replies = await Promise.all(
      sockets.map((live, i) => live.request({ type: 'passkey-confirm', response: answers[i] })),
    );

    expect(replies.map(refusal).sort()).toEqual([
      ...Array(5).fill('passkey.not-found'),
      ...Array(7).fill('rate.limited'),
    ]);
    for (const live of sockets) live.close();
  });

  it('refuses a passkey whose authenticator did not verify its user', async () => {
    const { origin, signedUp } = await start();
    const bare = new SoftAuthenticator({ userVerified: false });
    const browser = await signedUp('bare-confirm@example.com');
    handoffOf(await addPasskey(browser, bare, origin));

    expect(refusal(await passkeyConfirm(browser, bare, origin))).toBe('passkey.invalid');
  });

  it('refuses a signed-out socket, for the options and for an answer', async () => {
    const { visitor } = await start();
    const live = await (await visitor()).openSocket();

    expect(refusal(await askOptions(live, 'confirm'))).toBe('auth.required');
    const answer = await live.request({ type: 'passkey-confirm', response: { id: 'x' } });
    expect(refusal(answer)).toBe('auth.required');
    live.close();
  });

  it('refuses an account without passkeys', async () => {
    const { signedUp } = await start();
    const live = await (await signedUp('no-passkeys@example.com')).openSocket();

    expect(refusal(await askOptions(live, 'confirm'))).toBe('passkey.not-found');
    live.close();
  });

  it('uses a challenge once: the same answer sent again, or ten at once on two sockets, confirms once', async () => {
    const { origin, signedUp } = await start();
    const authenticator = new SoftAuthenticator();
    const browser = await signedUp('confirm-once@example.com');
    handoffOf(await addPasskey(browser, authenticator, origin));
    const live = await browser.openSocket();
    const other = await browser.openSocket();
    const response = authenticator.authenticate(requestOptions(await askOptions(live, 'confirm')), {
      origin,
    });

    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? other : live).request({ type: 'passkey-confirm', response }),
      ),
    );
    const again = await live.request({ type: 'passkey-confirm', response });

    expect(replies.filter((reply) => reply.type === 'accepted')).toHaveLength(1);
    for (const reply of replies.filter((each) => each.type !== 'accepted'))
      expect(reply.type === 'error' ? reply.code : refusal(reply)).toMatch(
        /^(submit\.in-flight|passkey\.challenge-missing)$/,
      );
    expect(refusal(again)).toBe('passkey.challenge-missing');
    live.close();
    other.close();
  });
});

describe('the failed sign-in limit and passkeys', () => {
  it('counts every failed passkey sign-in against the client IP before checking, many at once', async () => {
    const { origin, visitor } = await start({ loginFailsPerIp: 5 });
    const stranger = new SoftAuthenticator();
    const sockets = await Promise.all(
      Array.from({ length: 12 }, async () => (await visitor()).openSocket()),
    );
    const answers = await Promise.all(
      sockets.map(async (live) => {
        const options = requestOptions(await askOptions(live, 'sign-in'));
        return stranger.authenticate(options, { origin });
      }),
    );

    const replies = await Promise.all(
      sockets.map((live, i) =>
        live.request({ type: 'passkey-sign-in', response: answers[i], remember: false }),
      ),
    );

    const codes = replies.map(refusal).sort();
    expect(codes).toEqual([...Array(5).fill('passkey.unknown'), ...Array(7).fill('rate.limited')]);
    for (const live of sockets) live.close();
  });

  it('refuses even a good passkey once the IP is over the limit, and a success gives its point back', async () => {
    const { origin, signedUp, visitor } = await start({ loginFailsPerIp: 2 });
    const authenticator = new SoftAuthenticator();
    handoffOf(await addPasskey(await signedUp('limit@example.com'), authenticator, origin));

    expect(refusal(await passkeySignIn(await visitor(), new SoftAuthenticator(), origin))).toBe(
      'passkey.unknown',
    );
    for (let i = 0; i < 3; i++)
      expect((await passkeySignIn(await visitor(), authenticator, origin)).type).toBe('accepted');
    expect(refusal(await passkeySignIn(await visitor(), new SoftAuthenticator(), origin))).toBe(
      'passkey.unknown',
    );
    const limited = await passkeySignIn(await visitor(), authenticator, origin);
    expect(limited).toMatchObject({ type: 'refused', code: 'rate.limited' });
  });

  it('takes one answer at a time per socket: the same answer sent ten times at once signs in once', async () => {
    const { origin, signedUp, visitor } = await start();
    const authenticator = new SoftAuthenticator();
    handoffOf(await addPasskey(await signedUp('at-once@example.com'), authenticator, origin));
    const live = await (await visitor()).openSocket();
    const response = authenticator.authenticate(requestOptions(await askOptions(live, 'sign-in')), {
      origin,
    });

    const replies = await Promise.all(
      Array.from({ length: 10 }, () =>
        live.request({ type: 'passkey-sign-in', response, remember: false }),
      ),
    );

    expect(replies.filter((reply) => reply.type === 'accepted')).toHaveLength(1);
    const others = replies.filter((reply) => reply.type !== 'accepted');
    for (const reply of others)
      expect(reply.type === 'error' ? reply.code : refusal(reply)).toMatch(
        /^(submit\.in-flight|passkey\.challenge-missing)$/,
      );
    live.close();
  });
});

describe('sign-in options asked for again on one socket (the autofill, then the button)', () => {
  it('keeps the latest: its answer signs in, and an answer to the earlier options is refused', async () => {
    const { origin, signedUp, visitor } = await start();
    const authenticator = new SoftAuthenticator();
    handoffOf(await addPasskey(await signedUp('latest@example.com'), authenticator, origin));
    const live = await (await visitor()).openSocket();
    const autofill = requestOptions(await askOptions(live, 'sign-in'));
    const button = requestOptions(await askOptions(live, 'sign-in'));

    const early = await live.request({
      type: 'passkey-sign-in',
      response: authenticator.authenticate(autofill, { origin }),
      remember: false,
    });
    const again = requestOptions(await askOptions(live, 'sign-in'));
    const latest = await live.request({
      type: 'passkey-sign-in',
      response: authenticator.authenticate(again, { origin }),
      remember: false,
    });

    expect(button.challenge).not.toBe(autofill.challenge);
    expect(refusal(early)).toBe('passkey.invalid');
    expect(latest.type).toBe('accepted');
    live.close();
  });

  it('lasts as long as the options’ timeout says, which the autofill restarts after', async () => {
    const { clock, origin, signedUp, visitor } = await start();
    const authenticator = new SoftAuthenticator();
    handoffOf(await addPasskey(await signedUp('lifetime@example.com'), authenticator, origin));
    const live = await (await visitor()).openSocket();
    const onTime = requestOptions(await askOptions(live, 'sign-in'));
    expect(onTime.timeout).toBe(PASSKEY_DEFAULTS.challengeTtlMs);

    clock.advance((onTime.timeout ?? 0) - 1);
    const justInTime = await live.request({
      type: 'passkey-sign-in',
      response: authenticator.authenticate(onTime, { origin }),
      remember: false,
    });
    const late = requestOptions(await askOptions(live, 'sign-in'));
    clock.advance(late.timeout ?? 0);
    const tooLate = await live.request({
      type: 'passkey-sign-in',
      response: authenticator.authenticate(late, { origin }),
      remember: false,
    });

    expect(justInTime.type).toBe('accepted');
    expect(refusal(tooLate)).toBe('passkey.challenge-missing');
    live.close();
  });

  it('answers the options beside a submit in flight on the socket, holding neither back', async () => {
    const { signedUp, visitor } = await start();
    await signedUp('beside@example.com');
    const live = await (await visitor()).openSocket();

    const [options, submitted] = await Promise.all([
      askOptions(live, 'sign-in'),
      live.request({
        type: 'submit',
        form: 'login',
        fields: { email: 'beside@example.com', password: PASSWORD },
      }),
    ]);

    expect(options.type).toBe('passkey-options');
    expect(submitted.type).toBe('accepted');
    live.close();
  });
});
