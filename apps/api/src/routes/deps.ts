import type { Db, TaskRow } from '@hookrail/db';
import type { Logger } from '@hookrail/logger';
import type { OutboundGuard } from '@hookrail/outbound';
import type { Vault } from '@hookrail/secrets';
import {
  taskProgress,
  type DeliveryQueue,
  type NewStatusEvent,
  type RedisClient,
  type ScheduledJob,
  type TaskQueue,
} from '@hookrail/queue';
import type { Lookups } from '../cache/lookups.ts';
import { fieldError } from '../http/validate.ts';
import { within } from '../within.ts';
import type { TenantBounds } from '../limits.ts';
import type { PortalTokens } from '../portal-tokens.ts';

/** What the tenant routes need; built once in createApp. */
export interface RouteDeps {
  db: Db;
  queue: DeliveryQueue;
  tasks: TaskQueue;
  logger: Logger;
  portalTokens: PortalTokens;
  publicUrl: string;
  /** For resetting an endpoint's circuit breaker when it is re-enabled. */
  redis: RedisClient;
  redisPrefix: string;
  /** Refuses endpoint URLs that webhooks may not reach. */
  guard: OutboundGuard;
  /** Seals secrets before they are stored; opens them to show them. */
  vault: Vault;
  /** API keys, tenants and applications, cached; writes to them call `invalidate`. */
  lookups: Lookups;
  /** Row counts a tenant cannot exceed. @defaultValue defaultTenantBounds */
  tenantBounds?: TenantBounds;
}

/**
 * Refuses (422) an endpoint URL that can be judged unreachable now: a blocked address literal,
 * or plain http when https is required. Host names are judged at delivery, when resolved.
 */
export function checkEndpointUrl(deps: Pick<RouteDeps, 'guard'>, url: string | undefined): void {
  if (url === undefined) return;
  const verdict = deps.guard.checkUrl(url);
  if (!verdict.ok) throw fieldError(['body', 'url'], verdict.detail, verdict.code);
}

/** Queueing waits at most this long; past it, the rows in Postgres wait for the reconciler. */
const enqueueTimeoutMs = 2000;

/**
 * Queues delivery jobs after their rows are committed, with the status events that announce
 * them (appended first, in the same round trip). Best effort and bounded in time: a delivery
 * that is due in Postgres but missing from the queue is queued again later, so a slow or
 * absent Redis never turns an accepted request into a failed one. False when it could not.
 */
export async function queueAfterCommit(
  deps: Pick<RouteDeps, 'queue' | 'logger'>,
  jobs: ScheduledJob[],
  context: object,
  events: readonly NewStatusEvent[] = [],
): Promise<boolean> {
  if (jobs.length === 0 && events.length === 0) return true;
  try {
    await within(deps.queue.enqueue(jobs, events), enqueueTimeoutMs, 'queueing');
    return true;
  } catch (error) {
    deps.logger.warn({ err: error, ...context, jobs: jobs.length }, 'committed but not queued');
    return false;
  }
}

/**
 * Starts a task just created: its first `task.progress` goes to the status stream before the
 * task is queued, so that a watcher sees it before any progress the worker reports.
 */
export async function startTask(
  deps: Pick<RouteDeps, 'queue' | 'tasks' | 'logger'>,
  task: TaskRow,
): Promise<TaskRow> {
  await queueAfterCommit(deps, [], { taskId: task.id }, [taskProgress(task)]);
  await deps.tasks.start(task).catch((error: unknown) => {
    deps.logger.warn({ err: error, taskId: task.id }, 'task created but not queued');
  });
  return task;
}
