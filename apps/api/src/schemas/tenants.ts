import type { ApiKeyRow, TenantRow } from '@hookrail/db';
import { z } from 'zod';
import { dateTime, listOf, text } from './common.ts';

export const tenantIn = z
  .strictObject({ name: text({ min: 1, max: 256 }) })
  .meta({ id: 'TenantIn' });

export const tenantSettings = z.strictObject({
  headerStyle: z.enum(['webhook', 'svix'], { error: 'must be webhook or svix' }).meta({
    description:
      'webhook-id/-timestamp/-signature, or svix-id/-timestamp/-signature for receivers written for Svix.',
  }),
  validateSchemas: z.boolean({ error: 'must be true or false' }).meta({
    description: "Refuse messages whose payload does not match their event type's JSON Schema.",
  }),
  ingestRate: z
    .number({ error: 'must be a number of messages per second, or null' })
    .positive({ error: 'must be more than 0 (null: the default)' })
    .max(1_000_000)
    .nullable()
    .meta({
      description:
        "Messages per second this tenant may send (POST /app/{app_id}/msg); over it, 429 rate_limited. null: the server's default (HOOKRAIL_TENANT_RATE, off unless set).",
    }),
  ingestBurst: z
    .int({ error: 'must be a whole number of messages, or null' })
    .min(1)
    .max(1_000_000)
    .nullable()
    .meta({
      description:
        "Messages this tenant may send at once over its rate. null: the server's default (HOOKRAIL_TENANT_BURST).",
    }),
});

export const tenantPatch = z
  .strictObject({
    name: text({ min: 1, max: 256 }).optional(),
    settings: tenantSettings.partial().optional(),
  })
  .meta({ id: 'TenantPatch' });

export const apiKeyIn = z
  .strictObject({ name: text({ min: 1, max: 256 }).optional() })
  .meta({ id: 'ApiKeyIn' });

export const tenantOutSchema = z
  .object({
    id: z.string().meta({ example: 'tnt_01m812ybxxh5thys6kwjsr1kne' }),
    name: z.string(),
    settings: tenantSettings,
    createdAt: dateTime,
    updatedAt: dateTime,
  })
  .meta({ id: 'TenantOut' });

export const tenantCreatedOut = tenantOutSchema
  .extend({
    apiKey: z.string().meta({ description: 'The first API key; shown only in this response.' }),
    apiKeyId: z.string(),
  })
  .meta({ id: 'TenantCreatedOut' });

export const tenantList = listOf(tenantOutSchema, 'TenantOut');

export function tenantOut(row: TenantRow): z.input<typeof tenantOutSchema> {
  return {
    id: row.id,
    name: row.name,
    settings: {
      headerStyle: row.headerStyle,
      validateSchemas: row.validateSchemas,
      ingestRate: row.ingestRate,
      ingestBurst: row.ingestBurst,
    },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export const apiKeyOutSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().meta({ description: 'The start of the key, to tell keys apart.' }),
    createdAt: dateTime,
    revokedAt: dateTime.nullable(),
  })
  .meta({ id: 'ApiKeyOut' });

export const apiKeyCreatedOut = apiKeyOutSchema
  .extend({ key: z.string().meta({ description: 'The key; shown only in this response.' }) })
  .meta({ id: 'ApiKeyCreatedOut' });

export const apiKeyList = listOf(apiKeyOutSchema, 'ApiKeyOut');

/** Never includes the key: it is shown once, in the response that created it. */
export function apiKeyOut(row: ApiKeyRow): z.input<typeof apiKeyOutSchema> {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
