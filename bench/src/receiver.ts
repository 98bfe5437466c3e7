import { request } from 'undici';
import { startNode, type Child } from './process.ts';

export type ReceiptKind = 'ok' | 'fail' | 'hang';

export interface Receipts {
  ids: string[];
  /** Arrival times (ms, wall clock), in arrival order. */
  times: number[];
}

/** The receivers' process, seen from the harness. */
export class Receivers {
  readonly process: Child;
  readonly url: string;

  private constructor(child: Child, url: string) {
    this.process = child;
    this.url = url;
  }

  static async start(): Promise<Receivers> {
    const child = startNode('receivers', 'bench/src/receiver-main.ts', {});
    const port = (await child.waitFor(/"port":(\d+)/))[1] ?? '';
    return new Receivers(child, `http://127.0.0.1:${port}`);
  }

  private async get<T>(path: string): Promise<T> {
    const res = await request(`${this.url}${path}`);
    return (await res.body.json()) as T;
  }

  async reset(): Promise<void> {
    await this.get('/__reset');
  }

  async count(): Promise<Record<ReceiptKind, number>> {
    return this.get('/__count');
  }

  async receipts(kind: ReceiptKind = 'ok'): Promise<Receipts> {
    return this.get(`/__receipts?kind=${kind}`);
  }

  /** Waits until `n` requests of `kind` arrived, or the deadline; returns how many did. */
  async waitForCount(
    n: number,
    timeoutMs: number,
    kind: ReceiptKind = 'ok',
    onTick?: (count: number) => void,
  ): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = (await this.count())[kind];
      onTick?.(seen);
      if (seen >= n || Date.now() > deadline) return seen;
      await new Promise((resolve) => setTimeout(resolve, 100)); // polling the receivers
    }
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}

/** Deliveries per second from the first receipt to the last. */
export function drainRate(times: readonly number[]): number {
  if (times.length < 2) return 0;
  let first = Infinity;
  let last = -Infinity;
  for (const t of times) {
    first = Math.min(first, t);
    last = Math.max(last, t);
  }
  return ((times.length - 1) * 1000) / (last - first);
}
