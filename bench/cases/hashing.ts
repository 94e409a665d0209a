/**
 * Password checks per second on one core: argon2id at OWASP's default (@node-rs/argon2),
 * scrypt at OWASP's N = 2^17, r = 8, p = 1 (node:crypto) and bcrypt at cost 12
 * (@node-rs/bcrypt), side by side in interleaved rounds on this process's main thread.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import * as argon2 from '@node-rs/argon2';
import * as bcrypt from '@node-rs/bcrypt';
import type { Mode } from '../lib/mode.ts';
import { type BenchResult, count, figure, ms, row } from '../lib/result.ts';
import { interleave, pairedRatios, summarize } from '../lib/stats.ts';

/** OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane (@node-rs/argon2's defaults too). */
export const ARGON2ID_OWASP = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
/** OWASP's scrypt: N = 2^17, r = 8, p = 1 (128 MiB); maxmem leaves room above 128 MiB. */
export const SCRYPT_OWASP = { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 } as const;
export const BCRYPT_COST = 12;

const PASSWORD = 'correct horse battery staple';
const VARIANTS = ['argon2id', 'scrypt', 'bcrypt'] as const;
type Variant = (typeof VARIANTS)[number];

const LABELS: Record<Variant, string> = {
  argon2id: 'argon2id m=19456 KiB t=2 p=1 (@node-rs/argon2)',
  scrypt: 'scrypt N=2^17 r=8 p=1 (node:crypto)',
  bcrypt: 'bcrypt cost 12 (@node-rs/bcrypt)',
};

/** One password check per variant: hashed once up front, then verified against the stored hash. */
export function checkers(): Record<Variant, () => boolean> {
  const argonHash = argon2.hashSync(PASSWORD, ARGON2ID_OWASP);
  const bcryptHash = bcrypt.hashSync(PASSWORD, BCRYPT_COST);
  const salt = randomBytes(16);
  const scryptKey = scryptSync(PASSWORD, salt, 32, SCRYPT_OWASP);
  return {
    argon2id: () => argon2.verifySync(argonHash, PASSWORD),
    scrypt: () => timingSafeEqual(scryptSync(PASSWORD, salt, 32, SCRYPT_OWASP), scryptKey),
    bcrypt: () => bcrypt.verifySync(PASSWORD, bcryptHash),
  };
}

/** Checks per second over at least `roundMs` (and at least one check), on this thread. */
function checksPerSecond(check: () => boolean, roundMs: number): number {
  let checks = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    if (!check()) throw new Error('a password check failed for the right password');
    checks++;
    elapsed = performance.now() - start;
  } while (elapsed < roundMs);
  return (checks * 1000) / elapsed;
}

export async function hashingBenchmark(mode: Mode): Promise<Omit<BenchResult, 'seconds'>> {
  const check = checkers();
  const roundMs = mode.quick ? 250 : 1500;
  const rounds = mode.quick ? 2 : 5;
  for (const variant of VARIANTS) checksPerSecond(check[variant], 1);
  const raw = await interleave(rounds, VARIANTS, (variant) =>
    checksPerSecond(check[variant], roundMs),
  );
  const rate = {
    argon2id: summarize(raw.argon2id),
    scrypt: summarize(raw.scrypt),
    bcrypt: summarize(raw.bcrypt),
  };
  const perCheck = (v: Variant) => ms(1000 / rate[v].median);
  const checksFigure = (v: Variant) => figure(rate[v], count, ' checks/s');
  return {
    id: 'hashing',
    title: 'Password checks per second per core',
    rows: [
      row({
        subject: 'argon2id (OWASP default) checks/s per core',
        baseline: LABELS.bcrypt,
        batonFigure: checksFigure('argon2id'),
        baselineFigure: checksFigure('bcrypt'),
        ratio: pairedRatios(rate.argon2id, rate.bcrypt),
        unit: 'x',
        target: { direction: 'at-least', value: 10 },
      }),
      row({
        subject: 'scrypt (OWASP) checks/s per core',
        baseline: LABELS.bcrypt,
        batonFigure: checksFigure('scrypt'),
        baselineFigure: checksFigure('bcrypt'),
        ratio: pairedRatios(rate.scrypt, rate.bcrypt),
        unit: 'x',
        target: null,
      }),
      row({
        subject: 'argon2id (OWASP default) checks/s per core',
        baseline: LABELS.scrypt,
        batonFigure: checksFigure('argon2id'),
        baselineFigure: checksFigure('scrypt'),
        ratio: pairedRatios(rate.argon2id, rate.scrypt),
        unit: 'x',
        target: null,
      }),
    ],
    method: [
      `Each hasher hashes one password once, then verifies it against that hash over and over on the ` +
        `benchmark's main thread (the synchronous APIs: \`verifySync\` of @node-rs/argon2 and ` +
        `@node-rs/bcrypt, \`scryptSync\` plus \`timingSafeEqual\`), so each figure is what one core ` +
        `checks per second. ${rounds} interleaved rounds of at least ${roundMs} ms per hasher, the order ` +
        `rotating each round.`,
      `A sign-in costs one check, so checks per core bound sign-ins per core; a server runs one check per ` +
        `core at a time (server/accounts/password-gate.ts) and answers 'server.busy' once the expected wait passes about 2 s.`,
    ].join('\n\n'),
    details: [
      [
        '| hasher | checks/s per core | per check |',
        '|---|---|---|',
        ...VARIANTS.map((v) => `| ${LABELS[v]} | ${checksFigure(v)} | ${perCheck(v)} |`),
      ].join('\n'),
    ],
    limits: [
      `The target asks argon2id at OWASP's minimum to check at least ten times as many passwords per ` +
        `core as bcrypt at cost 12, the common default: a cost that keeps sign-ins cheap for the server ` +
        `while still costing an attacker 19 MiB of memory per guess. Both run in native code, so the ` +
        `ratio depends on the CPU's memory bandwidth (argon2) against its integer speed (bcrypt).`,
    ],
  };
}
