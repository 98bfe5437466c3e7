import {
  countLiveEndpoints,
  DeliveryIdShortage,
  insertMessages,
  isUnavailableError,
  type Db,
  type MessageCreate,
  type NewMessage,
} from '@hookrail/db';
import type { Id } from '@hookrail/ids';
import { withoutLogContext, type Logger } from '@hookrail/logger';
import type { DeliveryQueue, NewStatusEvent, ScheduledJob } from '@hookrail/queue';
import type { Metrics } from '@hookrail/telemetry';
import { queueAfterCommit } from '../routes/deps.ts';
import { messageAccepted } from '../stream/accepted.ts';

export interface MessageWriterOptions {
  db: Db;
  queue: DeliveryQueue;
  logger: Logger;
  /**
   * Statements writing messages at once. A message that arrives while all are busy waits for
   * the next one and shares it with every other message that arrived meanwhile: one statement
   * (one commit, one round trip) and one queue call for all of them.
   * @defaultValue 3
   */
  maxInFlight?: number;
  /** Messages per statement at most. @defaultValue 200 */
  maxBatch?: number;
  /**
   * How long a count of an application's endpoints is reused to size its messages' delivery
   * ids. A stale count costs a retry (too low) or unused ids (too high), never a wrong write.
   * @defaultValue 30000
   */
  countTtlMs?: number;
  /** @defaultValue Date.now */
  now?: () => number;
  /** Counts the messages committed. @defaultValue none */
  metrics?: Metrics;
}

interface Waiting {
  input: NewMessage;
  resolve: (result: MessageCreate) => void;
  reject: (error: unknown) => void;
}

/** Applications whose endpoint count is kept at most. */
const maxCounts = 10_000;

/** A shortage retried this often in a row (endpoints being added meanwhile) is given up. */
const maxShortages = 3;

/**
 * Group commit for ingest. `write` resolves once the message and its deliveries are committed
 * (and the queue was given their jobs, or could not be: the rows are due either way), so a
 * 2xx built on it always means committed. Messages written together succeed or fail together
 * only for reasons that concern all of them (Postgres unreachable); anything else is retried
 * message by message, so that one message's problem is its own.
 */
export class MessageWriter {
  readonly #options: Required<Omit<MessageWriterOptions, 'now' | 'metrics'>> & {
    now: () => number;
    metrics?: Metrics | undefined;
  };
  readonly #waiting: Waiting[] = [];
  #inFlight = 0;
  readonly #counts = new Map<Id<'application'>, { count: number; until: number }>();

  constructor(options: MessageWriterOptions) {
    this.#options = {
      maxInFlight: 3,
      maxBatch: 200,
      countTtlMs: 30_000,
      now: Date.now,
      ...options,
    };
  }

  write(input: NewMessage): Promise<MessageCreate> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject });
      this.#next();
    });
  }

  #next(): void {
    while (this.#inFlight < this.#options.maxInFlight && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.#options.maxBatch);
      this.#inFlight++;
      // The batch serves many requests: its lines carry none of their ids.
      void withoutLogContext(() => this.#write(batch)).finally(() => {
        this.#inFlight--;
        this.#next();
      });
    }
  }

  async #write(batch: Waiting[]): Promise<void> {
    let results: MessageCreate[];
    try {
      results = await this.#insert(batch.map((w) => w.input));
    } catch (error) {
      if (batch.length > 1 && !isUnavailableError(error)) {
        // Something about one of them: each on its own, so the error reaches only its owner.
        await Promise.all(batch.map((one) => this.#write([one])));
        return;
      }
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    const jobs: ScheduledJob[] = [];
    const events: NewStatusEvent[] = [];
    const now = this.#options.now();
    let accepted = 0;
    for (const result of results) {
      if (!result.ok) continue;
      accepted++;
      events.push(messageAccepted(result));
      const delayMs = Math.max(0, (result.message.deliverAt?.getTime() ?? 0) - now);
      for (const d of result.deliveries) {
        jobs.push({
          deliveryId: d.id,
          endpointId: d.endpointId,
          attempt: 1,
          delayMs,
          tenantId: result.message.tenantId,
        });
      }
    }
    // One Redis round trip for the whole statement: every acceptance event, then every job.
    await queueAfterCommit(this.#options, jobs, { messages: batch.length }, events);
    this.#options.metrics?.messagesAccepted(accepted);
    batch.forEach((waiting, i) => {
      const result = results[i];
      if (result === undefined) waiting.reject(new Error('a written message has no result'));
      else waiting.resolve(result);
    });
  }

  async #insert(inputs: NewMessage[]): Promise<MessageCreate[]> {
    for (let shortages = 0; ; shortages++) {
      const counts = await this.#receiverCounts(inputs.map((input) => input.appId));
      try {
        return await insertMessages(
          this.#options.db,
          inputs.map((input) => ({ ...input, receiversAtMost: counts.get(input.appId) ?? 0 })),
        );
      } catch (error) {
        if (!(error instanceof DeliveryIdShortage) || shortages + 1 >= maxShortages) throw error;
        // An endpoint was added since the count: count again.
        for (const input of inputs) this.#counts.delete(input.appId);
      }
    }
  }

  async #receiverCounts(appIds: Id<'application'>[]): Promise<Map<Id<'application'>, number>> {
    const now = this.#options.now();
    const counts = new Map<Id<'application'>, number>();
    const missing: Id<'application'>[] = [];
    for (const appId of new Set(appIds)) {
      const known = this.#counts.get(appId);
      if (known !== undefined && known.until > now) counts.set(appId, known.count);
      else missing.push(appId);
    }
    if (missing.length === 0) return counts;
    const fresh = await countLiveEndpoints(this.#options.db, missing);
    for (const [appId, count] of fresh) {
      counts.set(appId, count);
      this.#counts.set(appId, { count, until: now + this.#options.countTtlMs });
    }
    // Bounded: past this many applications, counts are made afresh.
    if (this.#counts.size > maxCounts) this.#counts.clear();
    return counts;
  }
}
