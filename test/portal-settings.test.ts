import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { HttpClient } from './support/http.ts';
import { waitFor } from './support/wait.ts';

// Two API instances over one database and Redis, as a deployment with several API processes
// has, each caching for an hour: a change the other one sees is the work of an invalidation.
const env = useTestEnv();
const cached = { HOOKRAIL_CACHE_TTL: '3600' };
const api = useTestApi(env, cached);
const other = useTestApi(env, cached);

const path = '/api/v1/settings/portal';

interface Issue {
  loc: (string | number)[];
  type: string;
  msg: string;
}

let a: { id: string; client: HttpClient };
let b: { id: string; client: HttpClient };
beforeAll(async () => {
  a = await api.newTenant('Acme');
  b = await api.newTenant('Globex');
});

async function newApp(client: HttpClient, name: string): Promise<string> {
  const res = await client.post('/api/v1/app', { name });
  expect(res.status).toBe(201);
  return res.json<{ id: string }>().id;
}

async function portalToken(client: HttpClient, appId: string): Promise<HttpClient> {
  const res = await client.post(`/api/v1/auth/app-portal-access/${appId}`, {});
  expect(res.status).toBe(200);
  return new HttpClient(api.url, res.json<{ token: string }>().token);
}

/** The detail types of a 422, by location. */
async function refusal(body: unknown): Promise<Record<string, string>> {
  const res = await a.client.patch(path, body);
  expect(res.status, res.text).toBe(422);
  const { code, detail } = res.json<{ code: string; detail: Issue[] }>();
  expect(code).toBe('validation');
  return Object.fromEntries(detail.map((d) => [d.loc.join('.'), d.type]));
}

describe('portal settings', () => {
  it('are the defaults until set, and a change keeps the fields it does not name', async () => {
    const tenant = await api.newTenant('Defaults');
    const initial = await tenant.client.get(path);
    expect(initial.status).toBe(200);
    expect(initial.json()).toEqual({
      allowedFrameOrigins: [],
      displayName: null,
      logoUrl: null,
      accentColor: null,
      updatedAt: null,
    });

    const set = await tenant.client.patch(path, {
      allowedFrameOrigins: ['https://app.example.com', 'http://localhost:3000'],
      displayName: 'Example Webhooks',
      logoUrl: 'https://cdn.example.com/logo.svg',
      accentColor: '#0B6BCB',
    });
    expect(set.status, set.text).toBe(200);
    expect(set.json()).toMatchObject({
      allowedFrameOrigins: ['https://app.example.com', 'http://localhost:3000'],
      displayName: 'Example Webhooks',
      logoUrl: 'https://cdn.example.com/logo.svg',
      accentColor: '#0b6bcb',
    });

    const renamed = await tenant.client.patch(path, { displayName: 'Renamed', logoUrl: null });
    expect(renamed.json()).toMatchObject({
      allowedFrameOrigins: ['https://app.example.com', 'http://localhost:3000'],
      displayName: 'Renamed',
      logoUrl: null,
      accentColor: '#0b6bcb',
    });
    expect((await tenant.client.get(path)).json()).toEqual(renamed.json());
  });

  it('refuse what is not an origin, too many origins, a bad logo URL or colour, each with its code', async () => {
    expect(
      await refusal({
        allowedFrameOrigins: [
          'https://app.example.com/path',
          'https://*.example.com',
          'ftp://files.example.com',
          'https://APP.example.com',
          'https://app.example.com:443',
          'https://user@app.example.com',
          'https://a;b.example.com',
          "https://x.example.com 'unsafe-inline'",
          'not an origin',
          'https://ok.example.com',
          'https://ok.example.com',
        ],
      }),
    ).toEqual({
      'body.allowedFrameOrigins.0': 'invalid_origin',
      'body.allowedFrameOrigins.1': 'invalid_origin',
      'body.allowedFrameOrigins.2': 'invalid_origin',
      'body.allowedFrameOrigins.3': 'invalid_origin',
      'body.allowedFrameOrigins.4': 'invalid_origin',
      'body.allowedFrameOrigins.5': 'invalid_origin',
      'body.allowedFrameOrigins.6': 'invalid_origin',
      'body.allowedFrameOrigins.7': 'invalid_origin',
      'body.allowedFrameOrigins.8': 'invalid_origin',
      'body.allowedFrameOrigins.10': 'duplicate_origin',
    });
    const many = Array.from({ length: 21 }, (_, i) => `https://app${i}.example.com`);
    expect(await refusal({ allowedFrameOrigins: many })).toEqual({
      'body.allowedFrameOrigins': 'too_many_origins',
    });
    expect(
      await refusal({
        logoUrl: 'javascript:alert(1)',
        accentColor: 'red',
        displayName: '',
      }),
    ).toMatchObject({
      'body.logoUrl': 'invalid_logo_url',
      'body.accentColor': 'invalid_accent_color',
      'body.displayName': 'too_small',
    });
    expect(await refusal({ frameOrigins: [] })).toEqual({ 'body.frameOrigins': 'extra_forbidden' });
    // The message says how to write it.
    const res = await a.client.patch(path, { allowedFrameOrigins: ['https://App.example.com'] });
    expect(res.json<{ detail: Issue[] }>().detail[0]?.msg).toContain('https://app.example.com');
    // Nothing was saved by the refused requests.
    expect((await a.client.get(path)).json()).toMatchObject({ allowedFrameOrigins: [] });
  });

  it("are each tenant's own: another tenant neither sees nor changes them", async () => {
    const appA = await newApp(a.client, 'A customer');
    await a.client.patch(path, { displayName: 'Acme', allowedFrameOrigins: ['https://acme.test'] });
    await b.client.patch(path, { displayName: 'Globex' });
    expect((await a.client.get(path)).json()).toMatchObject({
      displayName: 'Acme',
      allowedFrameOrigins: ['https://acme.test'],
    });
    expect((await b.client.get(path)).json()).toMatchObject({
      displayName: 'Globex',
      allowedFrameOrigins: [],
    });
    // Another tenant's application's branding is as absent as a missing application.
    const cross = await b.client.get(`/api/v1/app/${appA}/portal`);
    expect(cross.status).toBe(404);
    expect(cross.json()).toMatchObject({ code: 'not_found' });
  });

  it("a portal token reads its own application's branding only, and never the settings", async () => {
    const mine = await newApp(a.client, 'Mine');
    const theirs = await newApp(a.client, 'Theirs');
    await a.client.patch(path, { displayName: 'Acme Webhooks', accentColor: '#112233' });
    const portal = await portalToken(a.client, mine);
    const branding = await portal.get(`/api/v1/app/${mine}/portal`);
    expect(branding.status).toBe(200);
    expect(branding.json()).toEqual({
      displayName: 'Acme Webhooks',
      logoUrl: null,
      accentColor: '#112233',
    });
    expect((await portal.get(`/api/v1/app/${theirs}/portal`)).status).toBe(404);
    expect((await portal.get(path)).status).toBe(403);
    expect((await portal.patch(path, { displayName: 'Hijacked' })).status).toBe(403);
    expect((await a.client.get(path)).json()).toMatchObject({ displayName: 'Acme Webhooks' });
  });

  it('are cached, and a change made through one API instance reaches the other', async () => {
    const appId = await newApp(a.client, 'Two instances');
    const token = (await portalToken(a.client, appId)).token ?? '';
    const elsewhere = new HttpClient(other.url, token);
    const nameThere = async () =>
      (await elsewhere.get(`/api/v1/app/${appId}/portal`)).json<{ displayName: string }>()
        .displayName;
    await a.client.patch(path, { displayName: 'Before' });
    expect(await nameThere()).toBe('Before');
    // Changed behind the API: no instance is told, and the other one serves what it cached.
    await env.sql.query("update portal_settings set display_name = 'Behind' where tenant_id = $1", [
      a.id,
    ]);
    expect(await nameThere()).toBe('Before');
    await a.client.patch(path, { displayName: 'After' });
    await waitFor('the other instance to serve the new name', async () =>
      (await nameThere()) === 'After' ? true : undefined,
    );
  });
});

describe('the portal page', () => {
  const frameAncestors = (csp: string | null) =>
    /(?:^|;\s*)frame-ancestors ([^;]*)/.exec(csp ?? '')?.[1];

  it("answers frame-ancestors with the tenant's allowed origins, and 'none' when it allowed none", async () => {
    const tenant = await api.newTenant('Framing');
    const appId = await newApp(tenant.client, 'Framed');
    const link = (await tenant.client.post(`/api/v1/auth/app-portal-access/${appId}`, {})).json<{
      url: string;
    }>().url;
    const page = `/dashboard/portal/${appId}`;
    expect(new URL(link).pathname).toBe(page);

    const before = await api.anonymous.get(page);
    expect(before.status).toBe(200);
    expect(before.headers.get('content-type')).toMatch(/^text\/html/);
    expect(before.text).toContain('<div id="root">');
    expect(frameAncestors(before.headers.get('content-security-policy'))).toBe("'none'");

    await tenant.client.patch(path, {
      allowedFrameOrigins: ['https://app.example.com', 'http://localhost:3000'],
      logoUrl: 'https://cdn.example.com/brand/logo.svg',
    });
    for (const served of [page, `${page}/endpoints`, `${page}/msg/msg_x`]) {
      const res = await api.anonymous.get(served);
      expect(res.status, served).toBe(200);
      const csp = res.headers.get('content-security-policy');
      expect(frameAncestors(csp), served).toBe('https://app.example.com http://localhost:3000');
      // The logo's origin may serve the page's images; nothing else of it is allowed.
      expect(csp).toContain("img-src 'self' data: https://cdn.example.com;");
      expect(csp).toContain("default-src 'self'");
    }
    // The other instance serves what this one was told.
    await waitFor('the other instance to answer the allowed origins', async () =>
      frameAncestors(
        (await new HttpClient(other.url).get(page)).headers.get('content-security-policy'),
      ) === 'https://app.example.com http://localhost:3000'
        ? true
        : undefined,
    );

    await tenant.client.patch(path, { allowedFrameOrigins: [] });
    expect(
      frameAncestors((await api.anonymous.get(page)).headers.get('content-security-policy')),
    ).toBe("'none'");
  });

  it("another tenant's origins never frame this tenant's portal, nor anyone an unknown application's", async () => {
    const mine = await api.newTenant('Mine');
    const theirs = await api.newTenant('Theirs');
    const appId = await newApp(mine.client, 'Mine');
    await theirs.client.patch(path, { allowedFrameOrigins: ['https://theirs.example.com'] });
    expect(
      frameAncestors(
        (await api.anonymous.get(`/dashboard/portal/${appId}`)).headers.get(
          'content-security-policy',
        ),
      ),
    ).toBe("'none'");
    for (const unknown of ['app_00000000000000000000000000', 'not-an-id']) {
      const res = await api.anonymous.get(`/dashboard/portal/${unknown}`);
      // The page itself says, through the API, that the link leads nowhere.
      expect(res.status, unknown).toBe(200);
      expect(frameAncestors(res.headers.get('content-security-policy'))).toBe("'none'");
    }
    // A deleted application's portal is no longer framed by its tenant's origins.
    await mine.client.patch(path, { allowedFrameOrigins: ['https://mine.example.com'] });
    const portalPage = `/dashboard/portal/${appId}`;
    const cspOf = async () =>
      frameAncestors((await api.anonymous.get(portalPage)).headers.get('content-security-policy'));
    expect(await cspOf()).toBe('https://mine.example.com');
    expect((await mine.client.delete(`/api/v1/app/${appId}`)).status).toBe(204);
    expect(await cspOf()).toBe("'none'");
    // The operator's dashboard is never framed.
    expect(
      frameAncestors(
        (await api.anonymous.get('/dashboard/')).headers.get('content-security-policy'),
      ),
    ).toBe("'none'");
  });
});
