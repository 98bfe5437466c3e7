import type { EventTypeFields, EventTypeRow } from '@hookrail/db';
import { z } from 'zod';
import { codedIssue } from '../limits.ts';
import { schemasProblem } from '../payload-schemas/index.ts';
import { dateTime, eventTypeName, listOf, nameList, text, token } from './common.ts';

/**
 * JSON Schemas by version, `{"1": {...}}`; each must be an object. They are compiled as they
 * are written, so that one that cannot be used (too large or deep, invalid, a pattern that
 * cannot run in linear time) is refused here rather than on the first message.
 */
const schemas = z
  .record(
    z.string().max(64),
    z.record(z.string(), z.unknown(), { error: 'each schema must be a JSON object' }),
    { error: 'must be an object mapping a version to a JSON Schema' },
  )
  .superRefine((value, ctx) => {
    const problem = schemasProblem(value);
    if (problem !== undefined) codedIssue(ctx, problem.code, problem.message, problem.path);
  });

const description = text({ max: 4096 });

const optionalFields = {
  archived: z.boolean({ error: 'must be true or false' }).optional(),
  deprecated: z.boolean({ error: 'must be true or false' }).optional(),
  schemas: schemas.nullable().optional(),
  featureFlag: token(256).nullable().optional(),
  featureFlags: nameList(token(256), 20).nullable().optional(),
  groupName: token(256).nullable().optional(),
};

type Given = { description: string } & {
  [K in keyof typeof optionalFields]?: z.output<(typeof optionalFields)[K]>;
};

function withDefaults(input: Given): EventTypeFields {
  return {
    description: input.description,
    archived: input.archived ?? false,
    deprecated: input.deprecated ?? false,
    schemas: input.schemas ?? null,
    featureFlag: input.featureFlag ?? null,
    featureFlags: input.featureFlags ?? null,
    groupName: input.groupName ?? null,
  };
}

/**
 * PUT /event-type/{name}: the full set of fields (absent optional ones take defaults), except
 * that absent `schemas` are kept, so that editing another field never turns validation off
 * (`"schemas": null` removes them).
 */
export const eventTypeUpdate = z
  .strictObject({ description, ...optionalFields })
  .transform((input) => ({ ...withDefaults(input), schemas: input.schemas }))
  .meta({ id: 'EventTypeUpdate' });

/** POST /event-type. */
export const eventTypeIn = z
  .strictObject({ name: eventTypeName, description, ...optionalFields })
  .transform(({ name, ...rest }) => ({ name, fields: withDefaults(rest) }))
  .meta({ id: 'EventTypeIn' });

/** PATCH /event-type/{name}: only the fields present change. */
export const eventTypePatch = z
  .strictObject({ description: description.optional(), ...optionalFields })
  .meta({ id: 'EventTypePatch' });

export const eventTypePath = z.object({ event_type_name: eventTypeName });

export const eventTypeOutSchema = z
  .object({
    name: z.string().meta({ example: 'invoice.paid' }),
    description: z.string(),
    archived: z.boolean(),
    deprecated: z.boolean(),
    schemas: z.record(z.string(), z.unknown()).nullable(),
    featureFlag: z.string().nullable(),
    featureFlags: z.array(z.string()).nullable(),
    groupName: z.string().nullable(),
    createdAt: dateTime,
    updatedAt: dateTime,
  })
  .meta({ id: 'EventTypeOut' });

export const eventTypeList = listOf(eventTypeOutSchema, 'EventTypeOut');

/** Lists leave schemas out unless `with_content=true`, as Svix does. */
export function eventTypeOut(
  row: EventTypeRow,
  withContent = true,
): z.input<typeof eventTypeOutSchema> {
  return {
    name: row.name,
    description: row.description,
    archived: row.archived,
    deprecated: row.deprecated,
    schemas: withContent ? row.schemas : null,
    featureFlag: row.featureFlag,
    featureFlags: row.featureFlags,
    groupName: row.groupName,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
