/**
 * What the browser tests share: where screenshots go, a page that records its script
 * errors, the live socket's state, signing a person up through the real form, and axe-core.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { MailboxEntry } from '../../server/http/dev-mailbox.ts';
import type { RunningServer } from '../helpers/start-server.ts';

export const SHOTS = path.resolve(import.meta.dirname, '../../test-output/screenshots');

/** The password `signUp` gives every account. */
export const PASSWORD = 'a long enough password';

/** For polls that wait on the page: room for a busy machine, checked often. */
export const SLOW = Object.freeze({ timeout: 10_000, interval: 50 });

/** Saves a full-page screenshot as test-output/screenshots/<name>.png. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** A new page that collects uncaught errors and console errors into `errors`. */
export async function pageWithErrors(
  context: BrowserContext,
): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return { page, errors };
}

/** The "Reconnecting…" status, however the page renders it. */
export const reconnecting = (page: Page) =>
  page.getByRole('status').filter({ hasText: 'Reconnecting' });

/** Marks each page of `context` once its live socket is open, for `liveOpen` to wait on. */
export async function markLiveSocket(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('open', () => {
          (window as unknown as { liveOpen: boolean }).liveOpen = true;
        });
      }
    };
  });
}

/** Waits until the page's live socket has opened (its context marked by `markLiveSocket`). */
export async function liveOpen(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as { liveOpen?: boolean }).liveOpen === true);
}

/** The paths of the POSTs a page makes from now on, in order. */
export function recordPosts(page: Page): string[] {
  const posts: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST') posts.push(new URL(request.url()).pathname);
  });
  return posts;
}

/** Waits until the live socket is up (no "Reconnecting…"), so the page is in its live state. */
export async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await expect.poll(() => reconnecting(page).count(), SLOW).toBe(0);
}

/**
 * The newest email to `to` in `server`'s dev mailbox (with `subject`, when given: exactly, or
 * matching), once its mail queue has handed everything over.
 */
export async function newestMailTo(
  server: RunningServer,
  to: string,
  subject?: RegExp | string,
): Promise<MailboxEntry> {
  await server.baton.mailer.idle();
  const all = (await (await fetch(`${server.url}/dev/mailbox/json`)).json()) as MailboxEntry[];
  const found = all.find(
    (email) =>
      email.to === to &&
      (subject === undefined ||
        (typeof subject === 'string' ? email.subject === subject : subject.test(email.subject))),
  );
  if (!found) throw new Error(`no email${subject ? ` "${subject}"` : ''} to ${to}`);
  return found;
}

/** Fills the form on the current page and presses its button. */
export async function fillAndSubmit(
  page: Page,
  button: 'Log in' | 'Sign up',
  email: string,
  password: string,
): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: button }).click();
}

/** Signs a new person up through /signup and waits for the account page. */
export async function signUp(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/signup`);
  await fillAndSubmit(page, 'Sign up', email, PASSWORD);
  await page.waitForURL(`${base}/account`);
}

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/**
 * axe-core's violations on the page as it is, one line each. The pages' CSP forbids inline
 * scripts, so axe is evaluated over the DevTools protocol (not subject to CSP).
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    type Violation = {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: unknown[] }[];
    };
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: Violation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

/**
 * Screenshots the page light and dark at each of `widths` (`<name>-<width>[-dark].png`),
 * checking it with axe-core each time, or only at the width `axe` names, or never
 * (`axe: false`: a page without JavaScript, where nothing can be evaluated). Leaves the page
 * light, at the last width.
 */
export async function checkAndShoot(
  page: Page,
  name: string,
  {
    widths = [375, 1280],
    height = 800,
    axe = true,
  }: { widths?: readonly number[]; height?: number; axe?: boolean | number } = {},
): Promise<void> {
  for (const width of widths) {
    await page.setViewportSize({ width, height });
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      if (axe === true || axe === width) {
        expect(await axeViolations(page), `${name}, ${colorScheme}`).toEqual([]);
      }
      await shot(page, `${name}-${width}${colorScheme === 'dark' ? '-dark' : ''}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
