import { useId, useState, type KeyboardEvent, type SyntheticEvent } from 'react';
import { request, type Page } from '../api.ts';
import { BarChart } from '../components/bar-chart.tsx';
import { useDisclosure } from '../components/disclosure.ts';
import { failureBars, loadSeries, percent, totals, volumeBars } from '../components/series.ts';
import { Empty, Failed, Loading } from '../components/states.tsx';
import { Time } from '../components/time.tsx';
import { appHref, appsHref } from '../pages-routes.ts';
import { appPath, type ApplicationDetail, type Series } from '../resources.ts';
import { base, Link, navigate } from '../router.tsx';
import { useLoad } from '../use-load.ts';
import { EndpointList } from './endpoints.tsx';

/** The tenant's applications (operators): list, create, open. */
export function ApplicationsPage() {
  const apps = useLoad('apps-page', () =>
    request<Page<ApplicationDetail>>('/api/v1/app?limit=250&order=ascending'),
  );
  const creating = useDisclosure();

  let body;
  if (apps.result.state === 'loading') body = <Loading what="applications" />;
  else if (apps.result.state === 'error') {
    body = <Failed error={apps.result.error} retry={() => apps.reload()} />;
  } else if (apps.result.data.data.length === 0) {
    body = <Empty>No applications yet: create one for each customer you send webhooks to.</Empty>;
  } else {
    body = (
      <table className="apps">
        <caption className="visually-hidden">Applications</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">uid</th>
            <th scope="col">Id</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {apps.result.data.data.map((app) => (
            <tr key={app.id}>
              <td data-label="Name">
                <Link href={appHref(app.id)}>{app.name}</Link>
              </td>
              <td data-label="uid">{app.uid ?? <span className="muted">none</span>}</td>
              <td data-label="Id">
                <code>{app.id}</code>
              </td>
              <td data-label="Created">
                <Time value={app.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <>
      <div className="heading">
        <h1>Applications</h1>
        {!creating.open && (
          <button type="button" ref={creating.opener} onClick={creating.show}>
            New application
          </button>
        )}
      </div>
      {creating.open && (
        <CreateApplication onCancel={creating.close} onKeyDown={creating.onKeyDown} />
      )}
      {apps.result.state === 'done' && !apps.result.data.done && (
        <p className="hint">The first 250 applications are shown.</p>
      )}
      {body}
    </>
  );
}

function CreateApplication(props: {
  onCancel: () => void;
  onKeyDown: (event: KeyboardEvent) => void;
}) {
  const id = useId();
  const [name, setName] = useState('');
  const [uid, setUid] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const app = await request<ApplicationDetail>('/api/v1/app', {
        method: 'POST',
        body: { name: name.trim(), ...(uid.trim() !== '' && { uid: uid.trim() }) },
      });
      navigate(appHref(app.id));
      window.scrollTo(0, 0);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
      setBusy(false);
    }
  };
  return (
    <form
      className="panel endpoint-form"
      onSubmit={(event) => void submit(event)}
      onKeyDown={props.onKeyDown}
    >
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          required
          autoFocus
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-uid`}>uid (optional)</label>
        <input
          id={`${id}-uid`}
          value={uid}
          placeholder="your id for this customer"
          onChange={(event) => setUid(event.target.value)}
        />
      </div>
      {error !== undefined && (
        <p className="error wide" role="alert">
          {error}
        </p>
      )}
      <div className="actions wide">
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create application'}
        </button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** One application: its last day's delivery volume and failure rate, and its endpoints. */
export function ApplicationPage(props: { appId: string }) {
  const app = useLoad(`app:${props.appId}`, () => request<ApplicationDetail>(appPath(props.appId)));
  const series = useLoad(`app-series:${props.appId}`, () =>
    loadSeries('/api/v1/stats/series', { interval: '1h', hours: 24, appId: props.appId }),
  );
  const back = (
    <p className="back">
      <Link href={appsHref()}>← Applications</Link>
    </p>
  );
  if (app.result.state === 'loading') return <Loading what="the application" />;
  if (app.result.state === 'error') {
    return (
      <>
        {back}
        <Failed error={app.result.error} retry={() => app.reload()} />
      </>
    );
  }
  const detail = app.result.data;
  return (
    <>
      {back}
      <h1>{detail.name}</h1>
      <dl className="facts">
        <dt>Application</dt>
        <dd>
          <code>{detail.id}</code>
        </dd>
        {detail.uid !== null && (
          <>
            <dt>uid</dt>
            <dd>
              <code>{detail.uid}</code>
            </dd>
          </>
        )}
        <dt>Created</dt>
        <dd>
          <Time value={detail.createdAt} />
        </dd>
        <dt>Deliveries</dt>
        <dd>
          <Link href={`${base}/?app=${encodeURIComponent(detail.id)}`}>
            Open in the delivery log
          </Link>
        </dd>
      </dl>
      <section aria-labelledby="overview-heading">
        <h2 id="overview-heading">Last 24 hours</h2>
        {series.result.state === 'loading' && <Loading what="the overview" />}
        {series.result.state === 'error' && (
          <Failed error={series.result.error} retry={() => series.reload()} />
        )}
        {series.result.state === 'done' && <Overview series={series.result.data} />}
      </section>
      <EndpointList appId={detail.id} />
    </>
  );
}

function Overview(props: { series: Series }) {
  const sum = totals(props.series);
  const finished = sum.succeeded + sum.failed;
  const failureRate = percent(sum.failed, finished);
  return (
    <div className="overview">
      <figure>
        <figcaption>
          Delivery volume: <strong>{sum.all}</strong> deliveries
        </figcaption>
        <BarChart
          className="large"
          height={64}
          bars={volumeBars(props.series)}
          summary={`Deliveries per hour over the last 24 hours: ${sum.all} in all.`}
        />
      </figure>
      <figure>
        <figcaption>
          Failure rate: <strong>{failureRate}</strong>
          {finished > 0 && ` (${sum.failed} of ${finished} finished)`}
        </figcaption>
        <BarChart
          className="large"
          height={64}
          bars={failureBars(props.series)}
          summary={`Share of finished deliveries that failed, hour by hour: ${failureRate} overall.`}
        />
      </figure>
    </div>
  );
}
