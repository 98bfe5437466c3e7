import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Where every process the harness starts writes its output, a folder per run (not committed). */
export const logDir = join(
  repoRoot,
  'bench',
  'results',
  'logs',
  new Date().toISOString().replace(/[:.]/g, '-'),
);

export interface Child {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  exited: Promise<number | string>;
  /** Resolves with the first match of `pattern` in the output; rejects at the deadline or exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL when it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * What `npm run <script>` runs for a Hookrail process: its entry point and the options of Node
 * itself (V8's heap sizing: see README, "Sizing and scaling"), so that the harness measures
 * the processes as they are run.
 */
export function npmScript(script: string): { entry: string; nodeOptions: string[] } {
  const { scripts } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [program, ...words] = (scripts[script] ?? '').trim().split(/\s+/);
  const entry = words.pop();
  if (program !== 'node' || entry === undefined || words.some((word) => !word.startsWith('--')))
    throw new Error(`the ${script} script is not "node [options] <entry point>"`);
  return { entry, nodeOptions: words };
}

let sequence = 0;

/**
 * Starts a Node entry point of the repository on the pinned Node (the one running the
 * harness), output to a log file rather than a pipe, so that a chatty process never costs the
 * harness CPU while it measures.
 */
export function startNode(
  name: string,
  script: string,
  env: Record<string, string>,
  args: string[] = [],
  /** Options of Node itself, before the script (V8's heap settings, say). */
  nodeArgs: string[] = [],
): Child {
  sequence += 1;
  const logFile = join(logDir, `${String(sequence).padStart(3, '0')}-${name}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} did not start`);
  let done = false;
  const exited = once(child, 'exit').then(([code, signal]) => {
    done = true;
    return (code as number | null) ?? String(signal);
  });

  async function waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(readFileSync(logFile, 'utf8'));
      if (match) return match;
      if (done) throw new Error(`${name} exited before printing ${pattern}; see ${logFile}`);
      if (Date.now() > deadline)
        throw new Error(`${name}: no ${pattern} within ${timeoutMs} ms; see ${logFile}`);
      await new Promise((resolve) => setTimeout(resolve, 50)); // polling the log file
    }
  }

  async function stop(graceMs = 30_000): Promise<void> {
    if (done) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  return { name, child, pid, logFile, exited, waitFor, stop };
}

/** Runs a Node entry point to its end and returns the last line it printed, parsed as JSON. */
export async function runToResult<T>(name: string, script: string, args: string[]): Promise<T> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const last = output.trim().split('\n').at(-1) ?? '';
  if (code !== 0) throw new Error(`${name} exited ${String(code)}: ${output}`);
  return JSON.parse(last) as T;
}
