import { useEffect, useState } from 'react';
import { request, type Attempt, type Destination, type Message, type Page } from '../api.ts';
import { JsonView } from '../components/json-view.tsx';
import { Failed, Loading } from '../components/states.tsx';
import { StatusBadge } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { base, Link } from '../router.tsx';
import { useCan } from '../portal-context.tsx';
import { useStatusStream } from '../stream.ts';
import { useLoad } from '../use-load.ts';
import { AttemptList } from './attempt-list.tsx';
import { lastLogHref } from './delivery-log.tsx';

/** How often the page looks again while a delivery is still under way. */
const pollMs = 1000;

interface Deliveries {
  destinations: Destination[];
  attempts: Attempt[];
}

export function MessageDetail(props: { appId: string; msgId: string }) {
  const app = `/api/v1/app/${encodeURIComponent(props.appId)}`;
  const msg = `${app}/msg/${encodeURIComponent(props.msgId)}`;
  // The message is read once: it does not change, and its payload may be a megabyte. What
  // changes (statuses, attempts) is read again on each stream event and poll.
  const message = useLoad(`message:${props.appId}/${props.msgId}`, () =>
    request<Message>(msg, { lossless: true }),
  );
  const detail = useLoad(`${props.appId}/${props.msgId}`, async (): Promise<Deliveries> => {
    const destinations = await request<Page<Destination>>(`${msg}/endpoint?limit=250`);
    // Attempts are read after the statuses: a delivery's attempt is committed with its
    // status, so a final status is never shown without the attempt that made it final.
    const attempts = await request<Page<Attempt>>(
      `${app}/attempt/msg/${encodeURIComponent(props.msgId)}?limit=250`,
    );
    return { destinations: destinations.data, attempts: attempts.data };
  });
  const [notice, setNotice] = useState('');
  // Retrying sends a request: a portal token needs CreateAttempts for it.
  const canRetry = useCan()('CreateAttempts');

  const underWay =
    detail.result.state === 'done' &&
    detail.result.data.destinations.some(
      (d) => d.deliveryStatus === 'pending' || d.deliveryStatus === 'sending',
    );
  const { reload } = detail;
  // Attempts and status changes show up as they happen; polling covers a stream that is down.
  useStatusStream(`${props.appId}/${props.msgId}`, { msgId: props.msgId }, () =>
    reload({ quiet: true }),
  );
  useEffect(() => {
    if (!underWay) return;
    const timer = setTimeout(() => reload({ quiet: true }), pollMs);
    return () => clearTimeout(timer);
  }, [underWay, detail.result, reload]);

  if (message.result.state === 'loading' || detail.result.state === 'loading') {
    return <Loading what="the message" />;
  }
  if (message.result.state === 'error' || detail.result.state === 'error') {
    const failed = message.result.state === 'error' ? message.result : detail.result;
    return (
      <>
        <BackLink />
        <Failed
          error={failed.state === 'error' ? failed.error : new Error('failed')}
          retry={() => {
            message.reload();
            reload();
          }}
        />
      </>
    );
  }
  const { destinations, attempts } = detail.result.data;
  const { data: sent } = message.result;

  const retry = async (destination: Destination) => {
    setNotice(`Retrying the delivery to ${destination.url}…`);
    try {
      await request(`${msg}/endpoint/${encodeURIComponent(destination.id)}/resend`, {
        method: 'POST',
      });
      setNotice(`Retry queued for ${destination.url}.`);
      reload({ quiet: true });
    } catch (error) {
      setNotice(`The retry failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  return (
    <>
      <BackLink />
      <h1>
        <code>{sent.eventType}</code>
      </h1>
      <dl className="facts">
        <dt>Message</dt>
        <dd>
          <code>{sent.id}</code>
        </dd>
        {sent.eventId !== null && (
          <>
            <dt>Event id</dt>
            <dd>
              <code>{sent.eventId}</code>
            </dd>
          </>
        )}
        <dt>Sent</dt>
        <dd>
          <Time value={sent.timestamp} />
        </dd>
        {sent.tags && (
          <>
            <dt>Tags</dt>
            <dd>{sent.tags.join(', ')}</dd>
          </>
        )}
        {sent.channels && (
          <>
            <dt>Channels</dt>
            <dd>{sent.channels.join(', ')}</dd>
          </>
        )}
      </dl>

      <section aria-labelledby="payload-heading">
        <h2 id="payload-heading">Payload</h2>
        <JsonView value={sent.payload} label="Payload JSON" />
      </section>

      <section aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">Deliveries</h2>
        <p className="notice" role="status" aria-live="polite">
          {notice}
        </p>
        {destinations.length === 0 && (
          <p className="state empty">No endpoint of this application received this message.</p>
        )}
        {destinations.map((destination) => (
          <article className="destination" key={destination.id} aria-label={destination.url}>
            <header>
              <h3 className="url">{destination.url}</h3>
              <StatusBadge status={destination.deliveryStatus} code={destination.lastStatusCode} />
              {canRetry &&
                destination.deliveryStatus === 'failed' &&
                !destination.endpointDeleted && (
                  <button type="button" onClick={() => void retry(destination)}>
                    Retry
                  </button>
                )}
            </header>
            <p className="meta">
              {destination.attemptCount} attempt{destination.attemptCount === 1 ? '' : 's'}
              {destination.nextAttempt !== null && (
                <>
                  {' '}
                  · next attempt <Time value={destination.nextAttempt} />
                </>
              )}
              {destination.endpointDeleted && ' · endpoint deleted'}
              {destination.disabled && ' · endpoint disabled'}
            </p>
            <AttemptList attempts={attempts.filter((a) => a.endpointId === destination.id)} />
          </article>
        ))}
      </section>
    </>
  );
}

function BackLink() {
  return (
    <p className="back">
      <Link href={lastLogHref ?? `${base}/`}>← Delivery log</Link>
    </p>
  );
}
