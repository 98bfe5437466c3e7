import { request, withQuery, type Attempt, type EventType, type Page } from '../api.ts';
import { BarChart } from '../components/bar-chart.tsx';
import { useDisclosure } from '../components/disclosure.ts';
import { loadSeries, percent, successBars, totals } from '../components/series.ts';
import { Empty, Failed, Loading } from '../components/states.tsx';
import { Time } from '../components/time.tsx';
import { endpointHref } from '../pages-routes.ts';
import {
  appPath,
  disabledWhy,
  endpointPath,
  type EndpointDetail,
  type Series,
} from '../resources.ts';
import { Link, navigate } from '../router.tsx';
import { useLoad, type Load } from '../use-load.ts';
import { EndpointForm, type EndpointFormValues } from './endpoint-form.tsx';

interface Health {
  series: Series;
  lastFailure: Attempt | undefined;
}

/** The last day's success rate and the newest failed attempt of one endpoint. */
export async function loadHealth(appId: string, endpointId: string): Promise<Health> {
  const path = endpointPath(appId, endpointId);
  const [series, failures] = await Promise.all([
    loadSeries(`${path}/stats/series`, { interval: '1h', hours: 24 }),
    request<Page<Attempt>>(
      withQuery(`${appPath(appId)}/attempt/endpoint/${encodeURIComponent(endpointId)}`, {
        status: '2',
        limit: '1',
        with_content: 'false',
      }),
    ),
  ]);
  return { series, lastFailure: failures.data[0] };
}

/** The event type names of the tenant, for filters and test events. */
export function useEventTypeNames(): string[] {
  const types = useLoad('event-type-names', () =>
    request<Page<EventType>>('/api/v1/event-type?limit=250'),
  );
  return types.result.state === 'done' ? types.result.data.data.map((t) => t.name) : [];
}

/**
 * An application's endpoints with their health at a glance, and a form to add one.
 * `hrefOf` names each endpoint's page (the operator's, or the portal's).
 */
export function EndpointList(props: {
  appId: string;
  hrefOf?: (endpointId: string) => string;
  canCreate?: boolean;
}) {
  const hrefOf = props.hrefOf ?? ((endpointId: string) => endpointHref(props.appId, endpointId));
  const list = useLoad(`endpoints:${props.appId}`, () =>
    request<Page<EndpointDetail>>(`${appPath(props.appId)}/endpoint?limit=250`),
  );
  const creating = useDisclosure();
  const eventTypeNames = useEventTypeNames();

  const create = async (values: EndpointFormValues) => {
    const { deleteHeaders: _ignored, ...fields } = values;
    const created = await request<EndpointDetail>(`${appPath(props.appId)}/endpoint`, {
      method: 'POST',
      body: fields,
    });
    navigate(hrefOf(created.id));
    window.scrollTo(0, 0);
  };

  let body;
  if (list.result.state === 'loading') body = <Loading what="endpoints" />;
  else if (list.result.state === 'error') {
    body = <Failed error={list.result.error} retry={() => list.reload()} />;
  } else if (list.result.data.data.length === 0) {
    body = <Empty>This application has no endpoints yet.</Empty>;
  } else {
    body = (
      <table className="endpoints">
        <caption className="visually-hidden">Endpoints with their health</caption>
        <thead>
          <tr>
            <th scope="col">Endpoint</th>
            <th scope="col">State</th>
            <th scope="col">Success, last 24 hours</th>
            <th scope="col">Last failure</th>
          </tr>
        </thead>
        <tbody>
          {list.result.data.data.map((endpoint) => (
            <EndpointRow
              key={endpoint.id}
              appId={props.appId}
              endpoint={endpoint}
              href={hrefOf(endpoint.id)}
            />
          ))}
        </tbody>
      </table>
    );
  }

  return (
    <section aria-labelledby="endpoints-heading">
      <div className="heading">
        <h2 id="endpoints-heading">Endpoints</h2>
        {props.canCreate !== false && !creating.open && (
          <button type="button" ref={creating.opener} onClick={creating.show}>
            Add endpoint
          </button>
        )}
      </div>
      {creating.open && (
        <div className="panel" onKeyDown={creating.onKeyDown}>
          <h3>New endpoint</h3>
          <EndpointForm
            eventTypeNames={eventTypeNames}
            submitLabel="Create endpoint"
            onSubmit={create}
            onCancel={creating.close}
          />
        </div>
      )}
      {body}
    </section>
  );
}

/** Enabled, or disabled and why; the circuit breaker when it is open. */
export function EndpointState(props: { endpoint: EndpointDetail }) {
  const { endpoint } = props;
  return (
    <span className="endpoint-state">
      {endpoint.disabled ? (
        <span className="badge failed">{disabledWhy[endpoint.disabledReason ?? 'manual']}</span>
      ) : (
        <span className="badge succeeded">enabled</span>
      )}
      {endpoint.breakerState === 'open' && (
        <span className="badge pending" title="Only probes are sent until one succeeds.">
          breaker open
        </span>
      )}
    </span>
  );
}

function EndpointRow(props: { appId: string; endpoint: EndpointDetail; href: string }) {
  const { endpoint } = props;
  const health = useLoad(`health:${props.appId}/${endpoint.id}`, () =>
    loadHealth(props.appId, endpoint.id),
  );
  return (
    <tr>
      <td data-label="Endpoint">
        <Link href={props.href} className="url">
          {endpoint.url}
        </Link>
        {endpoint.description !== '' && <div className="muted">{endpoint.description}</div>}
      </td>
      <td data-label="State">
        <EndpointState endpoint={endpoint} />
      </td>
      <td data-label="Success, last 24 hours">
        <HealthCell health={health.result} />
      </td>
      <td data-label="Last failure">
        {health.result.state === 'done' &&
          (health.result.data.lastFailure === undefined ? (
            <span className="muted">none</span>
          ) : (
            <FailureSummary attempt={health.result.data.lastFailure} />
          ))}
      </td>
    </tr>
  );
}

function HealthCell(props: { health: Load<Health> }) {
  if (props.health.state === 'loading') return <span className="muted">…</span>;
  if (props.health.state === 'error') {
    return <span className="error">{props.health.error.message}</span>;
  }
  const { series } = props.health.data;
  const sum = totals(series);
  const rate = percent(sum.succeeded, sum.succeeded + sum.failed);
  return (
    <span className="health">
      <BarChart
        bars={successBars(series)}
        summary={`Success rate over the last 24 hours: ${rate}, ${sum.succeeded} of ${sum.succeeded + sum.failed} finished deliveries.`}
      />
      <span className="rate">{rate}</span>
    </span>
  );
}

export function FailureSummary(props: { attempt: Attempt }) {
  const { attempt } = props;
  return (
    <span className="failure">
      <Time value={attempt.timestamp} />{' '}
      <span className="badge failed">
        {attempt.responseStatusCode === 0 ? 'no response' : `HTTP ${attempt.responseStatusCode}`}
      </span>
      {attempt.error !== null && <span className="muted"> {attempt.error}</span>}
    </span>
  );
}
