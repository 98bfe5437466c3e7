import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../support/api.ts';
import { hasFocus, useBrowser } from '../support/browser.ts';
import { useTestEnv } from '../support/env.ts';
import type { HttpClient } from '../support/http.ts';
import { jobs } from '@hookrail/queue';
import { pendingJobs } from '../support/queue.ts';
import { useReceiver } from '../support/receiver.ts';
import { waitFor } from '../support/wait.ts';
import { useTestWorker } from '../support/worker.ts';

// "Retry failed deliveries" in a real Chromium: the dialog counts, the task runs, progress
// reaches every delivery, and the receiver gets each retried delivery once, even when the
// operator runs it a second time.
const env = useTestEnv();
const api = useTestApi(env);
// One attempt each: a failure is final at once, so only a retry sends again.
const worker = useTestWorker(env, {
  HOOKRAIL_RETRY_SCHEDULE: 'none',
  HOOKRAIL_BREAKER_FAILURES: '1000',
});
const receiver = useReceiver();
const browser = useBrowser();

const failing = 6;
let tenant: { id: string; apiKey: string; client: HttpClient };
let appId: string;
let broken = true;

beforeAll(async () => {
  tenant = await api.newTenant('Retry Co');
  receiver.answer((req) =>
    (req.path === '/hooks' && broken) || req.path === '/always-down'
      ? { status: 503 }
      : { status: 200, body: 'ok' },
  );
  appId = (await tenant.client.post('/api/v1/app', { name: 'Customer 7' })).json<{
    id: string;
  }>().id;
  await tenant.client.post(`/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/hooks` });
  for (let i = 0; i < failing; i++) {
    await tenant.client.post(`/api/v1/app/${appId}/msg`, {
      eventType: 'invoice.paid',
      eventId: `inv-${i}`,
      payload: { i },
    });
  }
  await waitFor(`${failing} failed deliveries`, async () => {
    const { rows } = await env.sql.query<{ n: number }>(
      "select count(*)::int as n from deliveries where app_id = $1 and status = 'failed'",
      [appId],
    );
    return rows[0]?.n === failing;
  });
  broken = false; // the receiver is fixed
});

async function signIn(page: Page): Promise<void> {
  await page.goto(`${api.url}/dashboard/`);
  await page.getByLabel('Tenant API key').fill(tenant.apiKey);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
}

/** The webhook-id of every request the receiver got, and how many times each came. */
function timesEachId(): Map<string, number> {
  const times = new Map<string, number>();
  for (const request of receiver.requestsTo('/hooks')) {
    const id = String(request.headers['webhook-id']);
    times.set(id, (times.get(id) ?? 0) + 1);
  }
  return times;
}

async function openDialog(page: Page) {
  await page.getByRole('button', { name: 'Retry failed deliveries' }).click();
  const dialog = page.getByRole('dialog', { name: 'Retry failed deliveries' });
  await dialog.waitFor();
  return dialog;
}

describe('the retry failed deliveries dialog', () => {
  it('shows the count, retries each failed delivery once with live progress to 100%, and a second run sends nothing', async () => {
    expect(receiver.requestsTo('/hooks')).toHaveLength(failing);
    const page = await browser.newPage({ timezoneId: 'Europe/Paris', locale: 'en-GB' });
    await signIn(page);

    let dialog = await openDialog(page);
    // Over one application, the last day (the default window).
    await dialog.getByLabel('One application').check();
    await dialog.getByLabel('Application', { exact: true }).selectOption({ label: 'Customer 7' });
    await dialog.getByText(`${failing} failed deliveries will be retried.`).waitFor();
    // By event type: none of another type.
    await dialog.getByLabel(/Event types/).fill('invoice.refunded');
    await dialog.getByText('No failed deliveries match: nothing to retry.').waitFor();
    await expect(
      dialog.getByRole('button', { name: 'Retry', exact: true }).isDisabled(),
    ).resolves.toBe(true);
    await dialog.getByLabel(/Event types/).fill('invoice.paid');
    await dialog.getByText(`${failing} failed deliveries will be retried.`).waitFor();
    await browser.screenshot(page, 'bulk-retry-dialog');

    await dialog.getByRole('button', { name: `Retry ${failing}` }).click();
    await dialog.getByText(`Queued ${failing} of ${failing}`).waitFor();
    await dialog.getByText(`Delivered ${failing} of ${failing} (100%)`).waitFor();
    await dialog.getByText(`Done: ${failing} delivered.`).waitFor();
    await browser.screenshot(page, 'bulk-retry-progress');

    // Each delivery was retried exactly once: the receiver saw each webhook-id twice in all
    // (the failed attempt, then the retry).
    await waitFor('the queue to drain', async () => (await pendingJobs(env)) === 0);
    expect([...timesEachId().values()]).toEqual(Array<number>(failing).fill(2));

    // After a reload the task's numbers are the same: they are kept with the task.
    await page.reload();
    await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
    dialog = await openDialog(page);
    await dialog
      .getByRole('region', { name: 'Recent retries' })
      .getByText(`finished, ${failing} of ${failing} delivered`)
      .waitFor();

    // A second run over the same scope finds nothing: nothing pending or delivered is re-sent.
    await dialog.getByLabel('Every application').check();
    await dialog.getByText('No failed deliveries match: nothing to retry.').waitFor();
    const started = await tenant.client.post('/api/v1/bulk-retry', {
      scope: { appId },
      since: new Date(Date.now() - 3_600_000).toISOString(),
    });
    const second = started.json<{ id: string }>().id;
    await waitFor('the second task to finish', async () => {
      const task = (await tenant.client.get(`/api/v1/bulk-retry/${second}`)).json<{
        status: string;
        total: number;
        queued: number;
      }>();
      return task.status === 'finished' ? task : undefined;
    }).then((task) => expect(task).toMatchObject({ total: 0, queued: 0 }));
    expect(await pendingJobs(env)).toBe(0);
    expect(receiver.requestsTo('/hooks')).toHaveLength(failing * 2);
  });

  it('cancels a running retry from the dialog, and the task then queues nothing', async () => {
    broken = true;
    const since = new Date().toISOString();
    for (let i = 0; i < 3; i++) {
      await tenant.client.post(`/api/v1/app/${appId}/msg`, {
        eventType: 'invoice.paid',
        payload: {},
      });
    }
    const failedSince = async () => {
      const { rows } = await env.sql.query<{ n: number }>(
        "select count(*)::int as n from deliveries where app_id = $1 and status = 'failed' and created_at >= $2",
        [appId, since],
      );
      return rows[0]?.n;
    };
    await waitFor('3 more failed deliveries', async () => (await failedSince()) === 3);
    broken = false;
    const before = receiver.requestsTo('/hooks').length;
    const page = await browser.newPage();
    await signIn(page);
    const dialog = await openDialog(page);
    await dialog.getByText('3 failed deliveries will be retried.').waitFor();
    // No worker runs the task, so it is still running (nothing queued) when canceled.
    await worker.stop();
    await dialog.getByRole('button', { name: 'Retry 3' }).click();
    await dialog.getByText('Queued 0 of 3').waitFor();
    await dialog.getByRole('button', { name: 'Cancel retry' }).click();
    await dialog.getByText(/; canceled\./).waitFor();
    await expect(dialog.getByRole('button', { name: 'Cancel retry' }).count()).resolves.toBe(0);
    await worker.start();
    await waitFor(
      'the task job to run',
      async () => (await pendingJobs(env, jobs.runTask.queue)) === 0,
    );
    expect(await failedSince()).toBe(3);
    expect(receiver.requestsTo('/hooks')).toHaveLength(before);
  });

  it('lists a tenant’s applications past the first 250 on request, and retries within the one chosen there', async () => {
    const many = await api.newTenant('Many Customers');
    const names = Array.from({ length: 260 }, (_, i) => `Customer ${String(i).padStart(3, '0')}`);
    // Ten at a time: a few seconds for all of them.
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(
        names.slice(i, i + 10).map(async (name) => {
          const res = await many.client.post('/api/v1/app', { name });
          expect(res.status, res.text).toBe(201);
        }),
      );
    }
    // Created last, so listed last (ascending ids): past the first page.
    const last = (await many.client.post('/api/v1/app', { name: 'Customer last' })).json<{
      id: string;
    }>().id;
    await many.client.post(`/api/v1/app/${last}/endpoint`, { url: `${receiver.url}/always-down` });
    await many.client.post(`/api/v1/app/${last}/msg`, { eventType: 'invoice.paid', payload: {} });
    await waitFor('the last application’s delivery to fail', async () => {
      const { rows } = await env.sql.query<{ n: number }>(
        "select count(*)::int as n from deliveries where app_id = $1 and status = 'failed'",
        [last],
      );
      return rows[0]?.n === 1;
    });

    const page = await browser.newPage();
    await page.goto(`${api.url}/dashboard/`);
    await page.getByLabel('Tenant API key').fill(many.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
    const dialog = await openDialog(page);
    await dialog.getByLabel('One application').check();
    const apps = dialog.getByLabel('Application', { exact: true });
    await dialog.getByText('The first 250 applications are listed.').waitFor();
    // "Choose…" and the first page.
    await expect(apps.getByRole('option').count()).resolves.toBe(251);
    await expect(apps.getByRole('option', { name: 'Customer last' }).count()).resolves.toBe(0);

    await dialog.getByRole('button', { name: 'Load more applications' }).click();
    await apps.getByRole('option', { name: 'Customer last' }).waitFor({ state: 'attached' });
    await expect(apps.getByRole('option').count()).resolves.toBe(262);
    // The whole list is in: no more to load, and the focus is on the list it grew.
    await expect(
      dialog.getByRole('button', { name: 'Load more applications' }).count(),
    ).resolves.toBe(0);
    await expect(hasFocus(apps)).resolves.toBe(true);

    await apps.selectOption({ label: 'Customer last' });
    await dialog.getByText('1 failed delivery will be retried.').waitFor();
    await dialog.getByLabel('One endpoint').check();
    await dialog
      .getByLabel('Endpoint', { exact: true })
      .selectOption({ label: `${receiver.url}/always-down` });
    await dialog.getByText('1 failed delivery will be retried.').waitFor();
    // The retry reaches that endpoint once more.
    expect(receiver.requestsTo('/always-down')).toHaveLength(1);
    await dialog.getByRole('button', { name: 'Retry 1' }).click();
    await dialog.getByText('Queued 1 of 1').waitFor();
    await waitFor(
      'the retried delivery to arrive',
      () => receiver.requestsTo('/always-down').length === 2,
    );
  }, 120_000); // 261 applications created first, on a shared machine
});
