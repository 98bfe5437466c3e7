import { describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { HttpClient } from './support/http.ts';

const env = useTestEnv();
const api = useTestApi(env);

const sessionPath = '/api/v1/dashboard/session';
const csrf = { 'x-hookrail-csrf': '1' };

/** Signs in with an API key as the dashboard does; returns the cookie to send back. */
async function signIn(apiKey: string): Promise<{ cookie: string; setCookie: string }> {
  const res = await new HttpClient(api.url, apiKey).post(sessionPath, undefined, csrf);
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  return { cookie, setCookie };
}

/** A client that sends only the session cookie (and whatever headers the test adds). */
function withCookie(cookie: string, headers: Record<string, string> = {}) {
  const client = new HttpClient(api.url);
  return {
    get: (path: string) => client.request('GET', path, undefined, { cookie, ...headers }),
    post: (path: string, body: unknown, extra: Record<string, string> = {}) =>
      client.request('POST', path, body, { cookie, ...headers, ...extra }),
  };
}

describe('dashboard sessions', () => {
  it('exchange an API key for an httpOnly, SameSite=Strict cookie that the tenant API accepts', async () => {
    const tenant = await api.newTenant('Cookie Co');
    const { cookie, setCookie } = await signIn(tenant.apiKey);
    expect(setCookie).toMatch(/^hookrail_session=[\w-]+\.[\w-]+\.[\w-]+;/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toContain(`Max-Age=${8 * 3600}`);
    expect(cookie).not.toContain(tenant.apiKey);

    const session = await withCookie(cookie).get(sessionPath);
    expect(session.json()).toMatchObject({
      signedIn: true,
      tenantId: tenant.id,
      tenantName: 'Cookie Co',
    });
    const created = await tenant.client.post('/api/v1/app', { name: 'Seen by the session' });
    const apps = await withCookie(cookie).get('/api/v1/app');
    expect(apps.status).toBe(200);
    expect(apps.json<{ data: { id: string }[] }>().data.map((a) => a.id)).toEqual([
      created.json<{ id: string }>().id,
    ]);
  });

  it('are refused for an unknown key, and an absent or forged cookie signs nobody in', async () => {
    const refused = await new HttpClient(api.url, 'hrk_not_a_key').post(
      sessionPath,
      undefined,
      csrf,
    );
    expect(refused.status).toBe(401);
    expect(refused.json()).toMatchObject({ code: 'unauthorized' });
    expect(refused.headers.get('set-cookie')).toBeNull();

    expect((await api.anonymous.get(sessionPath)).json()).toEqual({ signedIn: false });
    const tenant = await api.newTenant();
    const { cookie } = await signIn(tenant.apiKey);
    const forged = `${cookie.slice(0, -3)}abc`;
    expect((await withCookie(forged).get(sessionPath)).json()).toEqual({ signedIn: false });
    expect((await withCookie(forged).get('/api/v1/app')).status).toBe(401);
  });

  it('need the CSRF header, from the same origin, for anything but reading', async () => {
    const tenant = await api.newTenant();
    const noHeader = await new HttpClient(api.url, tenant.apiKey).post(sessionPath);
    expect(noHeader.status).toBe(403);
    expect(noHeader.json()).toMatchObject({ code: 'csrf_check_failed' });

    const { cookie } = await signIn(tenant.apiKey);
    const session = withCookie(cookie);
    expect((await session.get('/api/v1/app')).status).toBe(200);
    const bare = await session.post('/api/v1/app', { name: 'No header' });
    expect(bare.status).toBe(403);
    expect(bare.json()).toMatchObject({ code: 'csrf_check_failed' });
    const crossSite = await session.post(
      '/api/v1/app',
      { name: 'Other site' },
      { ...csrf, origin: 'https://attacker.example' },
    );
    expect(crossSite.status).toBe(403);
    const fetchedCrossSite = await session.post(
      '/api/v1/app',
      { name: 'Other site' },
      { ...csrf, 'sec-fetch-site': 'cross-site' },
    );
    expect(fetchedCrossSite.status).toBe(403);
    const sameOrigin = await session.post(
      '/api/v1/app',
      { name: 'From the dashboard' },
      { ...csrf, origin: api.url, 'sec-fetch-site': 'same-origin' },
    );
    expect(sameOrigin.status).toBe(201);
    // Nothing was created by the refused requests.
    const names = (await tenant.client.get('/api/v1/app'))
      .json<{ data: { name: string }[] }>()
      .data.map((a) => a.name);
    expect(names).toEqual(['From the dashboard']);
  });

  it('end when the operator signs out, and when the key they were made from is revoked', async () => {
    const tenant = await api.newTenant();
    const { cookie } = await signIn(tenant.apiKey);
    const signOut = await new HttpClient(api.url).request('DELETE', sessionPath, undefined, {
      cookie,
      ...csrf,
    });
    expect(signOut.status).toBe(204);
    expect(signOut.headers.get('set-cookie')).toMatch(/^hookrail_session=; Max-Age=0;/);

    const key = await api.admin.post(`/api/v1/admin/tenants/${tenant.id}/api-keys`, {
      name: 'short-lived',
    });
    const { id: keyId, key: secondKey } = key.json<{ id: string; key: string }>();
    const second = await signIn(secondKey);
    expect((await withCookie(second.cookie).get('/api/v1/app')).status).toBe(200);
    expect(
      (await api.admin.delete(`/api/v1/admin/tenants/${tenant.id}/api-keys/${keyId}`)).status,
    ).toBe(204);
    expect((await withCookie(second.cookie).get('/api/v1/app')).status).toBe(401);
    expect((await withCookie(second.cookie).get(sessionPath)).json()).toEqual({
      signedIn: false,
    });
  });

  it('are not portal tokens: the cookie is no Bearer credential, and a portal token is no session', async () => {
    const tenant = await api.newTenant();
    const { cookie } = await signIn(tenant.apiKey);
    const jwt = cookie.slice('hookrail_session='.length);
    expect((await new HttpClient(api.url, jwt).get('/api/v1/app')).status).toBe(401);

    const app = (await tenant.client.post('/api/v1/app', { name: 'Portal' })).json<{
      id: string;
    }>();
    const { token } = (
      await tenant.client.post(`/api/v1/auth/app-portal-access/${app.id}`, {})
    ).json<{ token: string }>();
    const asCookie = withCookie(`hookrail_session=${token}`);
    expect((await asCookie.get(`/api/v1/app/${app.id}`)).status).toBe(401);
  });
});
