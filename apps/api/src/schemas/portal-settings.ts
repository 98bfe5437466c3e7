import type { PortalSettings } from '@hookrail/db';
import { z } from 'zod';
import { codedIssue, limits } from '../limits.ts';
import { dateTime, text } from './common.ts';

const maxFrameOrigins = limits.frameOriginsPerTenant;
const maxLogoUrlLength = limits.logoUrlLength;

/**
 * What browsers send as an origin and CSP accepts as a host source: http(s), a host name of
 * letters, digits, `-` and `.` (or an IP literal), an optional port. Nothing else can reach
 * the header, so no value can add a directive to it.
 */
const originShape =
  /^https?:\/\/(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

/** Whether `origin` may be written into a CSP header as a host source, as it is. */
export function isSourceOrigin(origin: string): boolean {
  return originShape.test(origin);
}

/** Why `value` is not an origin as the portal's frame-ancestors needs one; undefined if it is. */
export function originProblem(value: string): string | undefined {
  const example = 'must be an origin, scheme://host[:port], such as https://app.example.com';
  if (value.includes('*')) return 'wildcards are not accepted: list each origin';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return example;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return 'must be an http or https origin';
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return `${example}: no credentials, query or fragment`;
  }
  if (url.pathname !== '/') return `${example}: no path`;
  if (!originShape.test(url.origin)) return example;
  if (url.origin !== value) return `write it as ${url.origin}, as browsers send it`;
  return undefined;
}

const frameOrigins = z
  .array(z.string({ error: 'must be a string' }), { error: 'must be a list of origins' })
  .superRefine((origins, ctx) => {
    if (origins.length > maxFrameOrigins) {
      codedIssue(ctx, 'too_many_origins', `may have at most ${maxFrameOrigins} origins`);
      return;
    }
    const seen = new Set<string>();
    origins.forEach((origin, i) => {
      const problem = originProblem(origin);
      if (problem !== undefined) codedIssue(ctx, 'invalid_origin', problem, [i]);
      else if (seen.has(origin)) codedIssue(ctx, 'duplicate_origin', 'is listed twice', [i]);
      seen.add(origin);
    });
  })
  .meta({
    maxItems: maxFrameOrigins,
    description:
      'Origins (scheme://host[:port]) whose pages may show the portal in a frame; empty: none may.',
    example: ['https://app.example.com'],
  });

const logoUrl = z
  .string({ error: 'must be a string' })
  .superRefine((value, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (
      value.length > maxLogoUrlLength ||
      url === undefined ||
      (url.protocol !== 'https:' && url.protocol !== 'http:') ||
      // Its origin goes into the portal page's img-src.
      !originShape.test(url.origin) ||
      url.username !== '' ||
      url.password !== '' ||
      url.href !== value
    ) {
      codedIssue(
        ctx,
        'invalid_logo_url',
        `must be an absolute http(s) URL of at most ${maxLogoUrlLength} characters, without credentials${url !== undefined && url.href !== value ? `, written as ${url.href}` : ''}`,
      );
    }
  })
  .meta({ format: 'uri', description: 'An image shown beside the name (http or https).' });

const accentColor = z
  .string({ error: 'must be a string' })
  .superRefine((value, ctx) => {
    if (!/^#[0-9a-fA-F]{6}$/.test(value)) {
      codedIssue(ctx, 'invalid_accent_color', 'must be a colour written #rrggbb, such as #0b6bcb');
    }
  })
  .transform((value) => value.toLowerCase())
  .meta({ description: 'The colour of buttons and links, #rrggbb.', example: '#0b6bcb' });

export const portalSettingsPatch = z
  .strictObject({
    allowedFrameOrigins: frameOrigins.optional(),
    displayName: text({ min: 1, max: 128 })
      .nullable()
      .optional()
      .meta({ description: 'The portal\'s title; null: "Webhooks".' }),
    logoUrl: logoUrl.nullable().optional(),
    accentColor: accentColor.nullable().optional(),
  })
  .meta({ id: 'PortalSettingsPatch' });

export const portalBrandingOut = z
  .object({
    displayName: z.string().nullable(),
    logoUrl: z.string().nullable(),
    accentColor: z.string().nullable().meta({ example: '#0b6bcb' }),
  })
  .meta({ id: 'PortalBrandingOut' });

export const portalSettingsOut = portalBrandingOut
  .extend({
    allowedFrameOrigins: z.array(z.string()),
    updatedAt: dateTime.nullable().meta({ description: 'null while nothing was ever set.' }),
  })
  .meta({ id: 'PortalSettingsOut' });

export function portalBranding(settings: PortalSettings): z.input<typeof portalBrandingOut> {
  return {
    displayName: settings.displayName,
    logoUrl: settings.logoUrl,
    accentColor: settings.accentColor,
  };
}

export function portalSettingsOf(settings: PortalSettings): z.input<typeof portalSettingsOut> {
  return {
    ...portalBranding(settings),
    allowedFrameOrigins: settings.allowedFrameOrigins,
    updatedAt: settings.updatedAt?.toISOString() ?? null,
  };
}
