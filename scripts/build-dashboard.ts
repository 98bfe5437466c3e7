// Builds the browser dashboard (apps/dashboard) into apps/dashboard/dist when that build is
// missing or older than its sources. `npm start` runs it first (prestart) and so does the test
// run's global setup, so the README's two commands need no third; a fresh build costs a few
// seconds, an up-to-date one a directory walk.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dashboard = fileURLToPath(new URL('../apps/dashboard/', import.meta.url));
const builtIndex = join(dashboard, 'dist', 'index.html');

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

/** True when dist/ is missing or a source, index.html or the package manifest is newer. */
export function dashboardBuildIsStale(): boolean {
  if (!existsSync(builtIndex)) return true;
  const sources = ['src', 'index.html', 'package.json', 'tsconfig.json'].map((name) =>
    newestChange(join(dashboard, name)),
  );
  return Math.max(...sources) > statSync(builtIndex).mtimeMs;
}

/** Builds the dashboard if it is stale; throws with vite's output when the build fails. */
export function ensureDashboardBuild(): 'up to date' | 'built' {
  if (!dashboardBuildIsStale()) return 'up to date';
  const result = spawnSync('npm', ['run', 'build', '--workspace', '@hookrail/dashboard'], {
    cwd: join(dashboard, '..', '..'),
    // Always the production build: vite builds React's development build when NODE_ENV says
    // otherwise (vitest sets it to `test`), which would be tested instead of what is served,
    // and served by a later `npm start` (dist/ is shared). Its StrictMode runs every effect
    // twice, so each page would read everything twice.
    env: { ...process.env, NODE_ENV: 'production' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(
      `building the dashboard failed (npm run build -w @hookrail/dashboard):\n${result.stdout}${result.stderr}`,
    );
  }
  return 'built';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`dashboard: ${ensureDashboardBuild()}\n`);
}
