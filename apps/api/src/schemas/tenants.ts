import type { ApiKeyRow, TenantRow } from '@hookrail/db';
import { z } from 'zod';
import { text } from './common.ts';

export const tenantIn = z.strictObject({ name: text({ min: 1, max: 256 }) });

export const apiKeyIn = z.strictObject({ name: text({ min: 1, max: 256 }).optional() });

export function tenantOut(row: TenantRow) {
  return { id: row.id, name: row.name, createdAt: row.createdAt, updatedAt: row.updatedAt };
}

/** Never includes the key: it is shown once, in the response that created it. */
export function apiKeyOut(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
  };
}
