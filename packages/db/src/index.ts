export {
  createDatabase,
  type Database,
  type DatabaseOptions,
  type Db,
  type DbOrTx,
  type Tx,
} from './client.ts';
export {
  ensureDatabase,
  migrateDatabase,
  migrateWhenReachable,
  migrationsFolder,
  type MigrateWhenReachableOptions,
} from './migrate.ts';
export {
  isConflictError,
  isNotNullViolation,
  isUnavailableError,
  isUniqueViolation,
  pgErrorCode,
} from './errors.ts';
export { checkEncryptionKey } from './key-check.ts';
export * from './schema/index.ts';
export * from './queries/pagination.ts';
export * from './queries/settings.ts';
export * from './queries/tokens.ts';
export * from './queries/tenants.ts';
export * from './queries/api-keys.ts';
export * from './queries/applications.ts';
export * from './queries/event-types.ts';
export * from './queries/endpoints.ts';
export * from './queries/messages.ts';
export * from './queries/ingest.ts';
export * from './queries/deliveries.ts';
export * from './queries/delivery-log.ts';
export * from './queries/claim.ts';
export * from './queries/results.ts';
export * from './queries/attempts.ts';
export * from './queries/idempotency.ts';
export * from './queries/secrets.ts';
export * from './queries/tasks.ts';
export * from './queries/operational-events.ts';
export * from './queries/sealed.ts';
export * from './queries/reconcile.ts';
export * from './queries/endpoint-messages.ts';
export * from './queries/expunge.ts';
export * from './queries/portal-tokens.ts';
export * from './queries/retention.ts';
export * from './queries/delivery-series.ts';
export * from './queries/gauges.ts';
export * from './queries/partitions.ts';
export * from './queries/portal-settings.ts';
export * from './queries/deletion.ts';
export * from './queries/housekeeping-lock.ts';
