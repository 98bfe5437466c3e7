import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../support/api.ts';
import { seriousViolations } from '../support/axe.ts';
import { hasFocus, useBrowser } from '../support/browser.ts';
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
let appId: string;
let endpointId: string;
let msgId: string;
/** A subscriber portal link of the application, as `app-portal-access` gives it. */
let portalLink: string;

beforeAll(async () => {
  tenant = await api.newTenant('Acme Billing');
  receiver.answer((req) =>
    req.path === '/failing'
      ? { status: 500, body: 'database is down, try later' }
      : { status: 200, body: 'ok' },
  );
  await tenant.client.post('/api/v1/event-type', {
    name: 'invoice.paid',
    description: 'An invoice was paid in full.',
    schemas: {
      '1': {
        type: 'object',
        properties: { invoiceId: { type: 'string' }, amountCents: { type: 'integer' } },
        examples: [{ invoiceId: 'inv_77', amountCents: 1200 }],
      },
    },
  });
  appId = (
    await tenant.client.post('/api/v1/app', { name: 'Customer 42', uid: 'customer-42' })
  ).json<{ id: string }>().id;
  endpointId = (
    await tenant.client.post(`/api/v1/app/${appId}/endpoint`, {
      url: `${receiver.url}/ok`,
      description: 'Billing service',
    })
  ).json<{ id: string }>().id;
  await tenant.client.post(`/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/failing` });
  // A few messages, so that the log (and its screenshot) shows more than one row.
  const send = async (eventType: string, eventId: string, payload: unknown) =>
    (
      await tenant.client.post(`/api/v1/app/${appId}/msg`, {
        eventType,
        eventId,
        tags: ['vip'],
        payload,
      })
    ).json<{ id: string }>().id;
  await send('customer.updated', 'cus-42-updated', { customerId: 'cus_42', plan: 'pro' });
  await send('invoice.paid', 'inv-1000-paid', { invoiceId: 'inv_1000', amountCents: 990 });
  msgId = await send('invoice.paid', 'inv-1001-paid', { invoiceId: 'inv_1001', amountCents: 4200 });
  await waitFor('every delivery to end', async () => {
    const { rows } = await env.sql.query<{ n: number }>(
      "select count(*)::int as n from deliveries where app_id = $1 and status in ('succeeded', 'failed')",
      [appId],
    );
    return rows[0]?.n === 6;
  });
  // The portal as branded: a light accent colour, which the portal must keep readable.
  const branding = await tenant.client.patch('/api/v1/settings/portal', {
    displayName: 'Acme Webhooks',
    accentColor: '#e8590c',
  });
  expect(branding.status, branding.text).toBe(200);
  portalLink = await portalLinkOf(tenant.client, appId);
});

/** The portal link of an application, with the capabilities that show every portal page. */
async function portalLinkOf(client: HttpClient, app: string): Promise<string> {
  const res = await client.post(`/api/v1/auth/app-portal-access/${app}`, {
    capabilities: ['ViewBase', 'ManageEndpoint', 'CreateAttempts'],
  });
  expect(res.status, res.text).toBe(200);
  // The link names the configured public URL; the test opens the same path on its port.
  const link = new URL(res.json<{ url: string }>().url);
  return `${api.url}${link.pathname}${link.hash}`;
}

/**
 * Opens the portal through its link and waits for its delivery log. The page keeps the token
 * in memory only, so each opening is a fresh load of the link (from a blank page: a link that
 * differs from the address only in its fragment would not load the page again).
 */
async function openPortal(page: Page, link = portalLink): Promise<void> {
  await page.goto('about:blank');
  await page.goto(link);
  await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
}

/** Follows a link of the portal's navigation. */
async function portalNav(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name }).click();
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${api.url}/dashboard/`);
  await page.getByLabel('Tenant API key').fill(tenant.apiKey);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
}

/** On a message's page: the failing delivery's request headers, unfolded. */
async function showRequestHeaders(page: Page): Promise<void> {
  const failing = page.getByRole('article', { name: `${receiver.url}/failing` });
  await failing.getByText('Request headers').click();
  await failing.getByRole('row', { name: /webhook-signature/ }).waitFor();
}

/** In the event-type catalogue: invoice.paid's schema and example, unfolded. */
async function showExample(page: Page): Promise<void> {
  const item = page.getByRole('listitem', { name: 'invoice.paid' });
  await item.getByText('Schema', { exact: true }).click();
  await item.getByText('Example', { exact: true }).click();
  await item.getByLabel('Example 1 of invoice.paid').waitFor();
}

/** The main pages, each opened and waited for until its content (not its loading state) shows. */
const pages: { name: string; open: (page: Page) => Promise<void> }[] = [
  {
    name: 'delivery-log',
    open: async (page) => {
      await page.goto(`${api.url}/dashboard/`);
      await page.getByRole('row').filter({ hasText: 'inv-1001-paid' }).waitFor();
    },
  },
  {
    name: 'message-detail',
    open: async (page) => {
      await page.goto(`${api.url}/dashboard/app/${appId}/msg/${msgId}`);
      await showRequestHeaders(page);
    },
  },
  {
    name: 'applications',
    open: async (page) => {
      await page.goto(`${api.url}/dashboard/apps`);
      await page.getByRole('link', { name: 'Customer 42' }).waitFor();
    },
  },
  {
    name: 'application',
    open: async (page) => {
      await page.goto(`${api.url}/dashboard/app/${appId}`);
      await page.getByText(/^Failure rate: 50%/).waitFor();
      await page.getByRole('img', { name: /Success rate over the last 24 hours: 0%/ }).waitFor();
    },
  },
  {
    name: 'endpoint',
    open: async (page) => {
      await page.goto(`${api.url}/dashboard/app/${appId}/endpoint/${endpointId}`);
      await page.getByText(/100% succeeded: 3 of 3 finished deliveries/).waitFor();
    },
  },
  {
    name: 'endpoint-form',
    open: async (page) => {
      await page.goto(`${api.url}/dashboard/app/${appId}`);
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      await page.getByRole('button', { name: 'Create endpoint' }).waitFor();
    },
  },
  {
    name: 'retry-dialog',
    open: async (page) => {
      await page.goto(`${api.url}/dashboard/`);
      await page.getByRole('button', { name: 'Retry failed deliveries' }).click();
      const dialog = page.getByRole('dialog', { name: 'Retry failed deliveries' });
      await dialog.getByText('3 failed deliveries will be retried.').waitFor();
    },
  },
  {
    name: 'event-types',
    open: async (page) => {
      await page.goto(`${api.url}/dashboard/event-types`);
      await showExample(page);
    },
  },
  // The subscriber portal, opened through its link: the application's pages.
  {
    name: 'portal-delivery-log',
    open: async (page) => {
      await openPortal(page);
      await page.getByRole('row').filter({ hasText: 'inv-1001-paid' }).waitFor();
    },
  },
  {
    name: 'portal-message-detail',
    open: async (page) => {
      await openPortal(page);
      await page.getByRole('link', { name: 'inv-1001-paid' }).click();
      await showRequestHeaders(page);
    },
  },
  {
    name: 'portal-endpoints',
    open: async (page) => {
      await openPortal(page);
      await portalNav(page, 'Endpoints');
      await page.getByRole('link', { name: `${receiver.url}/failing` }).waitFor();
    },
  },
  {
    name: 'portal-event-type-catalogue',
    open: async (page) => {
      await openPortal(page);
      await portalNav(page, 'Event types');
      await showExample(page);
    },
  },
  {
    // Offered because the link has CreateAttempts; fixed to the portal's application.
    name: 'portal-retry-dialog',
    open: async (page) => {
      await openPortal(page);
      await page.getByRole('button', { name: 'Retry failed deliveries' }).click();
      const dialog = page.getByRole('dialog', { name: 'Retry failed deliveries' });
      await dialog.getByLabel('One endpoint').check();
      await dialog.getByLabel('Endpoint', { exact: true }).selectOption({
        label: `${receiver.url}/failing`,
      });
      await dialog.getByText('3 failed deliveries will be retried.').waitFor();
    },
  },
];

// Each test walks through many pages on a shared, busy machine: minutes, not thirty seconds; the
// two that run axe-core on each of the operator's and the portal's pages, a few.
describe('the dashboard’s quality bar', () => {
  it('has no serious or critical axe-core violation on any main page', async () => {
    const page = await browser.newPage();
    await page.goto(`${api.url}/dashboard/`);
    await page.getByLabel('Tenant API key').waitFor();
    const found: Record<string, string[]> = { 'sign-in': await seriousViolations(page) };
    await browser.screenshot(page, 'sign-in');
    await signIn(page);
    for (const { name, open } of pages) {
      await open(page);
      found[name] = await seriousViolations(page);
      // The screenshots of the main pages, kept by each run (and in docs/screenshots).
      await browser.screenshot(page, name);
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((name) => [name, []])));
  }, 240_000);

  it('fits a narrow window (390x844): no sideways scrolling, the navigation and every table cell in view', async () => {
    const width = 390;
    const page = await browser.newPage({ viewport: { width, height: 844 } });
    await signIn(page);
    const problems: Record<string, string[]> = {};
    for (const { name, open } of pages) {
      await open(page);
      const found: string[] = await seriousViolations(page);
      const overflow = await page.evaluate<{ scroll: number; client: number }>(
        '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
      );
      if (overflow.scroll > overflow.client) {
        found.push(`the page scrolls sideways: ${overflow.scroll} px wide in ${overflow.client}`);
      }
      // Links of the navigation, and the headings and cells of the page, each wholly in view.
      const outside = await page.evaluate<string[]>(`
        [...document.querySelectorAll('nav a, main h1, main th, main td')]
          .filter((el) => { const box = el.getBoundingClientRect(); return box.left < 0 || box.right > ${width}; })
          .map((el) => el.textContent.slice(0, 60))`);
      found.push(...outside.map((text) => `outside the window: ${text}`));
      problems[name] = found;
      if (name === 'delivery-log' || name === 'message-detail' || name === 'portal-delivery-log') {
        await browser.screenshot(page, `${name}-narrow`);
      }
    }
    expect(problems).toEqual(Object.fromEntries(pages.map(({ name }) => [name, []])));
    // The navigation is in view and works at this width.
    await page.goto(`${api.url}/dashboard/`);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('heading', { name: 'Applications' }).waitFor();
  }, 240_000);

  it('reaches the main actions of each page by Tab, and opens them with Enter', async () => {
    const page = await browser.newPage();
    // Sign-in: the key field has the focus, Enter submits.
    await page.goto(`${api.url}/dashboard/`);
    await page.getByLabel('Tenant API key').waitFor();
    await page.keyboard.type(tenant.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('row').filter({ hasText: 'inv-1001-paid' }).waitFor();

    /** Presses Tab until the element has the focus (at most `limit` times). */
    const tabTo = async (target: ReturnType<Page['getByRole']>, limit = 60) => {
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press('Tab');
        if (await hasFocus(target)) return;
      }
      throw new Error(`${target.toString()} was not reached in ${limit} presses of Tab`);
    };

    /** The log: its filters and its messages; then a message's retry of its failed delivery. */
    const logThenMessage = async () => {
      await tabTo(page.getByRole('button', { name: 'Retry failed deliveries' }));
      await tabTo(page.getByRole('button', { name: 'Apply' }));
      await tabTo(page.getByRole('link', { name: 'inv-1001-paid' }));
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'invoice.paid' }).waitFor();
      await tabTo(page.getByRole('button', { name: 'Retry' }));
    };
    /** A list of endpoints: adding one, and opening one. */
    const endpointsThenOne = async () => {
      await tabTo(page.getByRole('button', { name: 'Add endpoint' }));
      await tabTo(page.getByRole('link', { name: `${receiver.url}/ok` }));
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: `${receiver.url}/ok` }).waitFor();
    };

    await logThenMessage();

    // The navigation, then an application and its endpoint's actions.
    await tabTo(
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications' }),
    );
    await page.keyboard.press('Enter');
    await tabTo(page.getByRole('button', { name: 'New application' }));
    await tabTo(page.getByRole('link', { name: 'Customer 42' }));
    await page.keyboard.press('Enter');
    await endpointsThenOne();
    for (const name of ['Disable', 'Edit', 'Reveal secret', 'Rotate secret', 'Send test event']) {
      await tabTo(page.getByRole('button', { name, exact: true }));
    }

    // The portal, opened through its link: the log, a message's retry, the endpoints, the
    // catalogue.
    await openPortal(page);
    await logThenMessage();
    const portal = page.getByRole('navigation', { name: 'Portal' });
    await tabTo(portal.getByRole('link', { name: 'Endpoints' }));
    await page.keyboard.press('Enter');
    await endpointsThenOne();
    for (const name of ['Disable', 'Edit', 'Send test event']) {
      await tabTo(page.getByRole('button', { name, exact: true }));
    }
    await tabTo(portal.getByRole('link', { name: 'Event types' }));
    await page.keyboard.press('Enter');
    await tabTo(page.getByLabel('Find an event type'));
  }, 120_000);

  it('closes a dialog or an open form with Escape and gives the focus back to the button that opened it', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(`${api.url}/dashboard/apps`);
    const opener = page.getByRole('button', { name: 'New application' });
    await opener.focus();
    await page.keyboard.press('Enter');
    await expect(hasFocus(page.getByLabel('Name'))).resolves.toBe(true);
    await page.keyboard.press('Escape');
    await page.getByLabel('Name').waitFor({ state: 'detached' });
    await expect(hasFocus(opener)).resolves.toBe(true);

    // The log's "Retry failed deliveries" dialog.
    await page.goto(`${api.url}/dashboard/`);
    const retry = page.getByRole('button', { name: 'Retry failed deliveries' });
    await retry.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Retry failed deliveries' });
    await dialog.getByText('3 failed deliveries will be retried.').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect(hasFocus(retry)).resolves.toBe(true);

    await page.goto(`${api.url}/dashboard/app/${appId}/endpoint/${endpointId}`);
    for (const [open, field] of [
      ['Edit', 'URL'],
      ['Rotate secret', undefined],
    ] as const) {
      const button = page.getByRole('button', { name: open, exact: true });
      await button.focus();
      await page.keyboard.press('Enter');
      if (field !== undefined) await page.getByLabel(field).focus();
      else await page.getByRole('button', { name: 'Confirm rotation' }).focus();
      await page.keyboard.press('Escape');
      await button.waitFor();
      await expect(hasFocus(button)).resolves.toBe(true);
    }
    await expect(page.getByRole('button', { name: 'Confirm rotation' }).count()).resolves.toBe(0);

    // The portal's retry dialog and its form to add an endpoint.
    await openPortal(page);
    const portalRetry = page.getByRole('button', { name: 'Retry failed deliveries' });
    await portalRetry.focus();
    await page.keyboard.press('Enter');
    await dialog.getByText('3 failed deliveries will be retried.').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect(hasFocus(portalRetry)).resolves.toBe(true);
    await portalNav(page, 'Endpoints');
    const add = page.getByRole('button', { name: 'Add endpoint' });
    await add.focus();
    await page.keyboard.press('Enter');
    await page.getByLabel('URL').focus();
    await page.keyboard.press('Escape');
    await page.getByLabel('URL').waitFor({ state: 'detached' });
    await expect(hasFocus(add)).resolves.toBe(true);
  }, 120_000);
});

describe('loading, empty and error states', () => {
  it('shows a loading state on each page while its data is on the way', async () => {
    const page = await browser.newPage();
    await signIn(page);
    const cases: [string, RegExp, string][] = [
      ['/dashboard/', /\/api\/v1\/delivery\?/, 'Loading deliveries…'],
      [
        `/dashboard/app/${appId}/msg/${msgId}`,
        new RegExp(`/api/v1/app/${appId}/msg/${msgId}$`),
        'Loading the message…',
      ],
      ['/dashboard/apps', /\/api\/v1\/app\?limit=250&order=ascending$/, 'Loading applications…'],
      [`/dashboard/app/${appId}`, new RegExp(`/api/v1/app/${appId}$`), 'Loading the application…'],
      [
        `/dashboard/app/${appId}/endpoint/${endpointId}`,
        new RegExp(`/api/v1/app/${appId}/endpoint/${endpointId}$`),
        'Loading the endpoint…',
      ],
      [
        '/dashboard/event-types',
        /\/api\/v1\/event-type\?.*with_content=true/,
        'Loading event types…',
      ],
    ];
    /** Holds the page's request until its loading state has been seen, then lets it through. */
    const seeLoading = async (request: RegExp, loading: string, go: () => Promise<unknown>) => {
      const { promise: held, resolve: release } = Promise.withResolvers<undefined>();
      await page.route(request, async (route) => {
        await held;
        await route.continue();
      });
      await go();
      await page.getByRole('status').filter({ hasText: loading }).waitFor();
      release(undefined);
      await page.getByRole('status').filter({ hasText: loading }).waitFor({ state: 'detached' });
      await page.unroute(request);
    };
    for (const [path, request, loading] of cases) {
      await seeLoading(request, loading, () => page.goto(`${api.url}${path}`));
    }

    // The portal's pages, opened through its link and then its own links.
    const app = `/api/v1/app/${appId}`;
    await seeLoading(new RegExp(`${app}/delivery\\?`), 'Loading deliveries…', () =>
      openPortal(page),
    );
    const message = page.getByRole('link', { name: 'inv-1001-paid' });
    await seeLoading(new RegExp(`${app}/msg/${msgId}$`), 'Loading the message…', () =>
      message.click(),
    );
    await seeLoading(new RegExp(`${app}/endpoint\\?`), 'Loading endpoints…', () =>
      portalNav(page, 'Endpoints'),
    );
    await seeLoading(/\/api\/v1\/event-type\?.*with_content=true/, 'Loading event types…', () =>
      portalNav(page, 'Event types'),
    );
  }, 120_000);

  it('shows an error state that says what went wrong, with a way to try again', async () => {
    const page = await browser.newPage();
    await signIn(page);
    const [noMsg, noApp, noEndpoint] = ['msg', 'app', 'ep'].map(
      (p) => `${p}_01kzzzzzzzzzzzzzzzzzzzzzzz`,
    );
    const missing: [string, string, number][] = [
      [`/dashboard/app/${appId}/msg/${noMsg}`, noMsg ?? '', 404],
      [`/dashboard/app/${noApp}`, noApp ?? '', 404],
      [`/dashboard/app/${appId}/endpoint/${noEndpoint}`, noEndpoint ?? '', 404],
      ['/dashboard/?msgId=not-a-message-id', 'msg_id=not-a-message-id', 422],
    ];
    for (const [path, failing, status] of missing) {
      // Every request of the page that names the missing thing fails, as it should.
      browser.expectFailedRequest(failing, status);
      await page.goto(`${api.url}${path}`);
      const alert = page.getByRole('alert');
      await alert.getByRole('button', { name: 'Try again' }).waitFor();
      await expect(alert.textContent()).resolves.toMatch(
        path.includes('msgId') ? /msg_id/ : /not found|no such|does not exist/i,
      );
    }
    /**
     * The page's request (`request`, to a URL containing `path`) fails in the network once,
     * as `go` opens the page: it says so, and Try again brings it.
     */
    const failOnce = async (path: string, request: RegExp, go: () => Promise<unknown>) => {
      browser.expectFailedRequest(path, 'aborted');
      let aborted = true;
      await page.route(request, (route) => (aborted ? route.abort() : route.continue()));
      await go();
      const alert = page.getByRole('alert');
      await expect(alert.textContent()).resolves.toContain('Hookrail could not be reached');
      aborted = false;
      await alert.getByRole('button', { name: 'Try again' }).click();
      await alert.waitFor({ state: 'detached' });
      await page.unroute(request);
    };
    // Pages whose data cannot be missing: the network fails instead.
    const eventTypes = /\/api\/v1\/event-type\?.*with_content=true/;
    await failOnce('/api/v1/app?', /\/api\/v1\/app\?limit=250&order=ascending$/, () =>
      page.goto(`${api.url}/dashboard/apps`),
    );
    await failOnce('/api/v1/event-type?', eventTypes, () =>
      page.goto(`${api.url}/dashboard/event-types`),
    );

    // The portal's pages, opened through its link and then its own links.
    const app = `/api/v1/app/${appId}`;
    await failOnce(`${app}/delivery?`, new RegExp(`${app}/delivery\\?`), () => openPortal(page));
    await failOnce(`${app}/msg/${msgId}`, new RegExp(`${app}/msg/${msgId}$`), () =>
      page.getByRole('link', { name: 'inv-1001-paid' }).click(),
    );
    await failOnce(`${app}/endpoint?`, new RegExp(`${app}/endpoint\\?`), () =>
      portalNav(page, 'Endpoints'),
    );
    await failOnce('/api/v1/event-type?', eventTypes, () => portalNav(page, 'Event types'));
  }, 120_000);

  it('says so when there is nothing yet, on each page', async () => {
    const empty = await api.newTenant('Newcomer');
    const app = (await empty.client.post('/api/v1/app', { name: 'First customer' })).json<{
      id: string;
    }>().id;
    const page = await browser.newPage();
    await page.goto(`${api.url}/dashboard/`);
    await page.getByLabel('Tenant API key').fill(empty.apiKey);
    await page.keyboard.press('Enter');
    await page.getByText('No messages have been sent yet.').waitFor();
    await page.goto(`${api.url}/dashboard/event-types`);
    await page.getByText('No event types have been declared yet.').waitFor();
    // The application's portal says so too, and its retry dialog finds nothing to retry.
    await openPortal(page, await portalLinkOf(empty.client, app));
    await page.getByText('No messages have been sent yet.').waitFor();
    await page.getByRole('button', { name: 'Retry failed deliveries' }).click();
    await page
      .getByRole('dialog', { name: 'Retry failed deliveries' })
      .getByText('No failed deliveries match: nothing to retry.')
      .waitFor();
    await page.keyboard.press('Escape');
    await portalNav(page, 'Endpoints');
    await page.getByText('This application has no endpoints yet.').waitFor();
    await portalNav(page, 'Event types');
    await page.getByText('No event types have been declared yet.').waitFor();
    await page.goto(`${api.url}/dashboard/app/${app}`);
    await page.getByText('This application has no endpoints yet.').waitFor();
    await page.getByText('Failure rate: –').waitFor();
    const msg = (
      await empty.client.post(`/api/v1/app/${app}/msg`, { eventType: 'hello', payload: {} })
    ).json<{ id: string }>().id;
    await page.goto(`${api.url}/dashboard/app/${app}/msg/${msg}`);
    await page.getByText('No endpoint of this application received this message.').waitFor();
    const endpoint = (
      await empty.client.post(`/api/v1/app/${app}/endpoint`, { url: `${receiver.url}/quiet` })
    ).json<{ id: string }>().id;
    await page.goto(`${api.url}/dashboard/app/${app}/endpoint/${endpoint}`);
    await page
      .getByText(/No finished deliveries in the last 24 hours\. Last failure: none/)
      .waitFor();
    await page.getByText('Declare an event type first').waitFor();
    const other = await api.newTenant('Nobody');
    await page.goto(`${api.url}/dashboard/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Tenant API key').fill(other.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
    await page.goto(`${api.url}/dashboard/apps`);
    await page.getByText('No applications yet').waitFor();
  }, 120_000);
});
