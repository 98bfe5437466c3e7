// The REST side of "Retry failed deliveries": the routes a scope maps to, and the task shape.
// An operator uses the tenant's /bulk-retry routes; a dialog fixed to one application (the
// subscriber portal) uses /app/{app_id}/bulk-retry, the routes a portal token may call.
import { request } from '../api.ts';

/** A retry task as GET /api/v1/bulk-retry/{id} shows it. */
export interface RetryTask {
  id: string;
  status: 'running' | 'finished' | 'failed' | 'canceled';
  task: string;
  createdAt: string;
  scope: { appId: string | null; endpointId: string | null };
  since: string;
  until: string | null;
  eventTypes: string[] | null;
  /** Failed deliveries in scope when the task started. */
  total: number;
  /** Put back in the queue so far. */
  queued: number;
  /** Of the queued, sent successfully since. */
  delivered: number;
  /** Of the queued, ended otherwise (failed again, or canceled). */
  failedAgain: number;
  error: string | null;
}

/** What the dialog asks to retry. */
export interface RetryRequest {
  appId?: string;
  endpointId?: string;
  since: string;
  until?: string;
  eventTypes?: string[];
}

/**
 * Where the dialog's requests go: `fixedApp` set means the dialog serves one application's
 * portal, and every request (tasks included) goes through that application's routes.
 */
export function retryRoutes(fixedApp: string | undefined) {
  const base = fixedApp === undefined ? '/api/v1/bulk-retry' : `/api/v1/app/${fixedApp}/bulk-retry`;
  const body = (r: RetryRequest, dryRun: boolean) => ({
    ...(fixedApp === undefined
      ? r.appId !== undefined && {
          scope: {
            appId: r.appId,
            ...(r.endpointId !== undefined && { endpointId: r.endpointId }),
          },
        }
      : r.endpointId !== undefined && { scope: { endpointId: r.endpointId } }),
    since: r.since,
    ...(r.until !== undefined && { until: r.until }),
    ...(r.eventTypes !== undefined && r.eventTypes.length > 0 && { eventTypes: r.eventTypes }),
    ...(dryRun && { dryRun: true }),
  });
  return {
    /** How many deliveries the run would re-send now (the same filter as the run). */
    count: async (r: RetryRequest) =>
      (await request<{ count: number }>(base, { method: 'POST', body: body(r, true) })).count,
    start: (r: RetryRequest) => request<RetryTask>(base, { method: 'POST', body: body(r, false) }),
    get: (id: string) => request<RetryTask>(`${base}/${id}`),
    cancel: (id: string) => request<RetryTask>(`${base}/${id}/cancel`, { method: 'POST' }),
    recent: async () => (await request<{ data: RetryTask[] }>(`${base}?limit=5`)).data,
  };
}

export type RetryRoutes = ReturnType<typeof retryRoutes>;

/** Whether the task moves no more: queueing is over and every re-sent delivery has ended. */
export function settled(task: RetryTask): boolean {
  return task.status !== 'running' && task.delivered + task.failedAgain >= task.queued;
}
