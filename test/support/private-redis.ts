import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { waitFor } from './wait.ts';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A redis-server of the test's own, on a free loopback port, which the test may stop, start
 * and flush without disturbing anything else. Nothing is persisted: a restart loses its data.
 * With `password`, it refuses clients without it (`url` carries it).
 */
export class PrivateRedis {
  private process: ChildProcess | undefined;
  port = 0;
  private readonly password: string | undefined;

  constructor(options: { password?: string } = {}) {
    this.password = options.password;
  }

  get url(): string {
    const auth = this.password === undefined ? '' : `:${encodeURIComponent(this.password)}@`;
    return `redis://${auth}127.0.0.1:${this.port}`;
  }

  /** The redis-server's process id (0 when stopped), for CPU and memory figures. */
  get pid(): number {
    return this.process?.pid ?? 0;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    this.process = spawn(
      'redis-server',
      [
        ...['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        ...(this.password === undefined ? [] : ['--requirepass', this.password]),
      ],
      { stdio: 'ignore' },
    );
    await waitFor('the private redis to answer', async () => {
      const probe = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        return true;
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    });
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child === undefined || child.exitCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }

  async flush(): Promise<void> {
    const client = new Redis(this.url);
    try {
      await client.flushall();
    } finally {
      client.disconnect();
    }
  }
}
