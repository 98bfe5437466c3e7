import { request } from 'undici';
import { join } from 'node:path';
import { logDir, npmScript, startNode, type Child } from './process.ts';

/** Fixed credentials of the bench installation (loopback only, thrown away after the run). */
const adminToken = 'bench-admin-token-0123456789abcdef';
const secrets = {
  HOOKRAIL_ADMIN_TOKEN: adminToken,
  HOOKRAIL_ENCRYPTION_KEY: Buffer.alloc(32, 11).toString('base64'),
  HOOKRAIL_JWT_SECRET: 'bench-jwt-secret-0123456789abcdefghijklmnop',
};

export interface HookrailSettings {
  databaseUrl: string;
  redisUrl: string;
  logLevel: string;
  /** Any other HOOKRAIL_* variable, e.g. a shorter request timeout. */
  extra?: Record<string, string>;
}

export interface Running {
  /** The API's origin, when an API runs. */
  origin: string;
  api?: Child;
  workers?: Child[];
  standalone?: Child;
}

function envOf(settings: HookrailSettings): Record<string, string> {
  return {
    DATABASE_URL: settings.databaseUrl,
    REDIS_URL: settings.redisUrl,
    HOOKRAIL_REDIS_PREFIX: 'bench',
    HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.0/8',
    HOOKRAIL_LOG_LEVEL: settings.logLevel,
    HOOKRAIL_DATA_DIR: join(logDir, 'data'),
    PORT: '0',
    ...secrets,
    ...settings.extra,
  };
}

/** Starts a Hookrail process as `npm run <script>` does: the same entry point and Node options. */
function startScript(name: string, script: string, settings: HookrailSettings): Child {
  const { entry, nodeOptions } = npmScript(script);
  return startNode(name, entry, envOf(settings), [], nodeOptions);
}

async function originOf(child: Child): Promise<string> {
  const port = (await child.waitFor(/"port":(\d+)/, 120_000))[1] ?? '';
  return `http://127.0.0.1:${port}`;
}

export async function startApi(
  settings: HookrailSettings,
): Promise<{ api: Child; origin: string }> {
  const api = startScript('api', 'start:api', settings);
  return { api, origin: await originOf(api) };
}

export async function startWorker(settings: HookrailSettings): Promise<Child> {
  const worker = startScript('worker', 'start:worker', settings);
  await worker.waitFor(/worker ready/, 120_000);
  return worker;
}

export async function startStandalone(
  settings: HookrailSettings,
): Promise<{ standalone: Child; origin: string }> {
  const standalone = startScript('standalone', 'start', settings);
  const origin = await originOf(standalone);
  await standalone.waitFor(/worker ready/, 120_000);
  return { standalone, origin };
}

/** Starts `n` worker processes, one after the other. */
export async function startWorkers(settings: HookrailSettings, n: number): Promise<Child[]> {
  const workers: Child[] = [];
  for (let i = 0; i < n; i++) workers.push(await startWorker(settings));
  return workers;
}

/** Starts Hookrail whole: one all-in-one process, or (split) an API and `workers` workers. */
export async function startHookrail(
  settings: HookrailSettings,
  split: boolean,
  workers = 1,
): Promise<Running> {
  if (!split) {
    const { standalone, origin } = await startStandalone(settings);
    return { origin, standalone };
  }
  const { api, origin } = await startApi(settings);
  return { origin, api, workers: await startWorkers(settings, workers) };
}

export async function stopHookrail(running: Running): Promise<void> {
  await running.api?.stop();
  for (const worker of running.workers ?? []) await worker.stop();
  await running.standalone?.stop();
}

/** The Hookrail process ids by role, for CPU and memory figures. */
export function rolesOf(running: Running): Record<string, number[]> {
  const pid = (child: Child | undefined) => (child === undefined ? [] : [child.pid]);
  if (running.standalone !== undefined) return { standalone: pid(running.standalone) };
  return { api: pid(running.api), worker: (running.workers ?? []).map((child) => child.pid) };
}

async function call<T>(
  origin: string,
  token: string,
  method: 'POST' | 'GET',
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await request(`${origin}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
  return JSON.parse(text) as T;
}

/** A tenant of the bench installation, as its API key sees it. */
export class Tenant {
  readonly origin: string;
  readonly apiKey: string;

  private constructor(origin: string, apiKey: string) {
    this.origin = origin;
    this.apiKey = apiKey;
  }

  static async create(origin: string): Promise<Tenant> {
    const { apiKey } = await call<{ apiKey: string }>(
      origin,
      adminToken,
      'POST',
      '/admin/tenants',
      { name: 'Bench' },
    );
    return new Tenant(origin, apiKey);
  }

  /** Applications `uids`, each with one endpoint per URL of `endpoints(uid)`, created `parallel` at a time. */
  async seed(uids: string[], endpoints: (uid: string) => string[], parallel = 8): Promise<void> {
    const work = uids.flatMap((uid) => [
      async () => {
        await call(this.origin, this.apiKey, 'POST', '/app', { name: uid, uid });
        const urls = endpoints(uid);
        for (let i = 0; i < urls.length; i += parallel) {
          await Promise.all(
            urls
              .slice(i, i + parallel)
              .map((url) =>
                call(this.origin, this.apiKey, 'POST', `/app/${uid}/endpoint`, { url }),
              ),
          );
        }
      },
    ]);
    for (let i = 0; i < work.length; i += parallel) {
      await Promise.all(work.slice(i, i + parallel).map((step) => step()));
    }
  }

  async send(app: string, body: unknown): Promise<{ id: string }> {
    return call(this.origin, this.apiKey, 'POST', `/app/${app}/msg`, body);
  }

  get headers(): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}` };
  }
}
