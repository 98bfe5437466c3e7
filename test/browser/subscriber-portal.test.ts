import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../support/api.ts';
import { useBrowser } from '../support/browser.ts';
import { useTestEnv } from '../support/env.ts';
import { HttpClient } from '../support/http.ts';
import { useReceiver } from '../support/receiver.ts';
import { waitFor } from '../support/wait.ts';
import { installWriteAudit } from '../support/write-audit.ts';
import { useTestWorker } from '../support/worker.ts';

// The subscriber portal as a tenant's customer opens it: the link from app-portal-access,
// one application, within the token's capabilities, with the tenant's branding.
const env = useTestEnv();
const api = useTestApi(env);
// One attempt each: a failure is final at once.
useTestWorker(env, { HOOKRAIL_RETRY_SCHEDULE: 'none' });
const receiver = useReceiver();
const images = useReceiver();
const browser = useBrowser();

const logo =
  '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#123456"/></svg>';

let tenant: HttpClient;
/** The customer whose portal is opened, and another customer of the same tenant. */
const mine = { appId: '', okEndpoint: '', failingEndpoint: '', failedMsg: '' };
const theirs = { appId: '', endpoint: '', msg: '' };
let failing = true;

async function send(appId: string, eventId: string): Promise<string> {
  const res = await tenant.post(`/api/v1/app/${appId}/msg`, {
    eventType: 'invoice.paid',
    eventId,
    payload: { eventId },
  });
  expect(res.status, res.text).toBe(202);
  return res.json<{ id: string }>().id;
}

async function finishedDeliveries(): Promise<void> {
  await waitFor('every delivery to end', async () => {
    const { rows } = await env.sql.query<{ n: number }>(
      "select count(*)::int as n from deliveries where status in ('pending', 'sending')",
    );
    return rows[0]?.n === 0;
  });
}

beforeAll(async () => {
  tenant = (await api.newTenant('Acme Billing')).client;
  receiver.answer((req) =>
    req.path === '/failing' && failing ? { status: 503, body: 'down' } : { status: 200 },
  );
  images.answer(() => ({ status: 200, body: logo, headers: { 'content-type': 'image/svg+xml' } }));
  for (const [name, description] of [
    ['invoice.paid', 'An invoice was paid in full.'],
    ['invoice.voided', 'An invoice was voided.'],
  ]) {
    expect((await tenant.post('/api/v1/event-type', { name, description })).status).toBe(201);
  }
  const settings = await tenant.patch('/api/v1/settings/portal', {
    displayName: 'Acme Webhooks',
    logoUrl: `${images.url}/logo.svg`,
    accentColor: '#8a2be2',
  });
  expect(settings.status, settings.text).toBe(200);

  const app = async (name: string) =>
    (await tenant.post('/api/v1/app', { name })).json<{ id: string }>().id;
  const endpoint = async (appId: string, path: string) =>
    (await tenant.post(`/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}${path}` })).json<{
      id: string;
    }>().id;
  mine.appId = await app('Customer 42');
  mine.okEndpoint = await endpoint(mine.appId, '/mine');
  mine.failingEndpoint = await endpoint(mine.appId, '/failing');
  mine.failedMsg = await send(mine.appId, 'mine-1');
  theirs.appId = await app('Customer 43');
  theirs.endpoint = await endpoint(theirs.appId, '/theirs');
  theirs.msg = await send(theirs.appId, 'theirs-1');
  await finishedDeliveries();
});

async function portalLink(body: Record<string, unknown>) {
  const res = await tenant.post(`/api/v1/auth/app-portal-access/${mine.appId}`, body);
  expect(res.status, res.text).toBe(200);
  const { token, url } = res.json<{ token: string; url: string }>();
  // The link names the configured public URL; the test opens the same path on its port.
  const link = new URL(url);
  return { token, url: `${api.url}${link.pathname}${link.hash}` };
}

/** The names of the buttons the page shows now. */
async function buttons(page: Page): Promise<string[]> {
  return page.getByRole('button').allTextContents();
}

describe('the subscriber portal', () => {
  it("shows one application only, branded, and its token reads no other application's", async () => {
    const { token, url } = await portalLink({});
    const page = await browser.newPage({ timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    await page.goto(url);
    await page.getByRole('heading', { name: 'Delivery log' }).waitFor();

    // The token left the address bar at once; the page keeps it in memory only.
    expect(page.url()).toBe(`${api.url}/dashboard/portal/${mine.appId}`);
    await expect(page.evaluate('document.cookie')).resolves.toBe('');
    await expect(page.evaluate('localStorage.length + sessionStorage.length')).resolves.toBe(0);

    // The tenant's branding: name, logo, accent colour.
    const header = page.getByRole('banner');
    await header.getByText('Acme Webhooks').waitFor();
    await header.getByText('Customer 42').waitFor();
    await waitFor('the logo to load', () =>
      page.evaluate(
        "(i => i !== null && i.complete && i.naturalWidth === 32)(document.querySelector('header img.logo'))",
      ),
    );
    expect(images.requestsTo('/logo.svg').length).toBeGreaterThan(0);
    await expect(page.title()).resolves.toBe('Acme Webhooks');
    await expect(
      page.evaluate("getComputedStyle(document.querySelector('button.secondary')).color"),
    ).resolves.toBe('rgb(138, 43, 226)');

    // Its messages, not the other customer's.
    const log = page.getByRole('table');
    await log.getByRole('link', { name: 'mine-1' }).waitFor();
    await expect(log.getByText('theirs-1').count()).resolves.toBe(0);
    await expect(page.getByRole('columnheader', { name: 'Application' }).count()).resolves.toBe(0);
    // New messages of this application appear live (the stream opened with the portal token);
    // the other application's never do.
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await send(theirs.appId, 'theirs-live');
    await send(mine.appId, 'mine-live');
    await log.getByRole('link', { name: 'mine-live' }).waitFor();
    await expect(log.getByText('theirs-live').count()).resolves.toBe(0);

    // Its endpoints, not the other customer's.
    await page
      .getByRole('navigation', { name: 'Portal' })
      .getByRole('link', { name: 'Endpoints' })
      .click();
    await page.getByRole('link', { name: `${receiver.url}/mine` }).waitFor();
    await page.getByRole('link', { name: `${receiver.url}/failing` }).waitFor();
    await expect(page.getByText(`${receiver.url}/theirs`).count()).resolves.toBe(0);

    // The event-type catalogue, which the subscriber browses.
    await page
      .getByRole('navigation', { name: 'Portal' })
      .getByRole('link', { name: 'Event types' })
      .click();
    await page
      .getByRole('listitem', { name: 'invoice.voided' })
      .getByText('An invoice was voided.')
      .waitFor();
    await browser.screenshot(page, 'portal-event-types');

    // The other application, through the API with this page's token: as absent as a missing one.
    const portal = new HttpClient(api.url, token);
    for (const path of [
      `/api/v1/app/${theirs.appId}`,
      `/api/v1/app/${theirs.appId}/endpoint`,
      `/api/v1/app/${theirs.appId}/endpoint/${theirs.endpoint}`,
      `/api/v1/app/${theirs.appId}/msg/${theirs.msg}`,
      `/api/v1/app/${theirs.appId}/delivery`,
      `/api/v1/app/${theirs.appId}/portal`,
    ]) {
      const res = await portal.get(path);
      expect(res.status, path).toBe(404);
    }
    // Its own application under another's path finds nothing either.
    expect((await portal.get(`/api/v1/app/${theirs.appId}/msg/${mine.failedMsg}`)).status).toBe(
      404,
    );
    // Tenant-wide lists are not for portal tokens.
    expect((await portal.get('/api/v1/delivery')).status).toBe(403);
    expect((await portal.get('/api/v1/app')).status).toBe(403);
  });

  it('a reload asks for the link again, and the link opened again in the same tab shows the portal', async () => {
    const { token, url } = await portalLink({});
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByRole('link', { name: 'mine-1' }).waitFor();
    const address = `${api.url}/dashboard/portal/${mine.appId}`;
    expect(page.url()).toBe(address);

    // The token was in memory only: a reload has none, and says what to do.
    await page.reload();
    await page.getByRole('heading', { name: 'Open your portal link again' }).waitFor();
    await expect(page.getByRole('link', { name: 'mine-1' }).count()).resolves.toBe(0);

    // The link, opened again here, differs from the address only in its fragment: the browser
    // does not load the page again by itself, the page does.
    await page.goto(url);
    await page.getByRole('link', { name: 'mine-1' }).waitFor();
    expect(page.url()).toBe(address);
    expect(page.url()).not.toContain(token);
  });

  it('a link with every capability retries a failed delivery and adds an endpoint chosen from the catalogue', async () => {
    const { url } = await portalLink({});
    const page = await browser.newPage();
    await page.goto(url);
    // Retrying the application's failures in bulk is offered to a token that may retry.
    await page.getByRole('button', { name: 'Retry failed deliveries' }).waitFor();
    await page.getByRole('link', { name: 'mine-1' }).click();
    await page.getByRole('heading', { name: 'invoice.paid' }).waitFor();
    expect(page.url()).toBe(`${api.url}/dashboard/portal/${mine.appId}/msg/${mine.failedMsg}`);
    const failed = page.getByRole('article', { name: `${receiver.url}/failing` });
    await failed.getByText('HTTP 503').first().waitFor();

    failing = false;
    const before = receiver.requestsTo('/failing').length;
    await failed.getByRole('button', { name: 'Retry' }).click();
    await page.getByText(`Retry queued for ${receiver.url}/failing.`).waitFor();
    await waitFor('the retried delivery to arrive', () =>
      receiver.requestsTo('/failing').length > before ? true : undefined,
    );
    await failed.getByText('Attempt 2 (manual)').waitFor();
    await browser.screenshot(page, 'portal-message');

    // A new endpoint, its filter ticked in the catalogue.
    await page
      .getByRole('navigation', { name: 'Portal' })
      .getByRole('link', { name: 'Endpoints' })
      .click();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByLabel('URL').fill(`${receiver.url}/voided-only`);
    await page.getByText('Browse event types').click();
    await page.getByLabel('Receive invoice.voided').check();
    await expect(page.getByLabel('Event types', { exact: true }).inputValue()).resolves.toBe(
      'invoice.voided',
    );
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('heading', { name: `${receiver.url}/voided-only` }).waitFor();
    const created = /\/endpoint\/(ep_[a-z0-9]+)$/.exec(page.url())?.[1] ?? '';
    expect(page.url()).toBe(`${api.url}/dashboard/portal/${mine.appId}/endpoint/${created}`);
    const endpoint = await tenant.get(`/api/v1/app/${mine.appId}/endpoint/${created}`);
    expect(endpoint.json()).toMatchObject({ filterTypes: ['invoice.voided'] });
    await browser.screenshot(page, 'portal-endpoint');
  });

  it('a read-only link shows no button that changes anything, and changes nothing', async () => {
    failing = true;
    await send(mine.appId, 'mine-2');
    await finishedDeliveries();
    const audit = await installWriteAudit(env.sql);
    const { url } = await portalLink({ readOnly: true });
    const page = await browser.newPage();
    await page.goto(url);

    // The log: filters and refresh only.
    await page.getByRole('link', { name: 'mine-2' }).waitFor();
    expect(new Set(await buttons(page))).toEqual(new Set(['Refresh', 'Apply', 'Clear']));

    // A failed delivery's detail: no Retry.
    await page.getByRole('link', { name: 'mine-2' }).click();
    const failed = page.getByRole('article', { name: `${receiver.url}/failing` });
    await failed.getByText('HTTP 503').first().waitFor();
    await expect(failed.getByText('failed').count()).resolves.toBeGreaterThan(0);
    expect(await buttons(page)).toEqual([]);

    // Endpoints: no Add; an endpoint: no edit, disable, secret or test event.
    await page
      .getByRole('navigation', { name: 'Portal' })
      .getByRole('link', { name: 'Endpoints' })
      .click();
    await page.getByRole('link', { name: `${receiver.url}/failing` }).click();
    await page.getByRole('heading', { name: `${receiver.url}/failing` }).waitFor();
    await page.getByText(/succeeded: \d+ of \d+ finished deliveries/).waitFor();
    expect(await buttons(page)).toEqual([]);
    await expect(page.getByRole('heading', { name: 'Signing secret' }).count()).resolves.toBe(0);
    await browser.screenshot(page, 'portal-read-only-endpoint');

    await page.getByRole('link', { name: '← Endpoints' }).click();
    await page.getByRole('link', { name: `${receiver.url}/mine` }).waitFor();
    expect(await buttons(page)).toEqual([]);

    // Nothing was written while the read-only portal was browsed (the worker's housekeeping
    // may move its own bookmarks in `settings` meanwhile).
    expect((await audit.next()).filter((write) => !write.startsWith('settings '))).toEqual([]);
  });
});
