// `npm run reencrypt`: re-encrypt every secret at rest with HOOKRAIL_ENCRYPTION_KEY, opening
// old values with HOOKRAIL_PREVIOUS_ENCRYPTION_KEYS. Safe to run while Hookrail runs, and again.
import { baseConfig, baseEnvSchema, parseEnv } from '@hookrail/config';
import { createDatabase } from '@hookrail/db';
import { configOrExit } from '@hookrail/runtime';
import { loadVault } from '@hookrail/secrets';
import { reencrypt } from './reencrypt.ts';

const config = configOrExit(() => baseConfig(parseEnv(baseEnvSchema)));
const { vault } = await loadVault(config.secrets);
const database = createDatabase({
  url: config.databaseUrl,
  max: 2,
  applicationName: 'hookrail-reencrypt',
});
try {
  const counts = await reencrypt(database.db, vault);
  process.stdout.write(`re-encrypted with key ${vault.currentKeyId}: ${JSON.stringify(counts)}\n`);
} finally {
  await database.close();
}
