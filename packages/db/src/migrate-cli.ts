// `npm run migrate`: apply pending migrations to DATABASE_URL and exit; what a person must fix
// (credentials, a database that cannot be created) is one line and exit 78, as at start-up.
// Nothing it prints shows the password of DATABASE_URL.
import { inspect } from 'node:util';
import { baseConfig, baseEnvSchema, ConfigError, parseEnv, StartupError } from '@hookrail/config';
import { hidePasswords } from '@hookrail/logger';
import { migrateDatabase } from './migrate.ts';
import { startupError } from './startup-errors.ts';

try {
  const config = baseConfig(parseEnv(baseEnvSchema));
  await migrateDatabase(config.databaseUrl).catch((error: unknown) => {
    throw startupError(error, config.databaseUrl);
  });
  process.stdout.write('migrations applied\n');
} catch (error) {
  if (error instanceof StartupError || error instanceof ConfigError) {
    process.stderr.write(`Cannot migrate: ${hidePasswords(error.message)}\n`);
    process.exitCode = 78;
  } else {
    process.stderr.write(`Cannot migrate: ${hidePasswords(inspect(error))}\n`);
    process.exitCode = 1;
  }
}
