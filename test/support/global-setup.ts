import { migrateDatabase } from '@hookrail/db';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ensureDashboardBuild } from '../../scripts/build-dashboard.ts';
import { databaseUrl, resolveServices } from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    redisUrl: string;
    /** Migrated once per run; each test file copies it into a database of its own. */
    templateDatabase: string;
    /** Prefix of every database this run creates. */
    runPrefix: string;
  }
}

const stalePrefix = 'hookrail_test_';
const staleAfterMs = 6 * 60 * 60 * 1000;

async function dropDatabases(adminUrl: string, match: (name: string) => boolean): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname like '${stalePrefix}%'`,
    );
    for (const { datname } of rows.filter((row) => match(row.datname))) {
      await admin.query(`drop database if exists "${datname}" with (force)`);
    }
  } finally {
    await admin.end();
  }
}

/** Run start: find services, build the migrated template. Run end: drop what the run made. */
export default async function setup(project: TestProject) {
  // The API serves the browser dashboard from its build; the browser tests load it.
  ensureDashboardBuild();
  const services = await resolveServices();
  const started = Date.now();
  const runPrefix = `${stalePrefix}${started.toString(36)}_${process.pid}`;
  const templateDatabase = `${runPrefix}_template`;
  const adminUrl = databaseUrl(services.postgresUrl, 'postgres');

  // Databases left by runs that were killed long ago.
  await dropDatabases(adminUrl, (name) => {
    const stamp = Number.parseInt(name.slice(stalePrefix.length).split('_')[0] ?? '', 36);
    return Number.isFinite(stamp) && started - stamp > staleAfterMs;
  });
  await migrateDatabase(databaseUrl(services.postgresUrl, templateDatabase));

  project.provide('postgresUrl', services.postgresUrl);
  project.provide('redisUrl', services.redisUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('runPrefix', runPrefix);

  return async () => {
    await dropDatabases(adminUrl, (name) => name.startsWith(runPrefix));
    await services.stop();
  };
}
