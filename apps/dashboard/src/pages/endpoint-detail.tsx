import { useId, useState } from 'react';
import { request } from '../api.ts';
import { BarChart } from '../components/bar-chart.tsx';
import { useDisclosure } from '../components/disclosure.ts';
import { percent, successBars, totals } from '../components/series.ts';
import { Failed, Loading } from '../components/states.tsx';
import { Time } from '../components/time.tsx';
import { appHref } from '../pages-routes.ts';
import { endpointPath, type EndpointDetail, type EndpointHeaders } from '../resources.ts';
import { useCan } from '../portal-context.tsx';
import { Link } from '../router.tsx';
import { useLoad } from '../use-load.ts';
import { EndpointForm, type EndpointFormValues } from './endpoint-form.tsx';
import { EndpointState, FailureSummary, loadHealth, useEventTypeNames } from './endpoints.tsx';

/**
 * One endpoint: its health over the last day, its settings (edit), disable and enable, its
 * signing secret (rotate, reveal on demand) and a test event. In the portal, each control
 * shows only when the token's capabilities allow it.
 */
export function EndpointPage(props: {
  appId: string;
  endpointId: string;
  backHref?: string;
  backLabel?: string;
}) {
  const can = useCan();
  const path = endpointPath(props.appId, props.endpointId);
  const key = `${props.appId}/${props.endpointId}`;
  const endpoint = useLoad(`endpoint:${key}`, async () => {
    const [detail, headers] = await Promise.all([
      request<EndpointDetail>(path),
      request<EndpointHeaders>(`${path}/headers`),
    ]);
    return { detail, headers };
  });
  const health = useLoad(`health:${key}`, () => loadHealth(props.appId, props.endpointId));
  const eventTypeNames = useEventTypeNames();
  const editing = useDisclosure();
  const [notice, setNotice] = useState('');
  const back = (
    <p className="back">
      <Link href={props.backHref ?? appHref(props.appId)}>
        {props.backLabel ?? '← Application'}
      </Link>
    </p>
  );

  if (endpoint.result.state === 'loading') return <Loading what="the endpoint" />;
  if (endpoint.result.state === 'error') {
    return (
      <>
        {back}
        <Failed error={endpoint.result.error} retry={() => endpoint.reload()} />
      </>
    );
  }
  const { detail, headers } = endpoint.result.data;

  /** Runs an action, says how it went, and reads the endpoint again. */
  const act = async (doing: string, done: string, action: () => Promise<unknown>) => {
    setNotice(doing);
    try {
      await action();
      setNotice(done);
      endpoint.reload({ quiet: true });
      health.reload({ quiet: true });
    } catch (error) {
      setNotice(error instanceof Error ? error.message : String(error));
    }
  };

  const save = async (values: EndpointFormValues) => {
    const { headers: set, deleteHeaders, ...fields } = values;
    await request(path, { method: 'PATCH', body: fields });
    if (Object.keys(set).length > 0 || deleteHeaders.length > 0) {
      await request(`${path}/headers`, { method: 'PATCH', body: { headers: set, deleteHeaders } });
    }
    editing.close();
    setNotice('Endpoint saved.');
    endpoint.reload({ quiet: true });
  };

  return (
    <>
      {back}
      <div className="heading">
        <h1 className="url">{detail.url}</h1>
        <EndpointState endpoint={detail} />
      </div>
      <p className="notice" role="status" aria-live="polite">
        {notice}
      </p>
      <dl className="facts">
        <dt>Endpoint</dt>
        <dd>
          <code>{detail.id}</code>
        </dd>
        {detail.description !== '' && (
          <>
            <dt>Description</dt>
            <dd>{detail.description}</dd>
          </>
        )}
        <dt>Event types</dt>
        <dd>{detail.filterTypes?.join(', ') ?? 'all'}</dd>
        <dt>Channels</dt>
        <dd>{detail.channels?.join(', ') ?? 'any'}</dd>
        <dt>Rate limit</dt>
        <dd>{detail.rateLimit === null ? 'unlimited' : `${detail.rateLimit} per second`}</dd>
        <dt>Circuit breaker</dt>
        <dd>
          {detail.breakerState}
          {detail.consecutiveFailures > 0 && `, ${detail.consecutiveFailures} failures in a row`}
          {detail.failingSince !== null && (
            <>
              {' '}
              since <Time value={detail.failingSince} />
            </>
          )}
        </dd>
        {detail.disabledAt !== null && (
          <>
            <dt>Disabled</dt>
            <dd>
              <Time value={detail.disabledAt} />
            </dd>
          </>
        )}
        <dt>Created</dt>
        <dd>
          <Time value={detail.createdAt} />
        </dd>
      </dl>

      <section aria-labelledby="health-heading">
        <h2 id="health-heading">Health, last 24 hours</h2>
        {health.result.state === 'loading' && <Loading what="the endpoint's health" />}
        {health.result.state === 'error' && (
          <Failed error={health.result.error} retry={() => health.reload()} />
        )}
        {health.result.state === 'done' && (
          <HealthSummary
            series={health.result.data.series}
            lastFailure={health.result.data.lastFailure}
          />
        )}
      </section>

      {can('ManageEndpoint') && (
        <section aria-labelledby="actions-heading">
          <h2 id="actions-heading">Actions</h2>
          <div className="action-row">
            {detail.disabled ? (
              <button
                type="button"
                onClick={() =>
                  void act('Enabling…', 'Endpoint enabled.', () =>
                    request(path, { method: 'PATCH', body: { disabled: false } }),
                  )
                }
              >
                Enable
              </button>
            ) : (
              <button
                type="button"
                className="secondary"
                onClick={() =>
                  void act('Disabling…', 'Endpoint disabled.', () =>
                    request(path, { method: 'PATCH', body: { disabled: true } }),
                  )
                }
              >
                Disable
              </button>
            )}
            {!editing.open && (
              <button
                type="button"
                className="secondary"
                ref={editing.opener}
                onClick={editing.show}
              >
                Edit
              </button>
            )}
          </div>
          {editing.open && (
            <div className="panel" onKeyDown={editing.onKeyDown}>
              <h3>Edit endpoint</h3>
              <EndpointForm
                endpoint={detail}
                headers={headers}
                eventTypeNames={eventTypeNames}
                submitLabel="Save"
                onSubmit={save}
                onCancel={editing.close}
              />
            </div>
          )}
        </section>
      )}

      {(can('ViewEndpointSecret') || can('ManageEndpointSecret')) && (
        <SecretPanel
          path={path}
          onNotice={setNotice}
          canReveal={can('ViewEndpointSecret')}
          canRotate={can('ManageEndpointSecret')}
        />
      )}
      {can('CreateAttempts') && (
        <TestEvent
          appId={props.appId}
          path={path}
          eventTypeNames={detail.filterTypes ?? eventTypeNames}
          onNotice={setNotice}
        />
      )}
    </>
  );
}

function HealthSummary(props: {
  series: Parameters<typeof successBars>[0];
  lastFailure: Parameters<typeof FailureSummary>[0]['attempt'] | undefined;
}) {
  const sum = totals(props.series);
  const finished = sum.succeeded + sum.failed;
  const rate = percent(sum.succeeded, finished);
  return (
    <>
      <BarChart
        className="large"
        height={64}
        bars={successBars(props.series)}
        summary={`Success rate over the last 24 hours, hour by hour: ${rate} overall.`}
      />
      <p className="meta">
        {finished === 0
          ? 'No finished deliveries in the last 24 hours'
          : `${rate} succeeded: ${sum.succeeded} of ${finished} finished deliveries`}
        {sum.pending > 0 && `, ${sum.pending} under way`}. Last failure:{' '}
        {props.lastFailure === undefined ? 'none' : <FailureSummary attempt={props.lastFailure} />}
      </p>
    </>
  );
}

/** The secret is read only when asked for, and hidden again on request. */
function SecretPanel(props: {
  path: string;
  onNotice: (text: string) => void;
  canReveal: boolean;
  canRotate: boolean;
}) {
  const [secret, setSecret] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const confirming = useDisclosure();
  const reveal = async () => {
    setBusy(true);
    try {
      setSecret((await request<{ key: string }>(`${props.path}/secret`)).key);
    } catch (error) {
      props.onNotice(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };
  const rotate = async () => {
    confirming.close();
    setBusy(true);
    try {
      await request(`${props.path}/secret/rotate`, { method: 'POST', body: {} });
      props.onNotice('Secret rotated: the old one keeps signing for 24 hours.');
      if (secret !== undefined) {
        setSecret((await request<{ key: string }>(`${props.path}/secret`)).key);
      }
    } catch (error) {
      props.onNotice(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="secret-heading">
      <h2 id="secret-heading">Signing secret</h2>
      <div className="action-row">
        {!props.canReveal ? null : secret === undefined ? (
          <button type="button" className="secondary" disabled={busy} onClick={() => void reveal()}>
            Reveal secret
          </button>
        ) : (
          <>
            <code className="secret" aria-label="Current signing secret">
              {secret}
            </code>
            <button type="button" className="secondary" onClick={() => setSecret(undefined)}>
              Hide secret
            </button>
          </>
        )}
        {!props.canRotate ? null : confirming.open ? (
          <span className="action-row" onKeyDown={confirming.onKeyDown}>
            <button type="button" disabled={busy} onClick={() => void rotate()}>
              Confirm rotation
            </button>
            <button type="button" className="secondary" onClick={confirming.close}>
              Cancel
            </button>
          </span>
        ) : (
          <button
            type="button"
            className="secondary"
            disabled={busy}
            ref={confirming.opener}
            onClick={confirming.show}
          >
            Rotate secret
          </button>
        )}
      </div>
      {confirming.open && (
        <p className="hint">
          A new secret signs from now on; the old one keeps signing for 24 hours.
        </p>
      )}
    </section>
  );
}

/** Sends an example of an event type (from its schema's examples) to this endpoint only. */
function TestEvent(props: {
  appId: string;
  path: string;
  eventTypeNames: string[];
  onNotice: (text: string) => void;
}) {
  const id = useId();
  const [eventType, setEventType] = useState('');
  const chosen = eventType === '' ? (props.eventTypeNames[0] ?? '') : eventType;
  const send = async () => {
    try {
      const sent = await request<{ id: string }>(`${props.path}/send-example`, {
        method: 'POST',
        body: { eventType: chosen },
      });
      props.onNotice(`Test event sent as ${sent.id}.`);
    } catch (error) {
      props.onNotice(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <section aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Test event</h2>
      {props.eventTypeNames.length === 0 ? (
        <p className="state empty">
          Declare an event type first: a test event is an example of one.
        </p>
      ) : (
        <div className="action-row">
          <label htmlFor={`${id}-type`}>Event type</label>
          <select
            id={`${id}-type`}
            value={chosen}
            onChange={(event) => setEventType(event.target.value)}
          >
            {props.eventTypeNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => void send()}>
            Send test event
          </button>
        </div>
      )}
      <p className="hint">
        Sent to this endpoint only, tagged <code>example</code>; it shows in the delivery log.
      </p>
    </section>
  );
}
