import type { ApplicationRow } from '@hookrail/db';
import { z } from 'zod';
import { queryFlag } from '../http/list-query.ts';
import { dateTime, listOf, metadata, pickRate, rate, text, uid } from './common.ts';

const fields = {
  name: text({ min: 1, max: 256 }),
  uid: uid('application').nullable(),
  rateLimit: rate
    .nullable()
    .meta({ description: 'Messages per second; also accepted as throttleRate.' }),
  throttleRate: rate.nullable(),
  metadata,
};

/** POST /app and PUT /app/{app_id}: absent optional fields take their defaults. */
export const applicationIn = z
  .strictObject({
    name: fields.name,
    uid: fields.uid.optional(),
    rateLimit: fields.rateLimit.optional(),
    throttleRate: fields.throttleRate.optional(),
    metadata: fields.metadata.optional(),
  })
  .transform((input, ctx) => ({
    name: input.name,
    uid: input.uid ?? null,
    rateLimit: pickRate(input, ctx) ?? null,
    metadata: input.metadata ?? {},
  }))
  .meta({ id: 'ApplicationIn' });

/** PATCH /app/{app_id}: only the fields present change. */
export const applicationPatch = z
  .strictObject({
    name: fields.name.optional(),
    uid: fields.uid.optional(),
    rateLimit: fields.rateLimit.optional(),
    throttleRate: fields.throttleRate.optional(),
    metadata: fields.metadata.optional(),
  })
  .transform((input, ctx) => {
    const rateLimit = pickRate(input, ctx);
    return {
      ...(input.name !== undefined && { name: input.name }),
      ...(input.uid !== undefined && { uid: input.uid }),
      ...(rateLimit !== undefined && { rateLimit }),
      ...(input.metadata !== undefined && { metadata: input.metadata }),
    };
  })
  .meta({ id: 'ApplicationPatch' });

export const createApplicationQuery = z.object({
  get_if_exists: queryFlag(false).meta({
    description: 'When an application with this uid exists, answer it (200) instead of 409.',
  }),
});

export const applicationOutSchema = z
  .object({
    id: z.string().meta({ example: 'app_01m812de9h11sswev776dm33nv' }),
    uid: z.string().nullable(),
    name: z.string(),
    rateLimit: z.number().int().nullable(),
    throttleRate: z.number().int().nullable(),
    metadata: z.record(z.string(), z.string()),
    createdAt: dateTime,
    updatedAt: dateTime,
  })
  .meta({ id: 'ApplicationOut' });

export const applicationList = listOf(applicationOutSchema, 'ApplicationOut');

export function applicationOut(app: ApplicationRow): z.input<typeof applicationOutSchema> {
  return {
    id: app.id,
    uid: app.uid,
    name: app.name,
    rateLimit: app.rateLimit,
    throttleRate: app.rateLimit,
    metadata: app.metadata,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}
