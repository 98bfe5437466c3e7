// Every package imports only what its own package.json declares, tests included: npm hoists
// every workspace's dependencies into one node_modules, so an undeclared import works here and
// breaks wherever the package is installed on its own (or after another package drops it).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/process.ts';

interface Manifest {
  name?: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readManifest = (dir: string) =>
  JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as Manifest;

const root = readManifest('.');
const workspaces = (root.workspaces ?? []).flatMap((glob) => {
  if (!glob.endsWith('/*')) return [glob];
  const parent = glob.slice(0, -2);
  return readdirSync(join(repoRoot, parent))
    .map((name) => `${parent}/${name}`)
    .filter((dir) => existsSync(join(repoRoot, dir, 'package.json')));
});

const sourceFile = /\.(ts|tsx|js|mjs|cjs)$/;
const skipped = new Set(['node_modules', 'dist', '.git', '.test-artifacts', 'results']);

/** The source files of a package: its directory, less the workspaces nested in it. */
function sources(dir: string, nested: Set<string>, out: string[] = []): string[] {
  for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
    const path = dir === '.' ? entry.name : `${dir}/${entry.name}`;
    if (skipped.has(entry.name) || nested.has(path)) continue;
    if (entry.isDirectory()) sources(path, nested, out);
    else if (sourceFile.test(entry.name)) out.push(path);
  }
  return out;
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or none. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** `package → files importing it` for every import of a package the manifest does not declare. */
function undeclaredImports(dir: string, manifest = readManifest(dir)): Record<string, string[]> {
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.devDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  if (manifest.name !== undefined) declared.add(manifest.name);
  const nested = new Set(dir === '.' ? workspaces : []);
  const found: Record<string, string[]> = {};
  for (const file of sources(dir, nested)) {
    const text = readFileSync(join(repoRoot, file), 'utf8');
    // Static imports, re-exports, dynamic import() and require(), as TypeScript reads them.
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      const name = packageOf(fileName);
      if (name === undefined || declared.has(name)) continue;
      (found[name] ??= []).push(relative(join(repoRoot, dir), join(repoRoot, file)));
    }
  }
  return found;
}

describe('package manifests', () => {
  it('lists the workspaces this test reads', () => {
    expect(workspaces).toContain('packages/config');
    expect(workspaces).toContain('apps/worker');
  });

  it.each(['.', ...workspaces])('%s imports only packages its package.json declares', (dir) => {
    expect(undeclaredImports(dir)).toEqual({});
  });

  it('reports an import its package.json leaves out', () => {
    // The same scan over packages/runtime with a manifest declaring nothing: what it imports
    // must come out, or the assertions above prove nothing.
    const found = undeclaredImports('packages/runtime', { name: '@hookrail/runtime' });
    expect(found['@hookrail/logger']).toContain('src/index.ts');
    expect(found.vitest).toEqual(['test/crash.test.ts']);
    expect(found['@hookrail/config']).toEqual(['src/index.ts']);
  });
});
