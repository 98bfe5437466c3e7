import type { EventTypeFields, EventTypeRow } from '@hookrail/db';
import { z } from 'zod';
import { eventTypeName, text, token } from './common.ts';

/** JSON Schemas by version, `{"1": {...}}`; each must be an object. */
const schemas = z.record(
  z.string().max(64),
  z.record(z.string(), z.unknown(), { error: 'each schema must be a JSON object' }),
  { error: 'must be an object mapping a version to a JSON Schema' },
);

const description = text({ max: 4096 });

const optionalFields = {
  archived: z.boolean({ error: 'must be true or false' }).optional(),
  deprecated: z.boolean({ error: 'must be true or false' }).optional(),
  schemas: schemas.nullable().optional(),
  featureFlag: token(256).nullable().optional(),
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
    groupName: input.groupName ?? null,
  };
}

/** PUT /event-type/{name}: the full set of fields (absent optional ones take defaults). */
export const eventTypeUpdate = z
  .strictObject({ description, ...optionalFields })
  .transform(withDefaults);

/** POST /event-type. */
export const eventTypeIn = z
  .strictObject({ name: eventTypeName, description, ...optionalFields })
  .transform(({ name, ...rest }) => ({ name, fields: withDefaults(rest) }));

/** PATCH /event-type/{name}: only the fields present change. */
export const eventTypePatch = z.strictObject({
  description: description.optional(),
  ...optionalFields,
});

/** Lists leave schemas out unless `with_content=true`, as Svix does. */
export function eventTypeOut(row: EventTypeRow, withContent = true) {
  return {
    name: row.name,
    description: row.description,
    archived: row.archived,
    deprecated: row.deprecated,
    schemas: withContent ? row.schemas : null,
    featureFlag: row.featureFlag,
    groupName: row.groupName,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
