import { join } from 'node:path';
import { median } from './stats.ts';
import type { HookrailSettings, Running } from './hookrail.ts';
import { rolesOf } from './hookrail.ts';
import type { Options } from './options.ts';
import { logDir } from './process.ts';
import type { ProcessGroups } from './proc.ts';
import type { Receivers } from './receiver.ts';
import type { BenchDatabase, BenchRedis } from './services.ts';

/** One line of the report: a figure, and where there is one, its reference, ratio and target. */
export interface Figure {
  scenario: string;
  name: string;
  value: number;
  unit: string;
  /** What the figure is compared with, measured in the same run. */
  reference?: { name: string; value: number };
  ratio?: number;
  target?: string;
  /** Whether the target holds, when there is one. */
  holds?: boolean;
}

export interface ScenarioResult {
  figures: Figure[];
  /** Everything measured, for the JSON file. */
  details: unknown;
}

/** What every scenario is given: the options and the shared services of the run. */
export interface Context {
  options: Options;
  db: BenchDatabase;
  redis: BenchRedis;
  receivers: Receivers;
  /** A progress line on stderr. */
  say(line: string): void;
  settings(extra?: Record<string, string>): HookrailSettings;
  /** A fresh database, an empty Redis and receivers with no records. */
  fresh(): Promise<void>;
  /** Process groups whose CPU is measured: Hookrail's roles, Postgres backends, Redis. */
  cpuGroups(running: Running | Record<string, number[]>): ProcessGroups;
  /** Results of scenarios run earlier in this run, by scenario name. */
  earlier: Map<string, ScenarioResult>;
}

export function createContext(
  options: Options,
  db: BenchDatabase,
  redis: BenchRedis,
  receivers: Receivers,
): Context {
  const started = Date.now();
  return {
    options,
    db,
    redis,
    receivers,
    earlier: new Map(),
    say(line) {
      process.stderr.write(
        `bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s  ${line}\n`,
      );
    },
    settings(extra) {
      return {
        databaseUrl: db.url(),
        redisUrl: redis.url,
        logLevel: options.logLevel,
        extra: {
          HOOKRAIL_WORKER_CONCURRENCY: String(options.concurrency),
          // Written when the process exits (the harness stops it with SIGTERM).
          ...(options.cpuProf && {
            NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${join(logDir, 'profiles')}`,
          }),
          ...extra,
        },
      };
    },
    async fresh() {
      await db.fresh();
      await redis.flush();
      await receivers.reset();
    },
    cpuGroups(running) {
      const roles = 'origin' in running ? rolesOf(running as Running) : running;
      const groups: ProcessGroups = {};
      for (const [role, pids] of Object.entries(roles)) groups[role] = () => pids;
      groups.postgres = () => db.backendPids();
      groups.redis = () => [redis.pid];
      return groups;
    },
  };
}

/** CPU milliseconds per unit (message, delivery), by process group. */
export function perUnit(spent: Record<string, number>, units: number): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [name, ms] of Object.entries(spent))
    result[name] = units > 0 ? ms / units : Number.NaN;
  return result;
}

/** A figure compared with its reference against a minimum ratio (`2.4` means ">= 2.4x"). */
export function ratioFigure(
  scenario: string,
  name: string,
  value: number,
  unit: string,
  reference: { name: string; value: number },
  minRatio: number,
): Figure {
  const ratio = value / reference.value;
  return {
    scenario,
    name,
    value,
    unit,
    reference,
    ratio,
    target: `>= ${minRatio}x`,
    holds: ratio >= minRatio,
  };
}

/** One figure per process group: the median over runs of CPU ms per unit. */
export function cpuFigures(
  scenario: string,
  what: string,
  runs: Record<string, number>[],
): Figure[] {
  return Object.keys(runs[0] ?? {}).map((process) => ({
    scenario,
    name: `CPU per ${what}, ${process}`,
    value: median(runs.map((cpu) => cpu[process] ?? Number.NaN)),
    unit: 'ms',
  }));
}
