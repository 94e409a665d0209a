import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, type LaunchedBrowser, launchChromium } from '../helpers/chromium.ts';
import { type Cluster, type Instance, startCluster } from '../helpers/cluster.ts';
import { deleteKeys, redisSkipReason, uniquePrefix } from '../helpers/redis.ts';

const skip = browserSkipReason() ?? (await redisSkipReason());

describe.skipIf(skip !== null)('signing out on one instance in a real browser', () => {
  const prefix = uniquePrefix();
  let cluster: Cluster;
  let a: Instance;
  let b: Instance;
  let chromium: LaunchedBrowser;

  beforeAll(async () => {
    [cluster, chromium] = await Promise.all([startCluster({ prefix }), launchChromium()]);
    [a, b] = cluster.instances as [Instance, Instance];
  });

  afterAll(async () => {
    await chromium?.close();
    await cluster?.stop();
    await deleteKeys(prefix);
  });

  it('sends the account page open on A to /login after a sign-out on B, within a few seconds', async () => {
    const context = await chromium.newContext();
    const errors: string[] = [];
    const onA = await context.newPage();
    onA.on('pageerror', (error) => errors.push(error.message));
    const email = `${randomUUID()}@example.test`;

    await onA.goto(`${a.url}/signup`);
    await expect
      .poll(() => onA.getByRole('status').filter({ hasText: 'Reconnecting' }).count())
      .toBe(0);
    await onA.getByLabel('Email').fill(email);
    await onA.getByLabel('Password').fill('a long enough password');
    await onA.getByRole('button', { name: 'Sign up' }).click();
    await onA.waitForURL(`${a.url}/account`);
    await expect.poll(() => onA.getByText(email).count()).toBeGreaterThan(0);

    // A second tab of the same browser on B: cookies ignore ports, so it is signed in too.
    const onB = await context.newPage();
    await onB.goto(`${b.url}/account`);
    await expect.poll(() => onB.getByText(email).count()).toBeGreaterThan(0);
    // The page on A is told over its socket (`session-ended`), and only then leaves: it is
    // still on /account when B's "Log out" is pressed.
    const told: string[] = [];
    onA.on('websocket', (socket) =>
      socket.on('framereceived', (frame) => {
        if (String(frame.payload).includes('"session-ended"')) told.push(onA.url());
      }),
    );
    await onA.reload();
    await expect
      .poll(() => onA.getByRole('status').filter({ hasText: 'Reconnecting' }).count())
      .toBe(0);
    expect(onA.url()).toBe(`${a.url}/account`);
    await onB.getByRole('button', { name: 'Log out' }).click();

    // The contract's "within a few seconds" is the bound of this wait, not a measurement.
    await onA.waitForURL(`${a.url}/login`, { timeout: 5_000 });
    await onB.waitForURL(`${b.url}/login`);
    expect(told).toEqual([`${a.url}/account`]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
