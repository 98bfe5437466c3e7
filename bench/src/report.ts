import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { format } from 'prettier';
import type { Figure, ScenarioResult } from './context.ts';
import type { Options } from './options.ts';
import { repoRoot } from './process.ts';
import { fmt, round } from './stats.ts';

export interface RunInfo {
  /** When the run started (names its results file). */
  date: string;
  commit: string;
  command: string;
  machine: { cpu: string; cores: number; memoryGiB: number; kernel: string };
  versions: { node: string; postgres: string; redis: string };
  minutes: number;
}

export function runInfo(options: Options, postgres: string, started: number): RunInfo {
  const sh = (command: string) => {
    try {
      return execSync(command, { cwd: repoRoot, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  const dirty = sh('git status --porcelain') === '' ? '' : ' (with uncommitted changes)';
  return {
    date: new Date(started).toISOString(),
    commit: `${sh('git rev-parse --short HEAD')}${dirty}`,
    command: [
      'npm run bench',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' '),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: round(totalmem() / 2 ** 30),
      kernel: sh('uname -r'),
    },
    versions: {
      node: process.version,
      postgres,
      redis: sh('redis-server --version').split(' ')[2] ?? 'unknown',
    },
    minutes: round((Date.now() - started) / 60_000),
  };
}

function row(figure: Figure): string {
  const reference = figure.reference
    ? `${fmt(figure.reference.value)} (${figure.reference.name})`
    : '';
  const ratio = figure.ratio === undefined ? '' : `${fmt(figure.ratio)}x`;
  const target = figure.target ?? '';
  const holds = figure.holds === undefined ? '' : figure.holds ? 'yes' : '**no**';
  return `| ${figure.scenario} | ${figure.name} | ${fmt(figure.value)} ${figure.unit} | ${reference} | ${ratio} | ${target} | ${holds} |`;
}

/** The generated part of docs/benchmarks.md: run facts and one table of every figure. */
export function markdown(info: RunInfo, results: Map<string, ScenarioResult>): string {
  const lines = [
    `Run of ${info.date.slice(0, 16).replace('T', ' ')} UTC on commit \`${info.commit}\`: \`${info.command}\`, ${info.minutes} minutes.`,
    `Machine: ${info.machine.cpu}, ${info.machine.cores} cores, ${info.machine.memoryGiB} GiB, Linux ${info.machine.kernel}.`,
    `Versions: Node ${info.versions.node}, PostgreSQL ${info.versions.postgres}, Redis ${info.versions.redis}.`,
    '',
    '| scenario | figure | Hookrail | reference (same run) | ratio | target | holds |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const result of results.values())
    for (const figure of result.figures) lines.push(row(figure));
  return lines.join('\n');
}

const begin = '<!-- bench:latest:begin -->';
const end = '<!-- bench:latest:end -->';

/** Writes bench/results/<date>.json and replaces the latest run's block in docs/benchmarks.md. */
export async function writeResults(
  info: RunInfo,
  options: Options,
  results: Map<string, ScenarioResult>,
): Promise<string> {
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${info.date.replace(/[:.]/g, '-')}${options.quick ? '-quick' : ''}.json`);
  // Infinity ("never arrived") would become null in JSON; it is written as the string "Infinity".
  const json = JSON.stringify(
    { info, options, results: Object.fromEntries(results) },
    (_key, value: unknown) => (value === Infinity ? 'Infinity' : value),
    1,
  );
  writeFileSync(file, `${json}\n`);
  const docs = join(repoRoot, 'docs', 'benchmarks.md');
  const block = `${begin}\n${markdown(info, results)}\n${end}`;
  let text: string;
  try {
    text = readFileSync(docs, 'utf8');
  } catch {
    text = `# Benchmarks\n\n## Latest run\n\n${begin}\n${end}\n`;
  }
  const at = text.indexOf(begin);
  const until = text.indexOf(end);
  text =
    at < 0 || until < 0
      ? `${text}\n${block}\n`
      : `${text.slice(0, at)}${block}${text.slice(until + end.length)}`;
  mkdirSync(join(repoRoot, 'docs'), { recursive: true });
  // Formatted as `npm run lint` expects, so that a run leaves the repository lint-clean.
  writeFileSync(docs, await format(text, { parser: 'markdown', printWidth: 100 }));
  return file;
}
