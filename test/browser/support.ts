/**
 * What the browser tests share: where screenshots go, a page that records its script
 * errors, signing a person up through the real form, and axe-core.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { MailboxEntry } from '../../server/http/dev-mailbox.ts';
import type { RunningServer } from '../helpers/start-server.ts';

export const SHOTS = path.resolve(import.meta.dirname, '../../test-output/screenshots');

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

/** Waits until the live socket is up (no "Reconnecting…"), so the page is in its live state. */
export async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await expect.poll(() => reconnecting(page).count(), { timeout: 10_000, interval: 50 }).toBe(0);
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
  await fillAndSubmit(page, 'Sign up', email, 'a long enough password');
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
