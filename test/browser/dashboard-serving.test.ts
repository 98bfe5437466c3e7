import { describe, expect, it } from 'vitest';
import { useTestApi } from '../support/api.ts';
import { useBrowser } from '../support/browser.ts';
import { useTestEnv } from '../support/env.ts';

const env = useTestEnv();
const api = useTestApi(env);
const browser = useBrowser();

describe('the dashboard as served by the API', () => {
  it('is one HTML page, revalidated on every load, that may not be framed', async () => {
    for (const path of ['/dashboard', '/dashboard/', '/dashboard/msg/app_x/msg_y']) {
      const res = await api.anonymous.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.text).toMatch(/<script type="module" crossorigin src="\/dashboard\/assets\//);
    }
  });

  it('serves hashed assets as immutable for a year, and an unknown asset as a 404', async () => {
    const html = (await api.anonymous.get('/dashboard/')).text;
    const script = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await api.anonymous.get(script ?? '');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const missing = await api.anonymous.get('/dashboard/assets/index-missing.js');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'not_found' });
  });

  it('loads in Chromium without a console error', async () => {
    const page = await browser.newPage();
    await page.goto(`${api.url}/dashboard/`);
    await page.getByRole('heading', { name: 'Hookrail' }).waitFor();
  });
});
