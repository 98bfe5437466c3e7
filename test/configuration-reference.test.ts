// The README's Configuration section lists every environment variable the processes read,
// as their zod schemas declare them: a variable added without a line there fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiEnvVariables } from '@hookrail/api';
import { standaloneEnvVariables } from '@hookrail/standalone';
import { workerEnvVariables } from '@hookrail/worker';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/process.ts';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

interface Row {
  variable: string;
  /** The cells by their column's header (`default`, `read by`, `meaning`). */
  cells: Record<string, string>;
}

/** The text of the section under `heading` (a whole `##`/`###` line), to the next heading as deep or deeper. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) return '';
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const rest = text.slice(start + heading.length + 2);
  const next = new RegExp(`^#{1,${level}} `, 'm').exec(rest);
  return next === null ? rest : rest.slice(0, next.index);
}

/** Rows of every Markdown table in `text` whose first cell is one variable name in backticks. */
function variableRows(text: string): Row[] {
  const rows: Row[] = [];
  let header: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      header = [];
      continue;
    }
    const cells = line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split('|')
      .map((cell) => cell.trim());
    if (header.length === 0) {
      header = cells;
      continue;
    }
    const variable = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[0] ?? '')?.[1];
    if (variable === undefined) continue;
    rows.push({
      variable,
      cells: Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])),
    });
  }
  return rows;
}

/** Which processes read a variable, as the reference's `read by` column says it. */
function readBy(variable: string): string {
  const api = apiEnvVariables.includes(variable);
  const worker = workerEnvVariables.includes(variable);
  return api && worker ? 'both' : api ? 'API' : worker ? 'worker' : 'neither';
}

/** What the Configuration section of `text` leaves out or gets wrong, as sentences. */
function problems(text: string): string[] {
  const rows = variableRows(section(text, '## Configuration'));
  const documented = new Map(rows.map((row) => [row.variable, row]));
  const found: string[] = [];
  for (const variable of standaloneEnvVariables) {
    const row = documented.get(variable);
    if (row === undefined) found.push(`${variable} is read but not documented`);
    else if (row.cells['read by'] !== readBy(variable))
      found.push(`${variable} is read by ${readBy(variable)}, not ${row.cells['read by']}`);
    if (row !== undefined && (row.cells.default ?? '') === '')
      found.push(`${variable} has no default`);
  }
  for (const { variable } of rows)
    if (!standaloneEnvVariables.includes(variable))
      found.push(`${variable} is documented but no process reads it`);
  if (rows.length !== documented.size) found.push('a variable is listed twice');
  return found;
}

describe("the README's configuration reference", () => {
  it('the all-in-one process reads what the API and the worker read, and only that', () => {
    expect([...standaloneEnvVariables].sort()).toEqual(
      [...new Set([...apiEnvVariables, ...workerEnvVariables])].sort(),
    );
    expect(apiEnvVariables).toContain('PORT');
    expect(workerEnvVariables).toContain('HOOKRAIL_WORKER_CONCURRENCY');
  });

  it('lists every variable a process reads, with its default and which processes read it', () => {
    expect(problems(readme)).toEqual([]);
  });

  it('reports a variable left out, or marked as read by the wrong process', () => {
    const withoutPort = readme.replace(/^\| `PORT` .*\n/m, '');
    expect(withoutPort).not.toBe(readme);
    expect(problems(withoutPort)).toEqual(['PORT is read but not documented']);
    const misread = readme.replace(/^(\| `REDIS_URL` +\|[^|]+\| )both /m, '$1API  ');
    expect(misread).not.toBe(readme);
    expect(problems(misread)).toEqual(['REDIS_URL is read by both, not API']);
  });

  it('gives the same default wherever else a variable is described', () => {
    const reference = new Map(
      variableRows(section(readme, '## Configuration')).map((row) => [row.variable, row]),
    );
    // The compose file's defaults are its own (its URLs, its network): left out.
    const elsewhere = readme
      .replace(section(readme, '## Configuration'), '')
      .replace(section(readme, '### Containers'), '');
    const rows = variableRows(elsewhere).filter((row) => row.cells.default !== undefined);
    expect(rows.length).toBeGreaterThan(0);
    for (const { variable, cells } of rows) {
      expect(reference.has(variable), `${variable} is described but not in Configuration`).toBe(
        true,
      );
      expect(cells.default, variable).toBe(reference.get(variable)?.cells.default);
    }
  });
});
