/**
 * One simulated person in a soak: a browser (one cookie jar shared by every instance, as
 * cookies ignore ports) that signs up or logs in over the live socket of a random instance,
 * posts the handoff it gets to one instance while replaying it on both at the same time,
 * checks its account page on the other instance with the page's live socket open, and signs
 * out. Every other person uses the forms without JavaScript (`POST /signup`, `POST /login`:
 * no handoff, the 303 signs them in), so both sign-in paths are under load together. A
 * sign-in answered busy waits as it was told (up to a few seconds) and tries again. Every
 * step has a timeout and gives up when the run is stopped.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { ServerMessage } from '../../shared/protocol.ts';
import { BrowserSession, LiveClient } from '../../test/helpers/browser-session.ts';
import { type Instance, sameBrowserOn } from '../../test/helpers/cluster.ts';
import { httpAnswer, type SignInAnswer, socketAnswer } from './answers.ts';
import type { Step, Tally } from './figures.ts';

const PASSWORD = 'a long enough soak password';
/** Page loads, posts and socket handshakes. */
const HTTP_TIMEOUT_MS = 20_000;
/** A submit waits for its password hash, queued behind the other browsers' (unless busy). */
const SUBMIT_TIMEOUT_MS = 30_000;
/** A sign-out must reach the account page's socket, on any instance, within this. */
const SESSION_ENDED_TIMEOUT_MS = 3_000;
/** Copies of each handoff posted at once: the first to a random instance, then one on each. */
const REPLAYS_ON_EACH = 1;
/** A busy answer's wait is honoured up to this, so that an overloaded run keeps pressing. */
const MAX_BUSY_WAIT_MS = 5_000;

export interface SoakDeps {
  instances: readonly Instance[];
  tally: Tally;
  /** Aborted when the run must stop at once (hard stop or Ctrl-C). */
  signal: AbortSignal;
}

export class SoakPerson {
  readonly email = `soak-${randomUUID()}@example.test`;
  readonly #browser: BrowserSession;
  #signedUp = false;
  /** Every other person signs up and logs in with the plain form posts. */
  readonly #withoutScript: boolean;
  static #made = 0;

  constructor(readonly deps: SoakDeps) {
    this.#browser = new BrowserSession(pick(deps.instances).url);
    this.#withoutScript = SoakPerson.#made++ % 2 === 1;
  }

  /**
   * Signs up (the first time) or logs in, redeems, checks the account page and signs out.
   * A busy answer ends the attempt (after its wait) with true, as a sign-in does. Resolves
   * false when something went wrong (already counted): the person is then dropped.
   */
  async signInAndOut(): Promise<boolean> {
    const form = this.#signedUp ? 'login' : 'signup';
    try {
      const signedIn = this.#withoutScript
        ? await this.#postForm(form)
        : await this.#socketSignIn(form);
      if (signedIn.kind === 'busy') {
        await wait(Math.min(signedIn.retryAfterSeconds * 1000, MAX_BUSY_WAIT_MS), this.deps.signal);
        return true;
      }
      this.#signedUp = true;
      const winner = signedIn.instance;
      if (winner === null) return false;
      const elsewhere = otherThan(this.deps.instances, winner);
      if (!(await this.#accountShown(elsewhere))) return false;
      const page = await this.#openSocket(elsewhere);
      try {
        await this.#signOut(page);
      } finally {
        page.socket.terminate();
      }
      return true;
    } catch (error) {
      // Stopped from outside (Ctrl-C, or the hard stop, which counts its own error): what
      // fails after that is the stop, not the server.
      if (this.deps.signal.aborted) return false;
      this.deps.tally.error(`${form}: ${(error as Error).message}`);
      return false;
    }
  }

  /** Signs in over the live socket: submit, then redeem the handoff (with its replays). */
  async #socketSignIn(
    form: 'signup' | 'login',
  ): Promise<
    { kind: 'busy'; retryAfterSeconds: number } | { kind: 'in'; instance: Instance | null }
  > {
    const answer = await this.#submit(form);
    if (answer.kind === 'busy') return answer;
    return { kind: 'in', instance: await this.#redeem(answer.handoff) };
  }

  /**
   * Signs up or logs in with the form without JavaScript: loads it, posts it, and is signed
   * in by the 303 to `/account` itself (no handoff to replay).
   */
  async #postForm(
    form: 'signup' | 'login',
  ): Promise<{ kind: 'busy'; retryAfterSeconds: number } | { kind: 'in'; instance: Instance }> {
    const instance = pick(this.deps.instances);
    const page = await this.#http('page', instance, `/${form}`);
    if (page.status !== 200) throw new Error(`GET /${form} answered ${page.outcome}`);
    const started = performance.now();
    const post = await this.#http('answer', instance, `/${form}`, {
      email: this.email,
      password: PASSWORD,
    });
    const answer = httpAnswer(post);
    if (answer.kind === 'wrong') throw new Error(`POST /${form} ${answer.description}`);
    if (answer.kind === 'busy') {
      this.deps.tally.counts.busy += 1;
      return answer;
    }
    this.deps.tally.record('submit', Math.round(performance.now() - started));
    this.deps.tally.counts[form === 'signup' ? 'signUps' : 'logIns'] += 1;
    this.deps.tally.counts.formSignIns += 1;
    this.deps.tally.signedIn();
    return { kind: 'in', instance };
  }

  /**
   * Loads the form page, opens its socket and submits; resolves with the sealed handoff, or
   * with the busy answer.
   */
  async #submit(
    form: 'signup' | 'login',
  ): Promise<{ kind: 'handoff'; handoff: string } | { kind: 'busy'; retryAfterSeconds: number }> {
    const instance = pick(this.deps.instances);
    const page = await this.#http('page', instance, `/${form}`);
    if (page.status !== 200) throw new Error(`GET /${form} answered ${page.outcome}`);
    const live = await this.#openSocket(instance);
    try {
      const started = performance.now();
      const reply = await request(live, {
        type: 'submit',
        form,
        fields: { email: this.email, password: PASSWORD },
      });
      const ms = Math.round(performance.now() - started);
      const answer: SignInAnswer = socketAnswer(reply);
      if (answer.kind === 'busy') {
        this.deps.tally.record('answer', ms);
        this.deps.tally.counts.busy += 1;
        return answer;
      }
      if (answer.kind === 'signed-in' && reply.type === 'accepted') {
        this.deps.tally.record('answer', ms);
        this.deps.tally.record('submit', ms);
        this.deps.tally.counts[form === 'signup' ? 'signUps' : 'logIns'] += 1;
        return { kind: 'handoff', handoff: reply.handoff };
      }
      if (reply.type === 'refused' && reply.code === 'rate.limited')
        this.deps.tally.counts.rateLimited += 1;
      throw new Error(`${form} submit answered ${JSON.stringify(reply)}`);
    } finally {
      live.socket.terminate();
    }
  }

  /**
   * Posts the handoff to a random instance and, at the same moment, replays it on every
   * instance. Exactly one copy may win; resolves with the instance it won on, or null.
   */
  async #redeem(handoff: string): Promise<Instance | null> {
    const { instances, tally } = this.deps;
    const targets = [pick(instances)];
    for (let i = 0; i < REPLAYS_ON_EACH; i += 1) targets.push(...instances);
    const posts = await Promise.allSettled(
      targets.map((instance) => this.#http('redeem', instance, '/handoff', { handoff })),
    );
    const wins: Instance[] = [];
    let refused = 0;
    posts.forEach((post, i) => {
      if (post.status === 'rejected') {
        if (!this.deps.signal.aborted)
          tally.error(`POST /handoff: ${(post.reason as Error).message}`);
      } else if (post.value.outcome === '303 /account') {
        wins.push(targets[i] as Instance);
      } else if (post.value.outcome === '303 /login') {
        refused += 1;
      } else if (post.value.status < 500) {
        tally.error(`POST /handoff answered ${post.value.outcome}`);
      }
    });
    if (wins.length === 0 && this.deps.signal.aborted) return null;
    if (wins.length === 0) {
      tally.counts.neverRedeemed += 1;
      tally.sample(`a handoff was redeemed by none of its ${targets.length} copies`);
      return null;
    }
    tally.signedIn();
    tally.counts.replaysRefused += refused;
    if (wins.length > 1) {
      tally.counts.doubleRedemptions += 1;
      tally.sample(`a handoff was redeemed ${wins.length} times`);
    }
    return wins[0] ?? null;
  }

  /** GET /account on `instance`: 200 with this person's email, or the session is lost. */
  async #accountShown(instance: Instance): Promise<boolean> {
    const page = await this.#http('account', instance, '/account');
    if (page.status === 200 && page.body.includes(this.email)) return true;
    this.deps.tally.counts.sessionsLost += 1;
    this.deps.tally.sample(`GET /account after redeeming answered ${page.outcome}`);
    return false;
  }

  /**
   * Signs out on a random instance while the account page's socket is open on another: the
   * socket must be told `session-ended`, and /account must send the browser to /login.
   */
  async #signOut(page: LiveClient): Promise<void> {
    const { instances, tally } = this.deps;
    const instance = pick(instances);
    const started = performance.now();
    // Listening before the post: the message may arrive before the post's response does.
    const ended = page
      .waitFor((m) => m.type === 'session-ended', SESSION_ENDED_TIMEOUT_MS)
      .then(
        () => Math.round(performance.now() - started),
        () => null,
      );
    const out = await this.#http('sign-out', instance, '/logout', {});
    if (out.outcome !== '303 /login') throw new Error(`POST /logout answered ${out.outcome}`);
    tally.counts.signOuts += 1;
    const endedMs = await ended;
    if (endedMs === null) {
      tally.counts.socketsNotEnded += 1;
      tally.sample(`no session-ended within ${SESSION_ENDED_TIMEOUT_MS} ms of a sign-out`);
    } else {
      tally.record('socket ended', endedMs);
    }
    const after = await this.#http('account', otherThan(instances, instance), '/account');
    if (after.outcome !== '303 /login') {
      tally.counts.aliveAfterSignOut += 1;
      tally.sample(`GET /account after signing out answered ${after.outcome}`);
    }
  }

  /**
   * One request from this browser to `instance`: a GET, or a form post when `form` is given.
   * Counts 5xx and 429; times it under `step`; never follows redirects.
   */
  async #http(
    step: Step,
    instance: Instance,
    path: string,
    form?: Record<string, string>,
  ): Promise<{
    status: number;
    outcome: string;
    body: string;
    location: string | null;
    retryAfter: string | null;
  }> {
    const view = sameBrowserOn(this.#browser, instance);
    // One controller per request, its listener removed when the request ends, so nothing
    // piles up on the run's long-lived signal over a long soak.
    const controller = new AbortController();
    const stop = () => controller.abort(this.deps.signal.reason);
    const timer = setTimeout(
      () => controller.abort(new Error(`no answer within ${HTTP_TIMEOUT_MS} ms`)),
      HTTP_TIMEOUT_MS,
    );
    this.deps.signal.addEventListener('abort', stop, { once: true });
    const init: RequestInit = form
      ? {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: view.origin },
          body: new URLSearchParams(form).toString(),
          signal: controller.signal,
        }
      : { signal: controller.signal };
    const started = performance.now();
    let response: Response;
    let body: string;
    try {
      response = await view.fetch(path, init);
      body = await response.text();
    } finally {
      clearTimeout(timer);
      this.deps.signal.removeEventListener('abort', stop);
    }
    this.deps.tally.record(step, Math.round(performance.now() - started));
    const location = response.headers.get('location');
    const retryAfter = response.headers.get('retry-after');
    const outcome = `${response.status} ${location ?? ''}`.trim();
    // A busy answer to a sign-in (503 with Retry-After) is an answer, not a server error.
    const busyAnswer = step === 'answer' && response.status === 503 && retryAfter !== null;
    if (!busyAnswer) this.#countStatus(response.status, `${form ? 'POST' : 'GET'} ${path}`);
    return { status: response.status, outcome, body, location, retryAfter };
  }

  #countStatus(status: number, what: string): void {
    if (status >= 500) {
      this.deps.tally.counts.fiveXx += 1;
      this.deps.tally.sample(`${what} answered ${status}`);
    } else if (status === 429) {
      this.deps.tally.counts.rateLimited += 1;
    }
  }

  /** Opens the live socket on `instance` as this browser's page would. */
  #openSocket(instance: Instance): Promise<LiveClient> {
    const view = sameBrowserOn(this.#browser, instance);
    const socket = new WebSocket(`${instance.url.replace(/^http/, 'ws')}/live`, {
      headers: { cookie: view.cookieHeader(), origin: view.origin },
      handshakeTimeout: HTTP_TIMEOUT_MS,
      perMessageDeflate: false,
    });
    const client = new LiveClient(socket);
    const started = performance.now();
    const stop = () => socket.terminate();
    this.deps.signal.addEventListener('abort', stop, { once: true });
    socket.once('close', () => this.deps.signal.removeEventListener('abort', stop));
    return new Promise((resolve, reject) => {
      socket.once('open', () => {
        this.deps.tally.record('connect', Math.round(performance.now() - started));
        resolve(client);
      });
      socket.once('unexpected-response', (req, res) => {
        res.resume();
        req.destroy();
        this.#countStatus(res.statusCode ?? 0, 'GET /live');
        reject(new Error(`the live socket upgrade was refused with ${res.statusCode}`));
      });
      // Kept for the socket's life: an 'error' with no listener would throw.
      socket.on('error', (error) => reject(error));
    });
  }
}

/** Sends a request frame and waits for the reply with its ref, the socket closing, or a timeout. */
async function request(live: LiveClient, message: Record<string, unknown>): Promise<ServerMessage> {
  const ref = live.nextRef();
  live.socket.send(JSON.stringify({ ...message, ref }));
  const closed = live.closed.then(({ code }) => {
    throw new Error(`the socket closed (${code}) before answering ${String(message.type)}`);
  });
  // Handled here: once the reply has won the race, the socket's later close is no error.
  closed.catch(() => {});
  return Promise.race([
    live.waitFor((m) => 'ref' in m && m.ref === ref, SUBMIT_TIMEOUT_MS),
    closed,
  ]);
}

/** Waits `ms`, or less when the run is stopped. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  // An abort ends the wait early; it is not an error here.
  return sleep(ms, undefined, { signal }).then(
    () => {},
    () => {},
  );
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

/** Another instance than `instance` (itself when there is only one). */
function otherThan(instances: readonly Instance[], instance: Instance): Instance {
  const others = instances.filter((candidate) => candidate !== instance);
  return others.length > 0 ? pick(others) : instance;
}
