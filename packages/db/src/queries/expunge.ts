import type { Id } from '@hookrail/ids';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../client.ts';
import { attempts, deliveries, messages } from '../schema/index.ts';
import { cancelDeliveriesWhere, type Cancellation } from './deliveries.ts';

/**
 * Deletes a message's content (Svix's expunge): the payload becomes `{}` and the message is
 * marked expunged, and what it still had to send is canceled, in one transaction, so the
 * content can never be sent again (resend refuses an expunged message). Returns the deliveries
 * it canceled and the retry tasks that counted them, or undefined when the application has no
 * such message.
 */
export async function expungeMessageContent(
  db: Db,
  scope: { tenantId: Id<'tenant'>; appId: Id<'application'> },
  messageId: Id<'message'>,
): Promise<Cancellation | undefined> {
  return db.transaction(async (tx) => {
    const [message] = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(
        and(
          eq(messages.tenantId, scope.tenantId),
          eq(messages.appId, scope.appId),
          eq(messages.id, messageId),
        ),
      )
      .for('update');
    if (message === undefined) return undefined;
    return expungeMessages(tx, [messageId]);
  });
}

/**
 * Deletes the content of these messages, as part of the caller's transaction: payload `{}`,
 * `expunged_at` set (kept if already set), and what they still had to send canceled. A message
 * read afterwards shows `{}`; resend and retry tasks refuse it. Shared by the expunge route
 * and the retention purge, so that a purged message reads exactly like an expunged one.
 * Returns the deliveries it canceled, and the retry tasks that counted them.
 */
export async function expungeMessages(
  tx: Tx,
  ids: readonly Id<'message'>[],
): Promise<Cancellation> {
  if (ids.length === 0) return { canceled: [], tasks: [] };
  await tx
    .update(messages)
    .set({ payload: '{}', expungedAt: sql`coalesce(${messages.expungedAt}, now())` })
    .where(inArray(messages.id, [...ids]));
  return cancelDeliveriesWhere(tx, inArray(deliveries.messageId, [...ids]), [
    'pending',
    'sending',
    'failed',
  ]);
}

/** Deletes the response body recorded for one attempt. False when there is no such attempt. */
export async function expungeAttemptContent(
  db: DbOrTx,
  scope: { tenantId: Id<'tenant'>; messageId: Id<'message'> },
  attemptId: Id<'attempt'>,
): Promise<boolean> {
  const updated = await db
    .update(attempts)
    .set({ response: null })
    .where(
      and(
        eq(attempts.tenantId, scope.tenantId),
        eq(attempts.messageId, scope.messageId),
        eq(attempts.id, attemptId),
      ),
    )
    .returning({ id: attempts.id });
  return updated.length > 0;
}
