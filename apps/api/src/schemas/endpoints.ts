import type { EndpointFields, EndpointRow } from '@hookrail/db';
import { isCredentialHeader } from '@hookrail/delivery';
import { parseAsymmetricSecret, parseSecret, type SigningKey } from '@hookrail/signing';
import { z } from 'zod';
import {
  channelName,
  dateTime,
  dateTimeIn,
  eventTypeName,
  listOf,
  metadata,
  nameList,
  pickRate,
  rate,
  text,
  uid,
} from './common.ts';
import { codedIssue, headerBoundProblem, limits } from '../limits.ts';

/**
 * An http(s) URL with a host. Credentials in the URL are refused: URLs are shown in logs and
 * dashboards, so a password belongs in a custom header instead.
 */
export const endpointUrl = z
  .string({ error: 'must be a URL' })
  .max(4096, { error: 'must be at most 4096 characters' })
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'must use http or https' });
    } else if (url.hostname === '') {
      ctx.addIssue({ code: 'custom', message: 'must name a host' });
    } else if (url.username !== '' || url.password !== '') {
      ctx.addIssue({
        code: 'custom',
        message: 'must not contain credentials; send them in a custom header such as authorization',
      });
    }
  });

// Headers Hookrail sets itself, or that would break the request if overridden.
const reservedHeaders = new Set([
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
/** What an HTTP header value may hold and every receiver accepts: visible ASCII, space, tab. */
const headerValuePattern = /^[\t\x20-\x7e]*$/;

/**
 * Extra request headers: valid names, no reserved ones, values of visible ASCII, spaces and
 * tabs only (anything else would fail every delivery), within the bounds of `limits`.
 */
export const customHeaders = z
  .record(z.string(), z.string({ error: 'header values must be strings' }))
  .superRefine((headers, ctx) => {
    const bound = headerBoundProblem(headers);
    if (bound !== undefined) codedIssue(ctx, bound.code, bound.message);
    for (const name of Object.keys(headers)) {
      const lower = name.toLowerCase();
      const value = headers[name] ?? '';
      if (!headerNamePattern.test(name)) {
        codedIssue(ctx, 'invalid_header_name', 'is not a valid header name', [name]);
      } else if (
        reservedHeaders.has(lower) ||
        lower.startsWith('svix-') ||
        lower.startsWith('proxy-')
      ) {
        codedIssue(ctx, 'reserved_header', 'is set by Hookrail and cannot be overridden', [name]);
      } else if (!headerValuePattern.test(value) || value.length > limits.headerValueLength) {
        codedIssue(
          ctx,
          'invalid_header_value',
          `must be at most ${limits.headerValueLength} characters of visible ASCII, spaces and tabs`,
          [name],
        );
      }
    }
  });

const filterTypes = nameList(eventTypeName, limits.filterTypesPerEndpoint, 'too_many_filter_types');
const channels = nameList(channelName, limits.channelsPerEndpoint, 'too_many_channels');

/** A secret the caller chose, as its key bytes. */
const endpointSecret = z
  .string({ error: 'must be a string' })
  .transform((value, ctx): SigningKey => {
    const asymmetric = parseAsymmetricSecret(value);
    if (asymmetric !== undefined) return { kind: 'ed25519', key: asymmetric };
    const key = parseSecret(value);
    if (key !== undefined) return { kind: 'hmac', key };
    ctx.addIssue({
      code: 'custom',
      message:
        'must be whsec_ followed by base64 of at least 24 random bytes, whsk_ followed by an ed25519 key, or null to generate one',
    });
    return z.NEVER;
  })
  .meta({
    description: 'whsec_… (HMAC, v1 signatures) or whsk_… (ed25519, v1a); generated when absent.',
  });

/** The kind of key to generate when no secret is given. */
const keyType = z.enum(['hmac', 'ed25519'], { error: 'must be hmac or ed25519' }).meta({
  description: 'Hookrail: the kind of secret to generate when none is given. @default hmac',
});

/** Fields shared by create, replace and patch, each optional and (where it can be) nullable. */
const shape = {
  uid: uid('endpoint').nullable().optional(),
  url: endpointUrl,
  description: text({ max: 4096 }).optional(),
  filterTypes: filterTypes.nullable().optional(),
  /** The name the open-source Svix server used for filterTypes. */
  eventTypes: filterTypes.nullable().optional(),
  channels: channels.nullable().optional(),
  disabled: z.boolean({ error: 'must be true or false' }).optional(),
  rateLimit: rate.nullable().optional(),
  throttleRate: rate.nullable().optional(),
  maxInflight: z
    .number({ error: 'must be an integer between 1 and 10000' })
    .int({ error: 'must be an integer between 1 and 10000' })
    .min(1, { error: 'must be an integer between 1 and 10000' })
    .max(10_000, { error: 'must be an integer between 1 and 10000' })
    .nullable()
    .optional()
    .meta({
      description:
        'Requests in flight at once, across all workers; null is the installation default.',
    }),
  metadata: metadata.optional(),
  /** Accepted from Svix clients, which still send it; it has no effect. */
  version: z.number().int().min(1).nullable().optional(),
};

type ShapeOutput = { [K in keyof typeof shape]?: z.output<(typeof shape)[K]> };

function pickFilter(input: ShapeOutput, ctx: z.RefinementCtx): string[] | null | undefined {
  if (input.filterTypes !== undefined && input.eventTypes !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['eventTypes'],
      message: 'filterTypes and eventTypes are the same setting; send filterTypes',
    });
  }
  return input.filterTypes !== undefined ? input.filterTypes : input.eventTypes;
}

/** Every replaceable field, with defaults for the absent ones (create and PUT). */
function replaceFields(input: ShapeOutput & { url: string }, ctx: z.RefinementCtx) {
  return {
    uid: input.uid ?? null,
    url: input.url,
    description: input.description ?? '',
    filterTypes: pickFilter(input, ctx) ?? null,
    channels: input.channels ?? null,
    disabled: input.disabled ?? false,
    rateLimit: pickRate(input, ctx) ?? null,
    maxInflight: input.maxInflight ?? null,
    metadata: input.metadata ?? {},
  } satisfies Omit<EndpointFields, 'headers'>;
}

/** POST /app/{app}/endpoint: optional `secret` and `headers` besides the replaceable fields. */
export const endpointIn = z
  .strictObject({
    ...shape,
    secret: endpointSecret.nullable().optional(),
    keyType: keyType.optional(),
    headers: customHeaders.optional(),
  })
  .transform((input, ctx) => ({
    fields: { ...replaceFields(input, ctx), headers: input.headers ?? {} },
    secret: input.secret ?? null,
    keyType: input.keyType ?? input.secret?.kind ?? 'hmac',
  }))
  .meta({ id: 'EndpointIn' });

/** PUT /app/{app}/endpoint/{endpoint}: replaces every field but the secret and headers. */
export const endpointUpdate = z
  .strictObject(shape)
  .transform(replaceFields)
  .meta({ id: 'EndpointUpdate' });

/** PATCH /app/{app}/endpoint/{endpoint}: only the fields present change. */
export const endpointPatch = z
  .strictObject({
    ...shape,
    url: endpointUrl.optional(),
    secret: endpointSecret.nullable().optional(),
  })
  .transform((input, ctx) => {
    const filter = pickFilter(input, ctx);
    const rateLimit = pickRate(input, ctx);
    const fields: Partial<EndpointFields> = {
      ...(input.uid !== undefined && { uid: input.uid }),
      ...(input.url !== undefined && { url: input.url }),
      ...(input.description !== undefined && { description: input.description }),
      ...(filter !== undefined && { filterTypes: filter }),
      ...(input.channels !== undefined && { channels: input.channels }),
      ...(input.disabled !== undefined && { disabled: input.disabled }),
      ...(rateLimit !== undefined && { rateLimit }),
      ...(input.maxInflight !== undefined && { maxInflight: input.maxInflight }),
      ...(input.metadata !== undefined && { metadata: input.metadata }),
    };
    // A secret given here replaces the current one at once (rotate-secret keeps the old one
    // signing for a grace period).
    return { fields, secret: input.secret };
  })
  .meta({ id: 'EndpointPatch' });

export const endpointOutSchema = z
  .object({
    id: z.string().meta({ example: 'ep_01m812deav3ykp2txdrvc3tqbg' }),
    uid: z.string().nullable(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.string()).nullable().meta({ description: 'The filter (Svix 2.x name).' }),
    filterTypes: z
      .array(z.string())
      .nullable()
      .meta({ description: 'The filter (Svix 1.x name).' }),
    channels: z.array(z.string()).nullable(),
    disabled: z.boolean(),
    rateLimit: z.number().int().nullable(),
    throttleRate: z.number().int().nullable(),
    maxInflight: z.number().int().nullable(),
    metadata: z.record(z.string(), z.string()),
    version: z.number().int(),
    createdAt: dateTime,
    updatedAt: dateTime,
    breakerState: z
      .enum(['closed', 'open'])
      .meta({ description: 'open: failing; only probes are sent until one succeeds.' }),
    consecutiveFailures: z.number().int().meta({ description: 'Attempts that failed in a row.' }),
    failingSince: dateTime
      .nullable()
      .meta({ description: 'When the current run of failures began.' }),
    disabledReason: z.enum(['manual', 'gone', 'failing']).nullable().meta({
      description:
        'manual (an API call), gone (it answered 410) or failing (for HOOKRAIL_DISABLE_AFTER).',
    }),
    disabledAt: dateTime.nullable(),
  })
  .meta({ id: 'EndpointOut' });

export const endpointList = listOf(endpointOutSchema, 'EndpointOut');

export function endpointOut(row: EndpointRow): z.input<typeof endpointOutSchema> {
  return {
    id: row.id,
    uid: row.uid,
    url: row.url,
    description: row.description,
    eventTypes: row.filterTypes,
    filterTypes: row.filterTypes,
    channels: row.channels,
    disabled: row.disabled,
    rateLimit: row.rateLimit,
    throttleRate: row.rateLimit,
    maxInflight: row.maxInflight,
    metadata: row.metadata,
    version: 1,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    breakerState: row.breakerState,
    consecutiveFailures: row.consecutiveFailures,
    failingSince: row.failingSince?.toISOString() ?? null,
    disabledReason: row.disabled ? (row.disabledReason ?? 'manual') : null,
    disabledAt: row.disabledAt?.toISOString() ?? null,
  };
}

export const endpointSecretOut = z
  .object({
    key: z.string().meta({
      example: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
      description: 'The HMAC secret (whsec_), or for an ed25519 endpoint its public key (whpk_).',
    }),
  })
  .meta({ id: 'EndpointSecretOut' });

/** The longest a rotated-out secret may keep signing. */
const maxGraceSeconds = 7 * 24 * 60 * 60;

export const secretRotateIn = z
  .strictObject({
    key: endpointSecret.nullable().optional(),
    gracePeriodSeconds: z
      .number({ error: `must be a number of seconds from 0 to ${maxGraceSeconds}` })
      .int({ error: `must be a number of seconds from 0 to ${maxGraceSeconds}` })
      .min(0, { error: `must be a number of seconds from 0 to ${maxGraceSeconds}` })
      .max(maxGraceSeconds, { error: `must be a number of seconds from 0 to ${maxGraceSeconds}` })
      .nullable()
      .optional()
      .meta({ description: 'How long the old secret keeps signing too; default 86400 (24 h).' }),
  })
  .meta({ id: 'EndpointSecretRotateIn' });

export const endpointHeadersIn = z
  .strictObject({ headers: customHeaders })
  .meta({ id: 'EndpointHeadersIn' });

export const endpointHeadersPatchIn = z
  .strictObject({
    headers: customHeaders,
    deleteHeaders: z.array(z.string().max(256)).max(32).optional(),
  })
  .meta({ id: 'EndpointHeadersPatchIn' });

export const endpointHeadersOutSchema = z
  .object({
    headers: z
      .record(z.string(), z.string())
      .meta({ description: 'Headers whose values may be shown.' }),
    sensitive: z
      .array(z.string())
      .meta({ description: 'Headers that are set but whose values are hidden.' }),
  })
  .meta({ id: 'EndpointHeadersOut' });

export function endpointHeadersOut(
  headers: Record<string, string>,
): z.input<typeof endpointHeadersOutSchema> {
  const shown: Record<string, string> = {};
  const sensitive: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (isCredentialHeader(name)) sensitive.push(name);
    else shown[name] = value;
  }
  return { headers: shown, sensitive };
}

export const recoverIn = z
  .strictObject({
    since: dateTimeIn,
    until: dateTimeIn.nullable().optional(),
  })
  .meta({ id: 'RecoverIn' });

export const endpointStatsQuery = z.object({
  since: dateTimeIn.optional(),
  until: dateTimeIn.optional(),
});

export const endpointStatsOut = z
  .object({
    success: z.number().int(),
    pending: z.number().int(),
    sending: z.number().int(),
    fail: z.number().int(),
    canceled: z.number().int(),
  })
  .meta({ id: 'EndpointStats' });

export const eventExampleIn = z
  .strictObject({
    eventType: eventTypeName,
    exampleIndex: z.number().int().min(0).optional(),
  })
  .meta({ id: 'EventExampleIn' });
