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
import { attr, type Metrics, type TraceSpan, type Tracing } from '@hookrail/telemetry';
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
  /** Where the commit and queue spans go, under each request's span. @defaultValue none */
  tracing?: Tracing;
}

interface Waiting {
  input: NewMessage;
  /** The request's span, when tracing is on. */
  span: TraceSpan | undefined;
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
  readonly #options: Required<Omit<MessageWriterOptions, 'now' | 'metrics' | 'tracing'>> & {
    now: () => number;
    metrics?: Metrics | undefined;
    tracing?: Tracing | undefined;
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

  /** `span`: the request's, to hold the spans of the commit and the queueing. */
  write(input: NewMessage, span?: TraceSpan): Promise<MessageCreate> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ input, span, resolve, reject });
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
    const commit = this.#spans(batch, 'INSERT messages deliveries', {
      kind: 'client',
      attributes: {
        [attr.dbSystem]: 'postgresql',
        [attr.dbOperation]: 'INSERT',
        ...(batch.length > 1 && { [attr.dbBatchSize]: batch.length }),
      },
    });
    try {
      results = await this.#insert(batch.map((w) => w.input));
      commit.end();
    } catch (error) {
      commit.fail(isUnavailableError(error) ? 'unavailable' : 'error');
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
    const sends: TraceSpan[] = [];
    results.forEach((result, i) => {
      if (!result.ok) return;
      accepted++;
      events.push(messageAccepted(result));
      const delayMs = Math.max(0, (result.message.deliverAt?.getTime() ?? 0) - now);
      // Each delivery's job carries the trace of its message, so that the worker's attempts
      // join it (the only thing in a job besides ids; see the queue catalog).
      const send = this.#span(batch[i], 'send deliver', {
        kind: 'producer',
        attributes: {
          [attr.messagingSystem]: 'bullmq',
          [attr.messagingOperation]: 'send',
          [attr.messagingDestination]: 'deliver',
          [attr.messagingBatchCount]: result.deliveries.length,
          [attr.messageId]: result.message.id,
        },
      });
      if (send !== undefined) sends.push(send);
      const traceparent = send?.traceparent();
      for (const d of result.deliveries) {
        jobs.push({
          deliveryId: d.id,
          endpointId: d.endpointId,
          attempt: 1,
          delayMs,
          tenantId: result.message.tenantId,
          ...(traceparent !== undefined && { traceparent }),
        });
      }
    });
    // One Redis round trip for the whole statement: every acceptance event, then every job.
    const queued = await queueAfterCommit(this.#options, jobs, { messages: batch.length }, events);
    for (const send of sends) {
      if (!queued) send.fail('not_queued'); // the reconciler queues them; the trace ends here
      send.end();
    }
    this.#options.metrics?.messagesAccepted(accepted);
    batch.forEach((waiting, i) => {
      const result = results[i];
      if (result === undefined) waiting.reject(new Error('a written message has no result'));
      else waiting.resolve(result);
    });
  }

  /** A span under the request's span, when it has a recording one. */
  #span(
    waiting: Waiting | undefined,
    name: string,
    options: Parameters<Tracing['startSpan']>[1],
  ): TraceSpan | undefined {
    const parent = waiting?.span;
    if (this.#options.tracing === undefined || parent?.recording !== true) return undefined;
    return this.#options.tracing.startSpan(name, { ...options, parent });
  }

  /**
   * One span per request for work the whole batch shares (one statement): each request's
   * trace shows the statement its message was committed in, and how many messages shared it.
   */
  #spans(batch: Waiting[], name: string, options: Parameters<Tracing['startSpan']>[1]) {
    const spans =
      this.#options.tracing?.enabled === true
        ? batch.flatMap((waiting) => this.#span(waiting, name, options) ?? [])
        : [];
    return {
      end: () => spans.forEach((span) => span.end()),
      fail: (errorType: string) =>
        spans.forEach((span) => {
          span.fail(errorType);
          span.end();
        }),
    };
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
