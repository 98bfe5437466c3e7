import { sql, type SQL } from 'drizzle-orm';
import { endpoints } from '../schema/index.ts';

/**
 * Which live endpoints receive a message (a condition on `endpoints`): of its application,
 * enabled, with no type filter or one naming its type, and with no channels or at least one
 * channel in common with the message. A message without channels reaches only endpoints
 * without channels. The message's side is given as SQL, so the condition serves both a
 * message known here (parameters) and messages being inserted in the same statement (columns).
 */
export function receivesSql(appId: SQL, eventType: SQL, channels: SQL): SQL {
  return sql`${endpoints.appId} = ${appId}
    and ${endpoints.deletedAt} is null
    and not ${endpoints.disabled}
    and (${endpoints.filterTypes} is null or ${endpoints.filterTypes} @> array[${eventType}]::text[])
    and case when ${channels} is null then ${endpoints.channels} is null
      else ${endpoints.channels} is null or ${endpoints.channels} && ${channels} end`;
}
