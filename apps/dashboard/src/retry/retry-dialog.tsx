import { useEffect, useId, useMemo, useRef, useState, type SyntheticEvent } from 'react';
import { Time } from '../components/time.tsx';
import { useLoad, type Load } from '../use-load.ts';
import { PagedSelect } from './paged-select.tsx';
import { RetryProgress } from './retry-progress.tsx';
import { retryRoutes, type RetryRequest, type RetryRoutes, type RetryTask } from './retry-task.ts';

type Scope = 'tenant' | 'app' | 'endpoint';

/** A `datetime-local` value (the user's zone) for a time. */
function localInput(date: Date): string {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/**
 * "Retry failed deliveries": a button that opens a dialog to choose a scope, a time window and
 * optionally event types, shows how many failed deliveries that covers, and on confirmation
 * starts a retry task and follows it live (see RetryProgress), with cancel. Running it again
 * re-sends nothing already pending or delivered: only failed deliveries match.
 *
 * With `appId` the dialog is fixed to that application (the subscriber portal mounts it so):
 * the scope is the application or one of its endpoints, and every request goes through the
 * application's routes, which a portal token with CreateAttempts may call.
 */
export function RetryFailedDeliveries(props: { appId?: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [following, setFollowing] = useState<RetryTask | undefined>();
  const routes = useMemo(() => retryRoutes(props.appId), [props.appId]);
  const titleId = useId();

  useEffect(() => {
    if (open) dialog.current?.showModal();
  }, [open]);
  const close = () => dialog.current?.close();

  return (
    <>
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Retry failed deliveries
      </button>
      {open && (
        <dialog
          ref={dialog}
          className="retry-dialog"
          aria-labelledby={titleId}
          onClose={() => {
            setOpen(false);
            setFollowing(undefined);
          }}
        >
          <h2 id={titleId}>Retry failed deliveries</h2>
          {following === undefined ? (
            <RetryForm
              routes={routes}
              fixedApp={props.appId}
              onStarted={setFollowing}
              onCancel={close}
            />
          ) : (
            <>
              <RetryProgress routes={routes} task={following} appId={props.appId} />
              <div className="action-row">
                <button type="button" className="secondary" onClick={() => setFollowing(undefined)}>
                  New retry
                </button>
                <button type="button" onClick={close}>
                  Close
                </button>
              </div>
            </>
          )}
        </dialog>
      )}
    </>
  );
}

type Count =
  | { state: 'idle' | 'counting' }
  | { state: 'done'; n: number }
  | { state: 'error'; message: string };

function RetryForm(props: {
  routes: RetryRoutes;
  fixedApp: string | undefined;
  onStarted: (task: RetryTask) => void;
  onCancel: () => void;
}) {
  const { routes, fixedApp } = props;
  const id = useId();
  const [scope, setScope] = useState<Scope>(fixedApp === undefined ? 'tenant' : 'app');
  const [appId, setAppId] = useState(fixedApp ?? '');
  const [endpointId, setEndpointId] = useState('');
  const [since, setSince] = useState(() => localInput(new Date(Date.now() - 86_400_000)));
  const [until, setUntil] = useState('');
  const [types, setTypes] = useState('');
  const [count, setCount] = useState<Count>({ state: 'idle' });
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | undefined>();

  const recent = useLoad(`retry-recent:${fixedApp ?? ''}`, () => routes.recent());

  /** The request the form describes, or why it describes none yet. */
  const wanted = useMemo((): RetryRequest | string => {
    if (since === '') return 'Choose when the window starts.';
    if (scope !== 'tenant' && appId === '') return 'Choose an application.';
    if (scope === 'endpoint' && endpointId === '') return 'Choose an endpoint.';
    const eventTypes = types
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    return {
      ...(scope !== 'tenant' && { appId }),
      ...(scope === 'endpoint' && { endpointId }),
      since: new Date(since).toISOString(),
      ...(until !== '' && { until: new Date(until).toISOString() }),
      eventTypes,
    };
  }, [scope, appId, endpointId, since, until, types]);

  // The count follows the form: each change asks again, and only the latest answer shows.
  const countKey = JSON.stringify(wanted);
  useEffect(() => {
    if (typeof wanted === 'string') {
      setCount({ state: 'idle' });
      return;
    }
    let current = true;
    setCount({ state: 'counting' });
    const timer = setTimeout(() => {
      routes.count(wanted).then(
        (n) => current && setCount({ state: 'done', n }),
        (error: unknown) =>
          current &&
          setCount({
            state: 'error',
            message: error instanceof Error ? error.message : String(error),
          }),
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // `wanted` is described by `countKey`.
  }, [countKey, routes]);

  const confirm = async (event: SyntheticEvent) => {
    event.preventDefault();
    if (typeof wanted === 'string') return;
    setStarting(true);
    setStartError(undefined);
    try {
      props.onStarted(await routes.start(wanted));
    } catch (error) {
      setStartError(error instanceof Error ? error.message : String(error));
      setStarting(false);
    }
  };

  const scopes: [Scope, string][] =
    fixedApp === undefined
      ? [
          ['tenant', 'Every application'],
          ['app', 'One application'],
          ['endpoint', 'One endpoint'],
        ]
      : [
          ['app', 'Every endpoint'],
          ['endpoint', 'One endpoint'],
        ];
  const n = count.state === 'done' ? count.n : undefined;

  return (
    <form className="retry-form" onSubmit={(e) => void confirm(e)}>
      <fieldset>
        <legend>Scope</legend>
        {scopes.map(([value, label]) => (
          <label key={value} className="check">
            <input
              type="radio"
              name={`${id}-scope`}
              value={value}
              checked={scope === value}
              onChange={() => setScope(value)}
            />{' '}
            {label}
          </label>
        ))}
      </fieldset>
      {fixedApp === undefined && scope !== 'tenant' && (
        <PagedSelect
          path="/api/v1/app"
          label="Application"
          noun="applications"
          show="name"
          value={appId}
          onChange={(value) => {
            setAppId(value);
            setEndpointId('');
          }}
        />
      )}
      {scope === 'endpoint' && appId !== '' && (
        <PagedSelect
          key={appId}
          path={`/api/v1/app/${encodeURIComponent(appId)}/endpoint`}
          label="Endpoint"
          noun="endpoints"
          show="url"
          value={endpointId}
          onChange={setEndpointId}
        />
      )}
      <div className="field">
        <label htmlFor={`${id}-since`}>Failed deliveries created from</label>
        <input
          id={`${id}-since`}
          type="datetime-local"
          required
          value={since}
          onChange={(e) => setSince(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-until`}>Until (empty: now)</label>
        <input
          id={`${id}-until`}
          type="datetime-local"
          value={until}
          onChange={(e) => setUntil(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-types`}>Event types (comma-separated; empty: all)</label>
        <input
          id={`${id}-types`}
          value={types}
          onChange={(e) => setTypes(e.target.value)}
          placeholder="invoice.paid"
        />
      </div>
      <p className="retry-count" role="status" aria-live="polite">
        {typeof wanted === 'string' && wanted}
        {count.state === 'counting' && 'Counting…'}
        {n !== undefined &&
          (n === 0
            ? 'No failed deliveries match: nothing to retry.'
            : `${n} failed ${n === 1 ? 'delivery' : 'deliveries'} will be retried.`)}
      </p>
      {count.state === 'error' && (
        <p className="error" role="alert">
          {count.message}
        </p>
      )}
      {startError !== undefined && (
        <p className="error" role="alert">
          {startError}
        </p>
      )}
      <div className="action-row">
        <button type="submit" disabled={starting || n === undefined || n === 0}>
          {starting ? 'Starting…' : n === undefined || n === 0 ? 'Retry' : `Retry ${n}`}
        </button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          Close
        </button>
      </div>
      <RecentRetries load={recent.result} onFollow={props.onStarted} />
    </form>
  );
}

/** The last few retries, so that one started earlier (before a reload) can be followed again. */
function RecentRetries(props: { load: Load<RetryTask[]>; onFollow: (task: RetryTask) => void }) {
  if (props.load.state !== 'done' || props.load.data.length === 0) return null;
  return (
    <section className="recent-retries" aria-label="Recent retries">
      <h3>Recent retries</h3>
      <ul>
        {props.load.data.map((task) => (
          <li key={task.id}>
            <Time value={task.createdAt} />: {task.status}, {task.delivered} of {task.queued}{' '}
            delivered{' '}
            <button type="button" className="secondary" onClick={() => props.onFollow(task)}>
              Show
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
