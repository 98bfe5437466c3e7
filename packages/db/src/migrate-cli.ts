// `npm run migrate`: apply pending migrations to DATABASE_URL and exit.
import { baseConfig, baseEnvSchema, parseEnv } from '@hookrail/config';
import { migrateDatabase } from './migrate.ts';

const config = baseConfig(parseEnv(baseEnvSchema));
await migrateDatabase(config.databaseUrl);
process.stdout.write('migrations applied\n');
