import { index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, timestamptz } from './columns.ts';
import { tenantRef } from './tenants.ts';

/**
 * Idempotency-Key records: the first request with a key claims it (`in_progress`) and stores
 * its response (`completed`); later requests with the same key and body get that response.
 * A key belongs to its caller's namespace, (tenant, scope): the same key sent by another
 * namespace is another record. In Postgres, not Redis, so that ingest keeps its guarantees
 * while Redis is down.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    tenantId: tenantRef(),
    /**
     * Whose key it is within the tenant: `tenant` for API keys, the application's id for an
     * app portal token (which must never see, or learn of, the tenant's other keys).
     */
    scope: text('scope').notNull().default('tenant'),
    key: text('key').notNull(),
    /** SHA-256 of method, path and body: the same key with another request is refused. */
    fingerprint: text('fingerprint').notNull(),
    status: text('status').$type<'in_progress' | 'completed'>().notNull(),
    /**
     * The current claim's random token: only the request holding it completes or releases
     * the record, also when it does so late (after an outage) and the key was claimed again.
     */
    claimToken: text('claim_token'),
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    createdAt: createdAt(),
    expiresAt: timestamptz('expires_at').notNull(),
  },
  (t) => [
    primaryKey({ name: 'idempotency_keys_pkey', columns: [t.tenantId, t.scope, t.key] }),
    index('idempotency_keys_expires_idx').on(t.expiresAt),
  ],
);

export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;
