/**
 * What a soak run counts and how it reports it: one figure a line (`double redemptions: 0`),
 * and the rules that decide whether the run passed.
 */
import { type Verdict, verdictFor } from '../../bench/lib/result.ts';

/**
 * The timed steps of a simulated browser's sign-in, in the order they happen. `submit` times
 * the sign-ins that succeeded (socket submit to handoff, or a form post to its 303);
 * `answer` times every sign-in attempt to its answer, busy ones included.
 */
export const STEPS = [
  'page',
  'connect',
  'submit',
  'answer',
  'redeem',
  'account',
  'sign-out',
  'socket ended',
] as const;
export type Step = (typeof STEPS)[number];

/** The counters of a run. Every "must be 0" figure is listed in `soakFailures`. */
export interface SoakCounts {
  signUps: number;
  logIns: number;
  /** Of the sign-ups and log-ins, those posted without JavaScript (no handoff). */
  formSignIns: number;
  /** Sign-in attempts answered "busy, try again in N seconds": an answer, not a failure. */
  busy: number;
  /** Handoffs redeemed (exactly once, or more: see doubleRedemptions). */
  signIns: number;
  /** Copies of a redeemed handoff answered 303 /login. */
  replaysRefused: number;
  /** Handoffs that got 303 /account more than once. Must be 0. */
  doubleRedemptions: number;
  /** Handoffs that every copy failed to redeem: a sign-in lost. Must be 0. */
  neverRedeemed: number;
  /** Redeemed browsers whose /account was not 200 (with their email) on the other instance. Must be 0. */
  sessionsLost: number;
  signOuts: number;
  /** Browsers still shown /account after signing out. Must be 0. */
  aliveAfterSignOut: number;
  /** Account-page sockets not told `session-ended` within a few seconds of a sign-out. Must be 0. */
  socketsNotEnded: number;
  /** HTTP responses and refused socket upgrades with a 5xx status. Must be 0. */
  fiveXx: number;
  /** 429s: the raised limits should make this 0; not a failure by itself. */
  rateLimited: number;
  /** Anything else unexpected (timeouts, refusals, wrong replies). Must be 0. */
  errors: number;
}

export interface Latency {
  count: number;
  p50: number;
  p99: number;
}

export interface InstanceFigures {
  /** "A", "B", … */
  name: string;
  url: string;
  /** VmRSS before the load, at its highest while sampled, and after it (MB; null if unreadable). */
  rssStartMb: number | null;
  rssPeakMb: number | null;
  rssEndMb: number | null;
  /** Exit code after SIGTERM at the end (0 is a clean shutdown; null when killed). */
  exitCode: number | null;
  /** Log lines the instance wrote at level error (50) or above, and at warn (40). */
  errorLogs: number;
  warnLogs: number;
}

/**
 * One of the equal parts the load's time is cut into, so that a target is judged on the
 * range of its parts (as the benchmarks judge theirs on the range of their rounds).
 */
export interface SoakWindow {
  /** Sign-ins completed in the window, per second of it. */
  signInsPerSecond: number;
  /** p99 of the submits and of the answers that ended in the window (ms; null when none did). */
  p99Submit: number | null;
  p99Answer: number | null;
}

/** Windows the load is judged in: the rule asks for at least 5 rounds. */
export const SOAK_WINDOWS = 5;

export interface SoakFigures extends SoakCounts {
  /** How long new sign-ins were started (the load), in seconds. */
  seconds: number;
  /** How long the sign-ins in flight at the end of the load took to finish, in seconds. */
  drainSeconds: number;
  /** Simulated browsers in flight at once. */
  browsers: number;
  /** Run at about twice the machine's capacity (`--overload`), where busy answers are expected. */
  overload: boolean;
  latency: Record<Step, Latency>;
  /** The load cut into SOAK_WINDOWS equal windows (the drain after it is in none). */
  windows: SoakWindow[];
  instances: InstanceFigures[];
  /** The first few errors, in words, to show what went wrong. */
  errorSamples: string[];
  /** Redis keys removed under the run's prefix at the end. */
  keysDeleted: number;
}

const MAX_ERROR_SAMPLES = 10;

/** Counters and latency samples, filled in by the simulated browsers. */
export class Tally {
  readonly counts: SoakCounts = {
    signUps: 0,
    logIns: 0,
    formSignIns: 0,
    busy: 0,
    signIns: 0,
    replaysRefused: 0,
    doubleRedemptions: 0,
    neverRedeemed: 0,
    sessionsLost: 0,
    signOuts: 0,
    aliveAfterSignOut: 0,
    socketsNotEnded: 0,
    fiveXx: 0,
    rateLimited: 0,
    errors: 0,
  };
  readonly errorSamples: string[] = [];
  readonly #samples = new Map<Step, number[]>(STEPS.map((step) => [step, []]));
  /** When each sample was recorded, beside it (ms, on `now`'s clock). */
  readonly #at = new Map<Step, number[]>(STEPS.map((step) => [step, []]));
  readonly #signedInAt: number[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Records how long one `step` took, in ms, as ending now. */
  record(step: Step, ms: number): void {
    this.#samples.get(step)?.push(ms);
    this.#at.get(step)?.push(this.now());
  }

  /** Counts one sign-in completed now. */
  signedIn(): void {
    this.counts.signIns += 1;
    this.#signedInAt.push(this.now());
  }

  /**
   * The figures of `count` equal windows of `seconds` from `startMs` (on `now`'s clock):
   * what ended in each.
   */
  windows(startMs: number, seconds: number, count = SOAK_WINDOWS): SoakWindow[] {
    const length = (seconds * 1000) / count;
    const index = (at: number) => Math.floor((at - startMs) / length);
    const inWindow = <T>(values: readonly T[], at: readonly number[], w: number) =>
      values.filter((_, i) => index(at[i] ?? Number.NaN) === w);
    const p99 = (step: Step, w: number) => {
      const sorted = inWindow(this.#samples.get(step) ?? [], this.#at.get(step) ?? [], w).sort(
        (a, b) => a - b,
      );
      return sorted.length === 0 ? null : percentile(sorted, 99);
    };
    return Array.from({ length: count }, (_, w) => ({
      signInsPerSecond:
        Math.round(
          (this.#signedInAt.filter((at) => index(at) === w).length / (length / 1000)) * 100,
        ) / 100,
      p99Submit: p99('submit', w),
      p99Answer: p99('answer', w),
    }));
  }

  /** Counts one unexpected outcome; keeps its description if there are few so far. */
  error(description: string): void {
    this.counts.errors += 1;
    this.sample(description);
  }

  /** Keeps a description of something that went wrong (counted elsewhere). */
  sample(description: string): void {
    if (this.errorSamples.length < MAX_ERROR_SAMPLES) this.errorSamples.push(description);
  }

  latency(): Record<Step, Latency> {
    return Object.fromEntries(
      STEPS.map((step) => {
        const sorted = [...(this.#samples.get(step) ?? [])].sort((a, b) => a - b);
        return [
          step,
          { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) },
        ];
      }),
    ) as Record<Step, Latency>;
  }
}

/** Nearest-rank percentile of ascending `sorted`; 0 when there are no samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? 0;
}

/**
 * The most an instance's RSS may reach at the end of a run, in MB: twice its RSS before the
 * load, plus 50 MB. Sessions, accounts and the handoff ledger live in Redis, and a password
 * hash's memory is taken for the hash and released after it (the peak is every hashing
 * thread at once), so what an instance holds once the load has drained should not depend on
 * how many people signed in. The allowance covers V8 growing its heap to a working size, JIT
 * code and the malloc arenas the threadpool leaves behind. It catches gross growth only: the
 * more sign-ins a run makes, the smaller the leak per sign-in it catches; a slow leak needs
 * a longer run (`--seconds 600`) and a look at the start and end figures, which the report
 * gives for every instance.
 */
export function rssBoundMb(startMb: number): number {
  return 2 * startMb + 50;
}

/** Why the run failed, one reason a line; empty when it passed. */
export function soakFailures(figures: SoakFigures): string[] {
  const failures: string[] = [];
  const mustBeZero: Array<[keyof SoakCounts, string]> = [
    ['doubleRedemptions', 'double redemptions'],
    ['neverRedeemed', 'handoffs never redeemed'],
    ['sessionsLost', 'sessions lost'],
    ['aliveAfterSignOut', 'sessions alive after sign-out'],
    ['socketsNotEnded', 'account sockets not ended by sign-out'],
    ['fiveXx', '5xx'],
    ['errors', 'errors'],
  ];
  for (const [key, label] of mustBeZero) {
    if (figures[key] !== 0) failures.push(`${label} must be 0 (got ${figures[key]})`);
  }
  if (figures.signIns === 0) failures.push('sign-ins must be more than 0 (got 0)');
  for (const instance of figures.instances) {
    const { rssStartMb: start, rssEndMb: end } = instance;
    if (start === null || end === null) {
      failures.push(`instance ${instance.name} rss could not be read (start ${start}, end ${end})`);
    } else if (end > rssBoundMb(start)) {
      failures.push(
        `instance ${instance.name} rss end MB must be at most 2 x start + 50 = ${rssBoundMb(start)} (got ${end})`,
      );
    }
  }
  return failures;
}

const perSecond = (count: number, seconds: number) =>
  seconds > 0 ? (count / seconds).toFixed(2) : '0';

/** A performance target of the soak, reported beside its figure; it does not fail a run. */
export interface SoakTarget {
  /** One line's key, e.g. `target sign-ins per second >= 15`. */
  name: string;
  /** The figure of the whole run (also on its own line of the report). */
  value: number;
  /** The range of the figure over the windows that have one; null when none has. */
  range: { min: number; max: number } | null;
  /**
   * By the benchmarks' rule, on the range of the windows: met only when the worse end meets
   * the target, missed when even the better end misses it, unclear otherwise.
   */
  verdict: Verdict;
}

/** Browsers the targets are set for: the default `npm run soak` on 2 cores. */
export const TARGET_BROWSERS = 20;

function target(
  name: string,
  value: number,
  perWindow: ReadonlyArray<number | null>,
  goal: { direction: 'at-least' | 'at-most'; value: number },
): SoakTarget {
  const figures = perWindow.filter((v): v is number => v !== null);
  const range =
    figures.length === 0 ? null : { min: Math.min(...figures), max: Math.max(...figures) };
  // Fewer windows with a figure than the rule asks for (a window where nothing ended) leave
  // the verdict unclear at best.
  const judged = range ? verdictFor(range, goal) : 'missed';
  const verdict = judged === 'met' && figures.length < perWindow.length ? 'unclear' : judged;
  return { name, value, range, verdict };
}

/**
 * The targets that apply to this run. At the normal load: at least 15 sign-ins a second and
 * a p99 submit of at most 1 s (set for 20 browsers on 2 cores). In overload: every attempt
 * answered (a sign-in or busy) with a p99 of at most 3 s. Each is judged on its range over
 * the windows of the load (`Tally.windows`), so one good stretch cannot carry a run. They
 * are reported, not enforced, since they depend on the machine; correctness is what fails
 * a run.
 */
export function soakTargets(figures: SoakFigures): SoakTarget[] {
  const rate = Number(perSecond(figures.signIns, figures.seconds + figures.drainSeconds));
  const { windows } = figures;
  if (figures.overload) {
    return [
      target(
        'target p99 answer ms <= 3000',
        figures.latency.answer.p99,
        windows.map((w) => w.p99Answer),
        { direction: 'at-most', value: 3000 },
      ),
    ];
  }
  return [
    target(
      'target sign-ins per second >= 15',
      rate,
      windows.map((w) => w.signInsPerSecond),
      { direction: 'at-least', value: 15 },
    ),
    target(
      'target p99 submit ms <= 1000',
      figures.latency.submit.p99,
      windows.map((w) => w.p99Submit),
      { direction: 'at-most', value: 1000 },
    ),
  ];
}
const mb = (value: number | null) => (value === null ? 'n/a' : String(value));

/** The report: one figure a line, e.g. `double redemptions: 0`. */
export function formatReport(figures: SoakFigures): string {
  const lines = [
    `seconds: ${figures.seconds}`,
    `drain seconds: ${figures.drainSeconds}`,
    `browsers: ${figures.browsers}`,
    `overload: ${figures.overload ? 'yes' : 'no'}`,
    `sign-ups: ${figures.signUps}`,
    `log-ins: ${figures.logIns}`,
    `sign-ins without JavaScript: ${figures.formSignIns}`,
    `busy answers: ${figures.busy}`,
    `sign-ins: ${figures.signIns}`,
    `sign-ins per second: ${perSecond(figures.signIns, figures.seconds + figures.drainSeconds)}`,
    `replays refused: ${figures.replaysRefused}`,
    `double redemptions: ${figures.doubleRedemptions}`,
    `handoffs never redeemed: ${figures.neverRedeemed}`,
    `sessions lost: ${figures.sessionsLost}`,
    `sign-outs: ${figures.signOuts}`,
    `sessions alive after sign-out: ${figures.aliveAfterSignOut}`,
    `account sockets not ended by sign-out: ${figures.socketsNotEnded}`,
    `5xx: ${figures.fiveXx}`,
    `429: ${figures.rateLimited}`,
    `errors: ${figures.errors}`,
  ];
  for (const step of STEPS) {
    const { p50, p99 } = figures.latency[step];
    lines.push(`p50 ${step} ms: ${p50}`, `p99 ${step} ms: ${p99}`);
  }
  for (const instance of figures.instances) {
    const name = `instance ${instance.name}`;
    lines.push(
      `${name} rss start MB: ${mb(instance.rssStartMb)}`,
      `${name} rss peak MB: ${mb(instance.rssPeakMb)}`,
      `${name} rss end MB: ${mb(instance.rssEndMb)}`,
      `${name} rss bound MB: ${instance.rssStartMb === null ? 'n/a' : rssBoundMb(instance.rssStartMb)}`,
      `${name} error logs: ${instance.errorLogs}`,
      `${name} warn logs: ${instance.warnLogs}`,
      `${name} exit code: ${instance.exitCode ?? 'killed'}`,
    );
  }
  figures.windows.forEach((w, i) => {
    const at = `window ${i + 1}`;
    lines.push(
      `${at} sign-ins per second: ${w.signInsPerSecond}`,
      `${at} p99 submit ms: ${w.p99Submit ?? 'none'}`,
      `${at} p99 answer ms: ${w.p99Answer ?? 'none'}`,
    );
  });
  lines.push(`redis keys deleted: ${figures.keysDeleted}`);
  for (const target of soakTargets(figures)) {
    const range = target.range ? `${target.range.min}–${target.range.max}` : 'none';
    lines.push(`${target.name} range over windows: ${range}`, `${target.name}: ${target.verdict}`);
  }
  return lines.join('\n');
}
