import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../support/api.ts';
import { useBrowser } from '../support/browser.ts';
import { useTestEnv } from '../support/env.ts';
import type { HttpClient } from '../support/http.ts';
import { useReceiver } from '../support/receiver.ts';
import { waitFor } from '../support/wait.ts';
import { useTestWorker } from '../support/worker.ts';

const env = useTestEnv();
// Room for the 1 MB payload of the folding test.
const api = useTestApi(env, { HOOKRAIL_MAX_BODY: '2mb' });
// One attempt each: a failure is final at once, so only a retry sends again.
useTestWorker(env, { HOOKRAIL_RETRY_SCHEDULE: 'none' });
const receiver = useReceiver();
const browser = useBrowser();

let tenant: { id: string; apiKey: string; client: HttpClient };
let appId: string;
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
  await tenant.client.post(`/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/failing` });
});

async function signIn(page: Page): Promise<void> {
  await page.goto(`${api.url}/dashboard/`);
  // By keyboard: the key field has the focus, Enter submits.
  await page.getByLabel('Tenant API key').waitFor();
  await page.keyboard.type(tenant.apiKey);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
}

async function send(eventId: string, payload: unknown): Promise<string> {
  const res = await tenant.client.post(`/api/v1/app/${appId}/msg`, {
    eventType: 'invoice.paid',
    eventId,
    payload,
  });
  expect(res.status).toBe(202);
  return res.json<{ id: string }>().id;
}

async function finalDeliveries(msgId: string): Promise<void> {
  await waitFor(`the deliveries of ${msgId} to end`, async () => {
    const { rows } = await env.sql.query<{ n: number }>(
      "select count(*)::int as n from deliveries where message_id = $1 and status in ('succeeded', 'failed')",
      [msgId],
    );
    return rows[0]?.n === 2;
  });
}

// The operator's main path (sign in, live log, failing attempts, retry) is scenario.test.ts.
describe('the operator dashboard', () => {
  it('filters the log by status, keeping the filters in the address', async () => {
    broken = true;
    const failed = await send('inv-2002-paid', { invoiceId: 'inv_2002' });
    await finalDeliveries(failed);
    broken = false;
    const page = await browser.newPage();
    await signIn(page);
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/\?status=failed$/);
    const rows = page.locator('table.log tbody tr');
    await rows.first().waitFor();
    // Only this message has a failed delivery.
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('inv-2002-paid');
    await page.reload();
    await page.locator('table.log tbody tr').first().waitFor();
    await expect(page.getByLabel('Status').inputValue()).resolves.toBe('failed');

    await page.getByLabel('Application').selectOption(appId);
    await page.getByLabel('Event type').fill('no.such.type');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No deliveries match these filters.').waitFor();
  });

  it('shows a 1 MB payload folded while its deliveries change live, and all of it on a later click', async () => {
    const big = { items: Array.from({ length: 20_000 }, (_, i) => `item-${i}-${'x'.repeat(40)}`) };
    const page = await browser.newPage();
    await signIn(page);
    // The page is open before the deliveries end: it renders again on each status change.
    const msgId = await send('inv-big', big);
    await page.goto(`${api.url}/dashboard/app/${appId}/msg/${msgId}`);
    const payload = page.getByLabel('Payload JSON');
    await payload.waitFor();
    const show = page.getByRole('button', { name: /^Show all \(1\.\d MiB\)$/ });
    await expect(show.getAttribute('aria-expanded')).resolves.toBe('false');
    expect((await payload.textContent())?.length).toBeLessThan(5000);
    // Both deliveries end while the page shows it folded.
    await waitFor(
      'both deliveries to end on the page',
      async () =>
        (await page.locator('article .badge.succeeded, article .badge.failed').count()) === 2,
    );
    expect((await payload.textContent())?.length).toBeLessThan(5000);
    // A later click is handled: all of it, then folded again.
    await show.click();
    await expect(payload.textContent()).resolves.toContain('item-19999-');
    await expect(
      page.getByRole('button', { name: 'Fold' }).getAttribute('aria-expanded'),
    ).resolves.toBe('true');
    await page.getByRole('button', { name: 'Fold' }).click();
    await expect(payload.textContent()).resolves.not.toContain('item-19999-');
  }, 60_000);

  it('reads a message once on its page, while its deliveries change live and after a retry', async () => {
    broken = true;
    const page = await browser.newPage();
    await signIn(page);
    const msgId = await send('inv-read-once', { invoiceId: 'inv_3003' });
    const message = `/api/v1/app/${appId}/msg/${msgId}`;
    const reads = { message: 0, deliveries: 0 };
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (request.method() !== 'GET') return;
      if (path === message) reads.message += 1;
      if (path === `${message}/endpoint`) reads.deliveries += 1;
    });
    // Opened before the deliveries end: they change on the page.
    await page.goto(`${api.url}/dashboard/app/${appId}/msg/${msgId}`);
    const failed = page.getByRole('article', { name: `${receiver.url}/failing` });
    await failed.getByRole('button', { name: 'Retry' }).waitFor();
    broken = false;
    await failed.getByRole('button', { name: 'Retry' }).click();
    await failed.getByText('Attempt 2 (manual)').waitFor();
    // The deliveries were read again as they changed; the message, once.
    expect(reads.deliveries).toBeGreaterThan(1);
    expect(reads.message).toBe(1);
  });

  it('folds a payload over 64 KiB as sent, and shows one under it whole', async () => {
    // About 60 KiB as sent; its pretty-printed text is over 64 KiB.
    const under = {
      items: Array.from(
        { length: 3000 },
        (_, i) => `u-${String(i).padStart(5, '0')}-${'y'.repeat(8)}`,
      ),
    };
    const over = {
      items: Array.from(
        { length: 3500 },
        (_, i) => `o-${String(i).padStart(5, '0')}-${'y'.repeat(8)}`,
      ),
    };
    expect(JSON.stringify(under).length).toBeLessThan(64 * 1024);
    expect(JSON.stringify(under, null, 2).length).toBeGreaterThan(64 * 1024);
    expect(JSON.stringify(over).length).toBeGreaterThan(64 * 1024);
    const page = await browser.newPage();
    await signIn(page);
    for (const [payload, folded] of [
      [under, false],
      [over, true],
    ] as const) {
      const msgId = await send(`inv-${String(folded)}`, payload);
      await page.goto(`${api.url}/dashboard/app/${appId}/msg/${msgId}`);
      const last = payload.items.at(-1) ?? '';
      const text = page.getByLabel('Payload JSON');
      await text.waitFor();
      expect(((await text.textContent()) ?? '').includes(last)).toBe(!folded);
      await expect(page.getByRole('button', { name: /^Show all/ }).count()).resolves.toBe(
        folded ? 1 : 0,
      );
    }
  });

  it('signs out, and the session no longer reads the API', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Tenant API key').waitFor();
    const status = await page.evaluate(async () =>
      (await fetch('/api/v1/dashboard/session')).json(),
    );
    expect(status).toEqual({ signedIn: false });
  });
});
