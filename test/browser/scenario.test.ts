import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../support/api.ts';
import { useBrowser } from '../support/browser.ts';
import { useTestEnv } from '../support/env.ts';
import type { HttpClient } from '../support/http.ts';
import { pendingJobs } from '../support/queue.ts';
import { useReceiver } from '../support/receiver.ts';
import { waitFor } from '../support/wait.ts';
import { useTestWorker } from '../support/worker.ts';

// The operator's whole path through the dashboard, in a real Chromium against the real API,
// worker, Postgres and Redis: sign in, watch a message arrive live, find out why an endpoint
// fails, fix it, retry, and check that the receiver got each retried delivery once.
const env = useTestEnv();
const api = useTestApi(env);
// One attempt each: a failure is final at once, so only a retry sends again. The breaker
// stays closed so that every failure is an attempt the receiver sees.
useTestWorker(env, { HOOKRAIL_RETRY_SCHEDULE: 'none', HOOKRAIL_BREAKER_FAILURES: '1000' });
const receiver = useReceiver();
const browser = useBrowser();

let tenant: { id: string; apiKey: string; client: HttpClient };
let appId: string;
let failingSecret: string;
/** The receiver's /failing path answers 500 until it is fixed. */
let broken = true;

beforeAll(async () => {
  tenant = await api.newTenant('Acme Billing');
  receiver.answer((req) =>
    req.path === '/failing' && broken
      ? { status: 500, body: 'database is down, try later' }
      : { status: 200, body: 'ok' },
  );
  appId = (await tenant.client.post('/api/v1/app', { name: 'Customer 42' })).json<{
    id: string;
  }>().id;
  await tenant.client.post(`/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/ok` });
  const failing = (
    await tenant.client.post(`/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/failing` })
  ).json<{ id: string }>().id;
  failingSecret = (
    await tenant.client.get(`/api/v1/app/${appId}/endpoint/${failing}/secret`)
  ).json<{ key: string }>().key;
});

async function send(eventId: string, payload: unknown): Promise<string> {
  const res = await tenant.client.post(`/api/v1/app/${appId}/msg`, {
    eventType: 'invoice.paid',
    eventId,
    payload,
  });
  expect(res.status).toBe(202);
  return res.json<{ id: string }>().id;
}

/** How many requests to `path` carried each webhook-id (a message's id). */
function timesEachMessage(path: string): Map<string, number> {
  const times = new Map<string, number>();
  for (const request of receiver.requestsTo(path)) {
    const id = String(request.headers['webhook-id']);
    times.set(id, (times.get(id) ?? 0) + 1);
  }
  return times;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${api.url}/dashboard/`);
  // By keyboard: the key field has the focus, Enter submits.
  await page.getByLabel('Tenant API key').waitFor();
  await page.keyboard.type(tenant.apiKey);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
}

describe('the operator’s scenario', () => {
  it('signs in, sees a message arrive live, finds the failing endpoint’s attempts, fixes the receiver, retries one and then the rest in bulk to 100%, and each retried delivery arrives once', async () => {
    const page = await browser.newPage({ timezoneId: 'Asia/Tokyo', locale: 'en-US' });
    await signIn(page);
    await expect(page.locator('.top .tenant').textContent()).resolves.toBe('Acme Billing');
    // The page holds no credential a script could read: the session is an httpOnly cookie.
    await expect(page.evaluate('document.cookie')).resolves.toBe('');

    // The log is open and empty; the message and its deliveries' outcomes appear live,
    // through the status stream, without a reload.
    await page.getByText('No messages have been sent yet.').waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const msgId = await send('inv-1001-paid', { invoiceId: 'inv_1001', amountCents: 4200 });
    const row = page.getByRole('row').filter({ hasText: 'inv-1001-paid' });
    await row.locator('.badge.failed').waitFor();
    await row.locator('.badge.succeeded').waitFor();
    await expect(row.locator('.badge.failed').textContent()).resolves.toBe('failed 500');
    await expect(row.locator('.badge.succeeded').textContent()).resolves.toBe('succeeded 200');
    // Times are the viewer's own (Tokyo here), with their age.
    const created = (await row.locator('time').getAttribute('datetime')) ?? '';
    const tokyo = new Intl.DateTimeFormat('en-US', {
      dateStyle: 'medium',
      timeStyle: 'medium',
      timeZone: 'Asia/Tokyo',
    }).format(new Date(created));
    await expect(row.locator('time').textContent()).resolves.toMatch(
      new RegExp(`^${tokyo.replace(/\s/g, '\\s')} \\((now|\\d+ seconds? ago|1 minute ago)\\)$`),
    );
    // Two more messages fail the same way while the receiver is down; they arrive live too.
    const later = [
      await send('inv-1002-paid', { invoiceId: 'inv_1002' }),
      await send('inv-1003-paid', { invoiceId: 'inv_1003' }),
    ];
    for (const eventId of ['inv-1002-paid', 'inv-1003-paid']) {
      await page.getByRole('row').filter({ hasText: eventId }).locator('.badge.failed').waitFor();
    }

    // The detail of the first message: the failing endpoint's attempt, what it answered, and
    // the signed request headers (the signature, never the secret).
    await row.getByRole('link', { name: 'inv-1001-paid' }).click();
    await page.getByRole('heading', { name: 'invoice.paid' }).waitFor();
    await expect(page.getByLabel('Payload JSON').textContent()).resolves.toContain(
      '"amountCents": 4200',
    );
    const failing = page.getByRole('article', { name: `${receiver.url}/failing` });
    await expect(failing.locator('.badge').textContent()).resolves.toBe('failed 500');
    await expect(failing.locator('.attempt-summary').textContent()).resolves.toContain('HTTP 500');
    await expect(failing.getByLabel('Response excerpt').textContent()).resolves.toBe(
      'database is down, try later',
    );
    await failing.getByText('Request headers').click();
    const signature = failing.getByRole('row', { name: /webhook-signature/ });
    await expect(signature.textContent()).resolves.toMatch(/v1,[A-Za-z0-9+/=]{44}/);
    await expect(page.content()).resolves.not.toContain(failingSecret.slice('whsec_'.length));

    // The receiver is fixed; one delivery is retried from the page and succeeds.
    expect(receiver.requestsTo('/failing').map((r) => r.status)).toEqual([500, 500, 500]);
    broken = false;
    await failing.getByRole('button', { name: 'Retry' }).click();
    await failing.locator('.badge.succeeded').waitFor();
    await expect(failing.locator('.attempts > li').count()).resolves.toBe(2);
    await expect(failing.locator('.attempts > li').first().textContent()).resolves.toMatch(
      /Attempt 2 \(manual\).*HTTP 200/,
    );

    // The two other failed deliveries: a bulk retry over the application and the last day,
    // from the log's dialog, counted before it starts and followed to 100%.
    await page.getByRole('link', { name: '← Delivery log' }).click();
    await page.getByRole('button', { name: 'Retry failed deliveries' }).click();
    const dialog = page.getByRole('dialog', { name: 'Retry failed deliveries' });
    await dialog.getByLabel('One application').check();
    await dialog.getByLabel('Application', { exact: true }).selectOption({ label: 'Customer 42' });
    await dialog.getByText('2 failed deliveries will be retried.').waitFor();
    await dialog.getByRole('button', { name: 'Retry 2' }).click();
    await dialog.getByText('Queued 2 of 2').waitFor();
    await dialog.getByText('Delivered 2 of 2 (100%)').waitFor();
    await dialog.getByText('Done: 2 delivered.').waitFor();
    await browser.screenshot(page, 'scenario-bulk-retry');
    await dialog.getByRole('button', { name: 'Close' }).click();
    for (const eventId of ['inv-1002-paid', 'inv-1003-paid']) {
      const line = page.getByRole('row').filter({ hasText: eventId });
      await line.locator('.badge.succeeded').nth(1).waitFor();
      await expect(line.locator('.badge.failed').count()).resolves.toBe(0);
    }

    // Each delivery that was retried arrived once more, and only once: the failed attempt,
    // then one successful retry; the healthy endpoint got each message once.
    await waitFor('the queue to drain', async () => (await pendingJobs(env)) === 0);
    expect(Object.fromEntries(timesEachMessage('/failing'))).toEqual({
      [msgId]: 2,
      [later[0] ?? '']: 2,
      [later[1] ?? '']: 2,
    });
    expect([...timesEachMessage('/ok').values()]).toEqual([1, 1, 1]);
    expect(receiver.requestsTo('/failing').map((r) => r.status)).toEqual([
      500, 500, 500, 200, 200, 200,
    ]);
  }, 120_000);
});
