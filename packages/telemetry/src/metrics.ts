import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What became of one attempt: answered 2xx, answered otherwise, no answer, nothing sent. */
export type AttemptLabel = 'success' | 'http_error' | 'network_error' | 'unsent';

/** What an attempt left its delivery in. */
export type DeliveryLabel = 'succeeded' | 'failed' | 'canceled' | 'retry_scheduled';

/** Why the reconciler queued a delivery again. */
export type RequeueLabel = 'lease_expired' | 'missing_from_queue';

/** State shared by every instance, read from Postgres and Redis when metrics are scraped. */
export interface ClusterSnapshot {
  /** Jobs in the deliver queue by BullMQ state; undefined when Redis does not answer. */
  queue?: Record<'waiting' | 'delayed' | 'active' | 'prioritized', number>;
  /** The rest; undefined when Postgres does not answer. */
  database?: {
    /** Seconds since the oldest pending delivery was due (0 when none is). */
    lagSeconds: number;
    breakersOpen: number;
    endpointsDisabled: number;
  };
}

/** How a process reads what it does not count itself. */
export interface MetricSources {
  /** Cluster-wide gauges (the API reads them; one place is enough). */
  cluster?: () => Promise<ClusterSnapshot>;
  /** Open status stream connections of this process. */
  streamConnections?: () => number;
  /** Status events this process dropped since it started (see StatusPublisher). */
  statusDropped?: () => number;
}

/**
 * Error codes are ours, not tenants', but a label value set must stay bounded whatever a
 * future code path throws: past this many distinct codes, the rest count as `other`.
 */
const maxCodes = 64;

/**
 * One registry per process (the all-in-one process shares one between its API and worker).
 * Counting is in memory and costs no round trip; gauges of shared state are read when
 * scraped, never per job. No label carries a tenant-chosen string (tenant ids, app uids, event types):
 * their number is unbounded, and so would be the series.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #sources: MetricSources[] = [];
  readonly #messages: Counter;
  readonly #refusals: Counter<'code'>;
  readonly #codes = new Set<string>();
  readonly #attempts: Counter<'outcome'>;
  readonly #durations: Histogram<'outcome'>;
  readonly #deliveries: Counter<'outcome'>;
  readonly #requeued: Counter<'reason'>;
  #snapshot: Promise<ClusterSnapshot> | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.#messages = new Counter({
      name: 'hookrail_messages_accepted_total',
      help: 'Messages committed by ingest (each answered 202).',
      registers,
    });
    this.#refusals = new Counter({
      name: 'hookrail_ingest_refusals_total',
      help: 'Messages refused by ingest, by error code (validation, rate_limited, unavailable, ...).',
      labelNames: ['code'],
      registers,
    });
    this.#attempts = new Counter({
      name: 'hookrail_attempts_total',
      help: 'Delivery attempts made by this process, by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    this.#durations = new Histogram({
      name: 'hookrail_attempt_duration_seconds',
      help: 'Duration of sent attempts, request to last byte read, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60],
      registers,
    });
    this.#deliveries = new Counter({
      name: 'hookrail_deliveries_total',
      help: 'Attempts by what they left the delivery in: succeeded, failed (exhausted), canceled, retry_scheduled.',
      labelNames: ['outcome'],
      registers,
    });
    this.#requeued = new Counter({
      name: 'hookrail_reconciler_requeued_total',
      help: 'Deliveries the reconciler queued again: lease_expired (their worker died) or missing_from_queue (Redis lost the job).',
      labelNames: ['reason'],
      registers,
    });
    const cluster = async (read: (snapshot: ClusterSnapshot) => void) => {
      const source = this.#sources.find((s) => s.cluster !== undefined)?.cluster;
      if (source !== undefined) read(await this.#cluster(source));
    };
    new Gauge({
      name: 'hookrail_queue_jobs',
      help: 'Jobs in the deliver queue by state (cluster-wide; absent while Redis does not answer).',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        await cluster(({ queue }) => {
          for (const [state, count] of Object.entries(queue ?? {})) this.set({ state }, count);
        });
      },
    });
    const databaseGauge = (
      name: string,
      help: string,
      pick: (d: NonNullable<ClusterSnapshot['database']>) => number,
    ) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.reset();
          await cluster(({ database }) => {
            if (database !== undefined) this.set(pick(database));
          });
        },
      });
    databaseGauge(
      'hookrail_queue_lag_seconds',
      'Age of the oldest delivery that is due and not yet sent (cluster-wide; 0 when none is).',
      (d) => d.lagSeconds,
    );
    databaseGauge(
      'hookrail_endpoints_breaker_open',
      'Endpoints whose circuit breaker is open (cluster-wide).',
      (d) => d.breakersOpen,
    );
    databaseGauge(
      'hookrail_endpoints_disabled',
      'Endpoints disabled, by an API call, a 410 or failing too long (cluster-wide).',
      (d) => d.endpointsDisabled,
    );
    const sources = this.#sources;
    new Gauge({
      name: 'hookrail_stream_connections',
      help: 'Open status stream (WebSocket) connections on this process.',
      registers,
      collect() {
        this.set(sources.reduce((sum, s) => sum + (s.streamConnections?.() ?? 0), 0));
      },
    });
    let dropped = 0;
    new Counter({
      name: 'hookrail_status_events_dropped_total',
      help: 'Status events this process dropped because Redis was slow or away.',
      registers,
      collect() {
        const now = sources.reduce((sum, s) => sum + (s.statusDropped?.() ?? 0), 0);
        if (now > dropped) this.inc(now - dropped);
        dropped = Math.max(dropped, now);
      },
    });
  }

  /** Adds what this part of the process reads on scrape (the API, the worker, or both). */
  addSources(sources: MetricSources): void {
    this.#sources.push(sources);
  }

  messagesAccepted(count: number): void {
    if (count > 0) this.#messages.inc(count);
  }

  ingestRefused(code: string): void {
    if (!this.#codes.has(code) && this.#codes.size >= maxCodes) code = 'other';
    this.#codes.add(code);
    this.#refusals.inc({ code });
  }

  /**
   * One attempt: its outcome (none when the delivery was canceled without one), how long it
   * took when something was sent, and what it left the delivery in.
   */
  attempt(
    outcome: AttemptLabel | undefined,
    durationMs: number | undefined,
    delivery: DeliveryLabel,
  ): void {
    if (outcome !== undefined) this.#attempts.inc({ outcome });
    if (outcome !== undefined && outcome !== 'unsent' && durationMs !== undefined) {
      this.#durations.observe({ outcome }, durationMs / 1000);
    }
    this.#deliveries.inc({ outcome: delivery });
  }

  requeued(reason: RequeueLabel, count: number): void {
    if (count > 0) this.#requeued.inc({ reason }, count);
  }

  /** The text exposition format, and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    this.#snapshot = undefined;
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** One snapshot serves every gauge of a scrape (they are collected concurrently). */
  #cluster(source: () => Promise<ClusterSnapshot>): Promise<ClusterSnapshot> {
    this.#snapshot ??= source().catch(() => ({}));
    return this.#snapshot;
  }
}
