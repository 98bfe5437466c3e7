import { defineConfig } from 'drizzle-kit';

// Migrations are generated into drizzle/ (`npm run db:generate`) and applied by the migrator
// in @hookrail/db at start; the schema is never pushed.
export default defineConfig({
  dialect: 'postgresql',
  schema: './packages/db/src/schema/index.ts',
  out: './drizzle',
});
