import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { freePort } from './private-redis.ts';
import { waitFor } from './wait.ts';

/** What to install when redis-server or redis-cli is missing. */
const install =
  'install Redis 7 (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)';

function requireTool(tool: string): void {
  const probe = spawnSync(tool, ['--version'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0)
    throw new Error(`The Redis Cluster tests need ${tool} on the PATH: ${install}.`);
}

/**
 * A Redis Cluster of `masters` masters (no replicas) on free loopback ports, its files in a
 * temporary directory: `redis-server --cluster-enabled yes` on each port, joined by
 * `redis-cli --cluster create`. Nothing is persisted; `stop` kills the servers and removes
 * the directory.
 */
export class RedisCluster {
  readonly ports: number[] = [];
  private readonly servers: ChildProcess[] = [];
  private dir = '';
  private readonly masters: number;

  constructor(masters = 3) {
    this.masters = masters;
  }

  /** `127.0.0.1:p1,127.0.0.1:p2,...`, as REDIS_CLUSTER_NODES takes it. */
  get nodes(): string {
    return this.ports.map((port) => `127.0.0.1:${port}`).join(',');
  }

  /** The first node as a URL (REDIS_URL then only gives the scheme). */
  get url(): string {
    return `redis://127.0.0.1:${this.ports[0] ?? 0}`;
  }

  async start(): Promise<void> {
    requireTool('redis-server');
    requireTool('redis-cli');
    this.dir = await mkdtemp(join(tmpdir(), 'hookrail-cluster-'));
    for (let i = 0; i < this.masters; i++) this.ports.push(await freePort());
    for (const port of this.ports) {
      const server = spawn(
        'redis-server',
        [
          '--port', String(port),
          '--bind', '127.0.0.1',
          '--cluster-enabled', 'yes',
          '--cluster-config-file', join(this.dir, `nodes-${port}.conf`),
          '--cluster-node-timeout', '2000',
          '--dir', this.dir,
          '--save', '',
          '--appendonly', 'no',
        ], // prettier-ignore
        { stdio: 'ignore' },
      );
      this.servers.push(server);
    }
    for (const port of this.ports) {
      await waitFor(`redis-server on port ${port} to answer`, () => answers(port));
    }
    const create = spawn(
      'redis-cli',
      ['--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    create.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    create.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(create, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`redis-cli --cluster create failed:\n${output}`);
    // Every node must know every slot before a client can rely on the cluster.
    for (const port of this.ports) {
      await waitFor(`node ${port} to report the cluster ok`, async () => {
        const info = await command(port, ['cluster', 'info']);
        return typeof info === 'string' && info.includes('cluster_state:ok');
      });
    }
  }

  /** A client of the cluster, for checks and clean-up. */
  client(): Cluster {
    const cluster = new Cluster(this.ports.map((port) => ({ host: '127.0.0.1', port })));
    cluster.on('error', () => undefined);
    return cluster;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.splice(0).map(async (server) => {
        if (server.exitCode !== null || server.signalCode !== null) return;
        server.kill('SIGKILL');
        await once(server, 'exit');
      }),
    );
    if (this.dir !== '') await rm(this.dir, { recursive: true, force: true });
  }
}

async function command(port: number, args: string[]): Promise<unknown> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const [name = 'ping', ...rest] = args;
    return await redis.call(name, ...rest);
  } finally {
    redis.disconnect();
  }
}

async function answers(port: number): Promise<boolean> {
  try {
    return (await command(port, ['ping'])) === 'PONG';
  } catch {
    return false;
  }
}
