import { parseArgs } from 'node:util';

export const scenarioNames = [
  'ingest',
  'drain',
  'latency',
  'fanout',
  'mixed',
  'backlog',
  'roundtrips',
  'fairness',
  'stream',
  'workers',
] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/** Every size and duration of a run; `--quick` shrinks them all. */
export interface Options {
  quick: boolean;
  /** Hookrail as separate API and worker processes rather than all-in-one. */
  split: boolean;
  /** Worker processes when split (`--workers N`, which implies `--split`). */
  workers: number;
  only: ScenarioName[];
  repeats: number;
  logLevel: string;
  /** Hookrail's processes write a V8 CPU profile each (`--cpu-prof`) into the run's log folder. */
  cpuProf: boolean;
  postgresUrl: string;
  /** Worker concurrency, given to Hookrail and to the naive pipeline alike. */
  concurrency: number;
  ingest: { levels: number[]; warmupMs: number; durationMs: number };
  drain: { messages: number; apps: number; fillConcurrency: number };
  latency: { rates: number[]; warmupMs: number; durationMs: number; settleMs: number };
  fanout: { endpoints: number };
  mixed: { endpoints: number; durationMs: number; concurrency: number; settleMs: number };
  backlog: { small: number; large: number; budgetMs: number };
  roundtrips: { messages: number };
  /** The busy tenant's backlog (`--fairness-backlog N`) and the quiet tenant's messages/s. */
  fairness: { backlog: number; quietRate: number };
  /** The drain measured with and without `subscribers` watching the status stream. */
  stream: { messages: number; subscribers: number };
}

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      split: { type: 'boolean', default: false },
      workers: { type: 'string' },
      only: { type: 'string' },
      repeats: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'cpu-prof': { type: 'boolean', default: false },
      'fairness-backlog': { type: 'string' },
    },
  });
  const quick = values.quick;
  const only = (values.only?.split(',') ?? [...scenarioNames]).map((name) => {
    if (!(scenarioNames as readonly string[]).includes(name)) {
      throw new Error(`unknown scenario ${name}; choose among ${scenarioNames.join(', ')}`);
    }
    return name as ScenarioName;
  });
  return {
    quick,
    split: values.split || values.workers !== undefined,
    workers: Number(values.workers ?? 1),
    only,
    repeats: Number(values.repeats ?? (quick ? 1 : 3)),
    logLevel: values['log-level'],
    cpuProf: values['cpu-prof'],
    postgresUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    concurrency: 100,
    ingest: quick
      ? { levels: [16], warmupMs: 500, durationMs: 2000 }
      : { levels: [1, 8, 32, 128], warmupMs: 1000, durationMs: 5000 },
    drain: { messages: quick ? 500 : 5000, apps: 10, fillConcurrency: 32 },
    latency: quick
      ? { rates: [50], warmupMs: 1000, durationMs: 2000, settleMs: 3000 }
      : { rates: [100, 200, 400, 800, 1600], warmupMs: 2000, durationMs: 8000, settleMs: 5000 },
    fanout: { endpoints: quick ? 50 : 1000 },
    mixed: quick
      ? { endpoints: 20, durationMs: 2000, concurrency: 16, settleMs: 3000 }
      : { endpoints: 100, durationMs: 15_000, concurrency: 32, settleMs: 10_000 },
    backlog: quick
      ? { small: 200, large: 1000, budgetMs: 60_000 }
      : { small: 20_000, large: 100_000, budgetMs: 8 * 60_000 },
    roundtrips: { messages: quick ? 20 : 200 },
    fairness: {
      backlog: Number(values['fairness-backlog'] ?? (quick ? 2000 : 100_000)),
      quietRate: 5,
    },
    stream: { messages: quick ? 500 : 5000, subscribers: 10 },
  };
}
