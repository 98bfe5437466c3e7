import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/**
 * JSON Schema (2020-12, as OpenAPI 3.1 uses) of a zod schema. Named schemas (`.meta({id})`)
 * are moved into `components` and referenced, so each appears once in the document.
 */
export function toJsonSchema(
  schema: z.ZodType,
  io: 'input' | 'output',
  components: Record<string, JsonSchema>,
): JsonSchema {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  const rewritten = JSON.parse(
    JSON.stringify(generated).replaceAll('"#/$defs/', '"#/components/schemas/'),
  ) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  const { $defs, ...rest } = rewritten;
  delete rest.$schema; // the document's dialect is OpenAPI 3.1's
  for (const [name, definition] of Object.entries($defs ?? {})) {
    // An id used for both directions (a request schema also answered) keeps its first form.
    components[name] ??= definition;
  }
  return rest;
}
