// The container image and the compose file, checked without a Docker engine: by
// `docker-compose config -q` where that binary exists, and structurally everywhere.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { freePort } from './support/private-redis.ts';
import { repoRoot } from './support/process.ts';
import { useTestWorker } from './support/worker.ts';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { disable?: boolean; test?: string[] };
  depends_on?: Record<string, { condition?: string }>;
  ports?: string[];
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = Object.entries(compose.services);
const running = (entry: string) =>
  services.filter(
    ([, service]) => service.command?.[0] === 'node' && service.command.at(-1) === entry,
  );

/** `node <options> <entry>` as the words of the npm script `name` (package.json). */
function npmStart(name: string): string[] {
  const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  return (scripts[name] ?? '').trim().split(/\s+/);
}
const apis = running('apps/api/src/main.ts');
const workers = running('apps/worker/src/main.ts');

const dockerfile = read('Dockerfile');
/** The Dockerfile's instructions, continuation lines joined, comments left out. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const indexOf = (pattern: RegExp) => instructions.findIndex((line) => pattern.test(line));

/** Every workspace directory the root package.json's globs name. */
function workspaces(): string[] {
  const globs = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
  return globs.flatMap((glob) => {
    if (!glob.endsWith('/*')) return [glob];
    const parent = glob.slice(0, -2);
    return readdirSync(join(repoRoot, parent))
      .map((name) => `${parent}/${name}`)
      .filter((dir) => existsSync(join(repoRoot, dir, 'package.json')));
  });
}

describe('docker-compose.yml', () => {
  const binary = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
  it.runIf(binary.status === 0)('is valid for docker-compose with no variable set', () => {
    const result = spawnSync('docker-compose', ['config', '-q'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('runs two API and two worker services, one image, with the same settings and data volume', () => {
    expect(apis).toHaveLength(2);
    expect(workers).toHaveLength(2);
    const app = [...apis, ...workers].map(([, service]) => service);
    const [first] = app;
    for (const service of app) {
      expect(service.image).toBe(first?.image);
      expect(service.environment).toEqual(first?.environment);
      expect(service.volumes).toContain('hookrail-data:/app/.hookrail');
    }
    // The secrets every replica must agree on reach all of them.
    expect(Object.keys(first?.environment ?? {})).toEqual(
      expect.arrayContaining([
        'DATABASE_URL',
        'REDIS_URL',
        'HOOKRAIL_ENCRYPTION_KEY',
        'HOOKRAIL_JWT_SECRET',
        'HOOKRAIL_ADMIN_TOKEN',
      ]),
    );
    // The image's HEALTHCHECK asks the API's port; each worker has its own, on its metrics port.
    expect(first?.environment?.HOOKRAIL_WORKER_METRICS_PORT).toMatch(/^[1-9]\d*$/);
    for (const [, worker] of workers) {
      expect(worker.healthcheck?.disable).toBeUndefined();
      expect(worker.healthcheck?.test).toEqual(workers[0]?.[1].healthcheck?.test);
    }
  });

  it('starts every API and worker with the Node options of the npm start scripts', () => {
    expect(npmStart('start:api').slice(1, -1)).not.toEqual([]); // V8's heap sizing
    for (const [, api] of apis) expect(api.command).toEqual(npmStart('start:api'));
    for (const [, worker] of workers) expect(worker.command).toEqual(npmStart('start:worker'));
  });

  it('puts a load balancer in front of every API service that passes WebSocket upgrades', () => {
    const [name, lb] =
      services.find(([, service]) =>
        service.volumes?.some((volume) => volume.startsWith('./deploy/nginx.conf:')),
      ) ?? [];
    expect(name).toBeDefined();
    expect(lb?.image).toMatch(/^nginx:/);
    expect(lb?.ports).toHaveLength(1);
    for (const [api] of apis) expect(lb?.depends_on?.[api]?.condition).toBe('service_healthy');
    for (const [, api] of apis) expect(api.ports).toBeUndefined(); // reached through the LB only

    const nginx = read('deploy/nginx.conf');
    const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(nginx);
    const servers = [...(upstream?.[2] ?? '').matchAll(/server\s+([\w.-]+):8080/g)].map(
      (m) => m[1],
    );
    expect(servers.sort()).toEqual(apis.map(([api]) => api).sort());
    expect(nginx).toContain(`proxy_pass http://${upstream?.[1]};`);
    expect(nginx).toMatch(/proxy_http_version 1\.1;/);
    expect(nginx).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(nginx).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(nginx).toMatch(/map \$http_upgrade \$connection_upgrade \{\s*default upgrade;/);
  });
});

describe('the Dockerfile', () => {
  it('starts from the Node version package.json pins', () => {
    const pinned = (JSON.parse(read('package.json')) as { devDependencies: { node: string } })
      .devDependencies.node;
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${pinned}-`, 'm'));
    for (const from of instructions.filter((line) => line.startsWith('FROM ')))
      expect(from).toMatch(/^FROM (\$\{NODE_IMAGE\}|manifests) AS \w+$/);
  });

  it('installs dependencies from the manifests and lockfile before it copies the sources', () => {
    const lockfile = indexOf(/^COPY package\.json package-lock\.json \.\/$/);
    const install = indexOf(/^RUN npm ci --omit=dev/);
    const sources = indexOf(/^COPY \. \.$/);
    expect(lockfile).toBeGreaterThanOrEqual(0);
    expect(install).toBeGreaterThan(lockfile);
    expect(sources).toBeGreaterThan(install);
    for (const dir of workspaces()) {
      const copy = indexOf(new RegExp(`^COPY ${dir}/package\\.json ${dir}/$`));
      expect(copy, `${dir}/package.json is copied with the manifests`).toBeGreaterThan(lockfile);
      expect(copy).toBeLessThan(install);
    }
  });

  it('starts the all-in-one process as npm start does, Node options included', () => {
    const cmd = instructions.filter((line) => line.startsWith('CMD ')).at(-1) ?? '';
    expect(JSON.parse(cmd.slice('CMD '.length))).toEqual(npmStart('start'));
  });

  it('runs as a user other than root and never copies .env, local data or node_modules', () => {
    const users = instructions.filter((line) => line.startsWith('USER '));
    expect(users.at(-1)).toMatch(/^USER (?!root$|0$)\S+$/);
    expect(indexOf(/^USER /)).toBeGreaterThan(indexOf(/^COPY \. \.$/));
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.env', '.env.*', '.hookrail', 'node_modules', '.git'])
      expect(ignored).toContain(entry);
  });
});

/**
 * Runs a health check's command as the container would (node is the project's Node here),
 * with `env` as its environment, without blocking this process, which serves what it asks.
 */
async function check(command: string[], env: Record<string, string>): Promise<number | string> {
  const [program, ...args] = command;
  expect(program).toBe('node');
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'ignore',
    timeout: 10_000,
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  return code ?? String(signal);
}

describe('the health checks', () => {
  const env = useTestEnv();
  const api = useTestApi(env);
  const worker = useTestWorker(env, {
    HOOKRAIL_WORKER_METRICS_PORT: '0',
    HOOKRAIL_METRICS_TOKEN: 'metrics-token-0123456789',
  });

  it("the image's passes against a running API and fails where nothing listens", async () => {
    const healthcheck = /^HEALTHCHECK .*CMD (\[.*\])$/m.exec(instructions.join('\n'));
    const command = JSON.parse(healthcheck?.[1] ?? '[]') as string[];
    expect(command.join(' ')).toContain('/health/live');
    expect(await check(command, { PORT: String(api.running.port) })).toBe(0);
    expect(await check(command, { PORT: String(await freePort()) })).toBe(1);
  });

  it("the workers' pass against a running worker's metrics port, token or not, and fail where nothing listens", async () => {
    const [cmd, ...command] = workers[0]?.[1].healthcheck?.test ?? [];
    expect(cmd).toBe('CMD');
    const port = worker.metricsPort();
    expect(port).toBeGreaterThan(0);
    expect(await check(command, { HOOKRAIL_WORKER_METRICS_PORT: String(port) })).toBe(0);
    const nothing = String(await freePort());
    expect(await check(command, { HOOKRAIL_WORKER_METRICS_PORT: nothing })).toBe(1);
  });
});
