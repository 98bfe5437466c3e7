import { useCallback, useEffect, useState } from 'react';
import { Time } from '../components/time.tsx';
import { useStatusStream } from '../stream.ts';
import { settled, type RetryRoutes, type RetryTask } from './retry-task.ts';

/**
 * Two reads of one task, merged: answers (and stream events) may arrive out of order, but a
 * task's counts only grow and its end is final, so the larger count and the end win.
 */
function newest(known: RetryTask, read: RetryTask): RetryTask {
  return {
    ...read,
    status: known.status === 'running' ? read.status : known.status,
    error: known.error ?? read.error,
    queued: Math.max(known.queued, read.queued),
    delivered: Math.max(known.delivered, read.delivered),
    failedAgain: Math.max(known.failedAgain, read.failedAgain),
  };
}

const statusText: Record<RetryTask['status'], string> = {
  running: 'queueing',
  finished: 'all queued',
  canceled: 'canceled',
  failed: 'stopped by an error',
};

function percent(part: number, whole: number): string {
  return whole === 0 ? '100%' : `${Math.floor((part / whole) * 100)}%`;
}

/**
 * A retry task's progress, live: queued of total while the task queues, then delivered of
 * queued as the workers record the re-sent deliveries. The status stream says when something
 * changed; the numbers are the task's own (read again from the API), so what a reload shows
 * and what the stream showed agree.
 */
export function RetryProgress(props: {
  routes: RetryRoutes;
  task: RetryTask;
  /** The application the stream is narrowed to (a portal token sees only its own). */
  appId?: string;
}) {
  const { routes } = props;
  const id = props.task.id;
  const [task, setTask] = useState(props.task);
  const [error, setError] = useState<string | undefined>();
  const [canceling, setCanceling] = useState(false);

  const refresh = useCallback(() => {
    routes.get(id).then(
      (read) => {
        setTask((known) => newest(known, read));
        setError(undefined);
      },
      (failed: unknown) => setError(failed instanceof Error ? failed.message : String(failed)),
    );
  }, [routes, id]);

  const live = useStatusStream(
    `retry:${id}`,
    { types: ['task.progress'], ...(props.appId !== undefined && { appId: props.appId }) },
    refresh,
  );
  // Whatever happened before the subscription took effect is read once it has.
  useEffect(() => {
    if (live === 'live') refresh();
  }, [live, refresh]);

  const cancel = async () => {
    setCanceling(true);
    try {
      const canceled = await routes.cancel(id);
      setTask((known) => newest(known, canceled));
    } catch (failed) {
      setError(failed instanceof Error ? failed.message : String(failed));
    } finally {
      setCanceling(false);
    }
  };

  const done = settled(task);
  return (
    <div className="retry-progress">
      <p>
        Started <Time value={task.createdAt} />; {statusText[task.status]}
        {task.error !== null && `: ${task.error}`}.{' '}
        <span className={`stream ${live}`}>{live === 'live' ? 'Live' : 'Connecting…'}</span>
      </p>
      <div className="meter">
        <label htmlFor={`${id}-queued`}>
          Queued {task.queued} of {task.total}
        </label>
        <progress id={`${id}-queued`} max={Math.max(task.total, 1)} value={task.queued} />
      </div>
      <div className="meter">
        <label htmlFor={`${id}-delivered`}>
          Delivered {task.delivered} of {task.queued} ({percent(task.delivered, task.queued)})
        </label>
        <progress id={`${id}-delivered`} max={Math.max(task.queued, 1)} value={task.delivered} />
      </div>
      {task.failedAgain > 0 && (
        <p className="muted">
          {task.failedAgain} failed again; they stay failed and a later retry takes them up.
        </p>
      )}
      <p role="status" aria-live="polite" className="notice">
        {done
          ? `Done: ${task.delivered} delivered${task.failedAgain > 0 ? `, ${task.failedAgain} failed again` : ''}.`
          : ''}
      </p>
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {task.status === 'running' && (
        <button
          type="button"
          className="secondary"
          disabled={canceling}
          onClick={() => void cancel()}
        >
          {canceling ? 'Canceling…' : 'Cancel retry'}
        </button>
      )}
    </div>
  );
}
