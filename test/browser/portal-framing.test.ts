import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsoleMessage } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../support/api.ts';
import { useBrowser } from '../support/browser.ts';
import { useTestEnv } from '../support/env.ts';
import type { HttpClient } from '../support/http.ts';

// The portal embedded in a tenant's own product: a page of another origin shows it in an
// iframe. `http://localhost:<port>` and `http://127.0.0.1:<port>` are different sites to the
// browser, so the same page served from both is one allowed origin and one refused.
const env = useTestEnv();
const api = useTestApi(env);
const browser = useBrowser();

/** The tenant's product: a page whose iframe shows the link in its `src` query parameter. */
let product: Server;
let productPort = 0;
beforeAll(async () => {
  product = createServer((req, res) => {
    const src = new URL(req.url ?? '/', 'http://localhost').searchParams.get('src') ?? '';
    const escaped = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Product</title>
<link rel="icon" href="data:,"></head>
<body><h1>Our product</h1><iframe title="Webhooks" src="${escaped}" width="1000" height="700"></iframe></body></html>`);
  });
  await new Promise<void>((resolve) => product.listen(0, '127.0.0.1', resolve));
  productPort = (product.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => product.close(resolve));
});

let tenant: HttpClient;
let link = '';
beforeAll(async () => {
  tenant = (await api.newTenant('Embedder')).client;
  const appId = (await tenant.post('/api/v1/app', { name: 'Customer 9' })).json<{ id: string }>()
    .id;
  const access = await tenant.post(`/api/v1/auth/app-portal-access/${appId}`, { readOnly: true });
  const url = new URL(access.json<{ url: string }>().url);
  link = `${api.url}${url.pathname}${url.hash}`;
});

const productPage = (host: string) =>
  `http://${host}:${productPort}/?src=${encodeURIComponent(link)}`;

describe('the portal in a frame', () => {
  it('renders inside a page of an allowed origin, and the same page from another site is refused', async () => {
    const saved = await tenant.patch('/api/v1/settings/portal', {
      allowedFrameOrigins: [`http://localhost:${productPort}`],
      displayName: 'Embedded Webhooks',
    });
    expect(saved.status, saved.text).toBe(200);

    // Allowed: the portal renders in the frame, signed in with the link's token.
    const page = await browser.newPage();
    await page.goto(productPage('localhost'));
    const frame = page.frameLocator('iframe[title="Webhooks"]');
    await frame.getByRole('heading', { name: 'Delivery log' }).waitFor();
    await frame.getByText('Embedded Webhooks').waitFor();
    await frame.getByText('No messages have been sent yet.').waitFor();
    await browser.screenshot(page, 'portal-framed');

    // Refused: the same page from 127.0.0.1. The browser reports the refusal (an error, so
    // this page is opened outside the watched pages) and shows nothing of the portal.
    const context = await browser.browser.newContext();
    try {
      const refusedPage = await context.newPage();
      const refusal = new Promise<ConsoleMessage>((resolve) => {
        refusedPage.on('console', (message) => {
          if (message.text().includes('frame-ancestors')) resolve(message);
        });
      });
      await refusedPage.goto(productPage('127.0.0.1'));
      await refusedPage.getByRole('heading', { name: 'Our product' }).waitFor();
      const message = await refusal;
      expect(message.text()).toContain(`frame-ancestors http://localhost:${productPort}`);
      const refusedFrame = refusedPage.frameLocator('iframe[title="Webhooks"]');
      await expect(
        refusedFrame.getByRole('heading', { name: 'Delivery log' }).count(),
      ).resolves.toBe(0);
      await expect(refusedFrame.getByText('Embedded Webhooks').count()).resolves.toBe(0);
    } finally {
      await context.close();
    }
  });

  it('is refused by every page while the tenant allowed no origin', async () => {
    await tenant.patch('/api/v1/settings/portal', { allowedFrameOrigins: [] });
    const context = await browser.browser.newContext();
    try {
      const page = await context.newPage();
      const refusal = new Promise<string>((resolve) => {
        page.on('console', (message) => {
          if (message.text().includes('frame-ancestors')) resolve(message.text());
        });
      });
      await page.goto(productPage('localhost'));
      await expect(refusal).resolves.toContain("frame-ancestors 'none'");
      await expect(
        page
          .frameLocator('iframe[title="Webhooks"]')
          .getByRole('heading', { name: 'Delivery log' })
          .count(),
      ).resolves.toBe(0);
    } finally {
      await context.close();
    }
  });
});
