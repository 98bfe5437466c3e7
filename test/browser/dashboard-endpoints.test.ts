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
const api = useTestApi(env);
// One attempt each: a failure is final at once.
useTestWorker(env, { HOOKRAIL_RETRY_SCHEDULE: 'none' });
const receiver = useReceiver();
const browser = useBrowser();

let tenant: { apiKey: string; client: HttpClient };
const example = { invoiceId: 'inv_77', amountCents: 1200 };

beforeAll(async () => {
  tenant = await api.newTenant('Acme Billing');
  receiver.answer((req) =>
    req.path === '/failing' ? { status: 503, body: 'down' } : { status: 200, body: 'ok' },
  );
  const created = await tenant.client.post('/api/v1/event-type', {
    name: 'invoice.paid',
    description: 'An invoice was paid in full.',
    schemas: {
      '1': {
        type: 'object',
        properties: { invoiceId: { type: 'string' }, amountCents: { type: 'integer' } },
        examples: [example],
      },
    },
  });
  expect(created.status, created.text).toBe(201);
});

async function signIn(page: Page): Promise<void> {
  await page.goto(`${api.url}/dashboard/`);
  await page.getByLabel('Tenant API key').fill(tenant.apiKey);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
}

async function endpointOf(appId: string, endpointId: string) {
  const res = await tenant.client.get(`/api/v1/app/${appId}/endpoint/${endpointId}`);
  expect(res.status).toBe(200);
  return res.json<{ disabled: boolean; disabledReason: string | null; rateLimit: number | null }>();
}

async function secretOf(appId: string, endpointId: string): Promise<string> {
  return (await tenant.client.get(`/api/v1/app/${appId}/endpoint/${endpointId}/secret`)).json<{
    key: string;
  }>().key;
}

describe('the application and endpoint pages', () => {
  it('creates an application and an endpoint, shows its health, and manages it', async () => {
    const page = await browser.newPage({ timezoneId: 'America/Sao_Paulo', locale: 'en-US' });
    await signIn(page);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Applications' })
      .click();
    await page.getByRole('heading', { name: 'Applications' }).waitFor();
    await page.getByText('No applications yet').waitFor();

    // Create an application, by keyboard: the name field has the focus.
    await page.getByRole('button', { name: 'New application' }).click();
    await page.keyboard.type('Customer 7');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Customer 7' }).waitFor();
    const appId = /\/app\/(app_[a-z0-9]+)$/.exec(page.url())?.[1] ?? '';
    expect(appId).toMatch(/^app_/);
    await page.getByText('This application has no endpoints yet.').waitFor();
    await page
      .getByRole('img', { name: /^Deliveries per hour over the last 24 hours: 0 in all/ })
      .waitFor();

    // Create an endpoint through the form; the page of the new endpoint opens.
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByLabel('URL').fill(`${receiver.url}/hooks`);
    await page.getByLabel('Description').fill('Main receiver');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('heading', { name: `${receiver.url}/hooks` }).waitFor();
    const endpointId = /\/endpoint\/(ep_[a-z0-9]+)$/.exec(page.url())?.[1] ?? '';
    expect(endpointId).toMatch(/^ep_/);

    // A second, failing endpoint (made through the API) and a message to both.
    const failing = (
      await tenant.client.post(`/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/failing` })
    ).json<{ id: string }>().id;
    const sent = await tenant.client.post(`/api/v1/app/${appId}/msg`, {
      eventType: 'invoice.paid',
      payload: { invoiceId: 'inv_1' },
    });
    expect(sent.status).toBe(202);
    await waitFor('both deliveries to end', async () => {
      const { rows } = await env.sql.query<{ n: number }>(
        "select count(*)::int as n from deliveries where app_id = $1 and status in ('succeeded', 'failed')",
        [appId],
      );
      return rows[0]?.n === 2;
    });

    // The application's page lists both endpoints with their health at a glance.
    await page.getByRole('link', { name: '← Application' }).click();
    await page.getByRole('heading', { name: 'Customer 7' }).waitFor();
    const okRow = page.getByRole('row').filter({ hasText: `${receiver.url}/hooks` });
    const failingRow = page.getByRole('row').filter({ hasText: `${receiver.url}/failing` });
    await okRow
      .getByRole('img', { name: /Success rate over the last 24 hours: 100%, 1 of 1/ })
      .waitFor();
    await expect(okRow.textContent()).resolves.toContain('enabled');
    await failingRow
      .getByRole('img', { name: /Success rate over the last 24 hours: 0%, 0 of 1/ })
      .waitFor();
    await failingRow.getByText('HTTP 503').waitFor();
    await page
      .getByRole('img', { name: /Deliveries per hour over the last 24 hours: 2 in all/ })
      .waitFor();
    await page.getByText('Failure rate: 50%').waitFor();

    // Disable, then enable again.
    await okRow.getByRole('link', { name: `${receiver.url}/hooks` }).click();
    await page.getByRole('heading', { name: `${receiver.url}/hooks` }).waitFor();
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByText('disabled by hand').waitFor();
    await expect(endpointOf(appId, endpointId)).resolves.toMatchObject({
      disabled: true,
      disabledReason: 'manual',
    });
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('button', { name: 'Disable' }).waitFor();
    await expect(endpointOf(appId, endpointId)).resolves.toMatchObject({ disabled: false });

    // The secret is not in the page until revealed; rotating makes a new one.
    const first = await secretOf(appId, endpointId);
    await expect(page.content()).resolves.not.toContain(first);
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    await expect(page.getByLabel('Current signing secret').textContent()).resolves.toBe(first);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: 'Confirm rotation' }).click();
    await page.getByText('Secret rotated').waitFor();
    const second = await secretOf(appId, endpointId);
    expect(second).not.toBe(first);
    await waitFor(
      'the new secret to show',
      async () => (await page.getByLabel('Current signing secret').textContent()) === second,
    );
    await page.getByRole('button', { name: 'Hide secret' }).click();
    await expect(page.content()).resolves.not.toContain(second);

    // A test event: the example of the event type, to this endpoint only.
    const before = receiver.requests.length;
    await page.getByLabel('Event type', { exact: true }).selectOption('invoice.paid');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByText(/Test event sent as msg_/).waitFor();
    const test = await waitFor('the test event to arrive', () =>
      receiver.requests.slice(before).find((r) => r.path === '/hooks'),
    );
    expect(JSON.parse(test.body)).toEqual(example);
    expect(receiver.requests.slice(before).filter((r) => r.path === '/failing')).toEqual([]);

    // Edit: a rate limit and a custom header.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Rate limit (per second)').fill('5');
    await page.getByLabel('Custom headers').fill('X-Customer: 7');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Endpoint saved.').waitFor();
    await page.getByText('5 per second').waitFor();
    await expect(endpointOf(appId, endpointId)).resolves.toMatchObject({ rateLimit: 5 });
    const headers = await tenant.client.get(`/api/v1/app/${appId}/endpoint/${endpointId}/headers`);
    expect(headers.json()).toMatchObject({ headers: { 'X-Customer': '7' } });

    // The failing endpoint's page names its last failure.
    await page.goto(`${api.url}/dashboard/app/${appId}/endpoint/${failing}`);
    await page.getByText(/0% succeeded: 0 of 1 finished deliveries/).waitFor();
    await page.getByText('HTTP 503').waitFor();
  });

  it('lists the applications, and opens one by keyboard', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(`${api.url}/dashboard/apps`);
    const row = page.getByRole('row').filter({ hasText: 'Customer 7' });
    await row.waitFor();
    await expect(row.locator('code').textContent()).resolves.toMatch(/^app_/);
    await row.getByRole('link', { name: 'Customer 7' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Customer 7' }).waitFor();
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
  });

  it('shows the event-type catalogue with descriptions, schemas and examples', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.getByRole('link', { name: 'Event types' }).click();
    const item = page.getByRole('listitem', { name: 'invoice.paid' });
    await item.getByText('An invoice was paid in full.').waitFor();
    await item.getByText('Example', { exact: true }).click();
    await expect(item.getByLabel('Example 1 of invoice.paid').textContent()).resolves.toContain(
      '"amountCents": 1200',
    );
    await page.getByLabel('Find an event type').fill('no-such');
    await page.getByText('No event type matches').waitFor();
  });

  it('finds a message in the delivery log by message id, eventId or tag', async () => {
    const appId = (await tenant.client.post('/api/v1/app', { name: 'Search me' })).json<{
      id: string;
    }>().id;
    await tenant.client.post(`/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/search` });
    const send = async (eventId: string, tags: string[]) => {
      const res = await tenant.client.post(`/api/v1/app/${appId}/msg`, {
        eventType: 'invoice.paid',
        eventId,
        tags,
        payload: { eventId },
      });
      expect(res.status).toBe(202);
      return res.json<{ id: string }>().id;
    };
    const wanted = await send('inv-5150-paid', ['vip']);
    await send('inv-5151-paid', ['regular']);

    const page = await browser.newPage();
    await signIn(page);
    const rows = page.locator('table.log tbody tr');
    const find = async (by: string, text: string, expected: string) => {
      await page.getByLabel('Find by').selectOption({ label: by });
      await page.getByLabel('Find', { exact: true }).fill(text);
      await page.getByLabel('Find', { exact: true }).press('Enter');
      await waitFor(`the log to show only ${expected}`, async () => {
        const texts = await rows.allTextContents();
        return texts.length === 1 && texts[0]?.includes(expected);
      });
    };
    await find('Message id', wanted, 'inv-5150-paid');
    expect(page.url()).toContain(`msgId=${wanted}`);
    await find('Event id', 'inv-5151-paid', 'inv-5151-paid');
    expect(page.url()).toContain('eventId=inv-5151-paid');
    await find('Tag', 'vip', 'inv-5150-paid');
    // A reload keeps the search.
    await page.reload();
    await rows.first().waitFor();
    await expect(page.getByLabel('Find', { exact: true }).inputValue()).resolves.toBe('vip');
    await expect(page.getByLabel('Find by').inputValue()).resolves.toBe('tag');
    await page.getByLabel('Find', { exact: true }).fill('nobody');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No deliveries match these filters.').waitFor();
  });
});
