import { useEffect, useState } from 'react';
import { request, withQuery, type LogLine, type Page } from '../api.ts';
import { Empty, Failed, Loading } from '../components/states.tsx';
import { RetryFailedDeliveries } from '../retry/retry-dialog.tsx';
import { StatusBadge } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { base, Link, messageHref, navigate } from '../router.tsx';
import { useCan, usePortal } from '../portal-context.tsx';
import { useStatusStream } from '../stream.ts';
import { useLoad } from '../use-load.ts';
import { filtersOf, LogFilterForm, searchOf, type LogFilters } from './log-filters.tsx';

const pageSize = 50;
/** Stream events that add a line to the log or change one. */
const liveTypes = [
  'message.accepted',
  'attempt.finished',
  'delivery.retry_scheduled',
  'delivery.succeeded',
  'delivery.failed',
  'delivery.canceled',
];

/** The log's last URL, so the detail page's way back keeps the filters. */
export let lastLogHref: string | undefined;

/** The tenant's log, or in the portal its application's (`portalApp`). */
function deliveryPath(filters: LogFilters, portalApp?: string, iterator?: string): string {
  const path =
    portalApp === undefined
      ? '/api/v1/delivery'
      : `/api/v1/app/${encodeURIComponent(portalApp)}/delivery`;
  return withQuery(path, {
    app_id: portalApp === undefined ? filters.app : undefined,
    endpoint_id: filters.endpoint,
    event_types: filters.eventType,
    status: filters.status,
    after: filters.after,
    before: filters.before,
    msg_id: filters.msgId,
    event_id: filters.eventId,
    tag: filters.tag,
    limit: String(pageSize),
    iterator,
  });
}

interface MessageRow {
  msgId: string;
  first: LogLine;
  lines: LogLine[];
}

/** One row per message, in the order the log lists them; a message's deliveries side by side. */
function byMessage(lines: LogLine[]): MessageRow[] {
  const rows = new Map<string, MessageRow>();
  for (const line of lines) {
    const row = rows.get(line.msgId);
    if (row === undefined) rows.set(line.msgId, { msgId: line.msgId, first: line, lines: [line] });
    else row.lines.push(line);
  }
  return [...rows.values()];
}

export function DeliveryLog(props: { search: URLSearchParams }) {
  const portalApp = usePortal()?.appId;
  const can = useCan();
  const filters = filtersOf(props.search);
  const key = searchOf(filters);
  lastLogHref = `${base}/${key}`;
  const first = useLoad(key, () => request<Page<LogLine>>(deliveryPath(filters, portalApp)));
  const [more, setMore] = useState<{ lines: LogLine[]; page: Page<LogLine> } | undefined>();
  const [moreError, setMoreError] = useState<Error | undefined>();
  const [loadingMore, setLoadingMore] = useState(false);
  useEffect(() => {
    setMore(undefined);
    setMoreError(undefined);
  }, [key]);

  // New messages and status changes appear without a reload of the page: the newest page is
  // read again in place, so the scroll position, the filters and older pages stay.
  const { reload } = first;
  const live = useStatusStream(
    key,
    {
      ...((portalApp ?? filters.app) !== '' && { appId: portalApp ?? filters.app }),
      ...(filters.endpoint !== '' && { endpointId: filters.endpoint }),
      ...(filters.eventType !== '' && { eventTypes: [filters.eventType] }),
      types: liveTypes,
    },
    () => reload({ quiet: true }),
  );

  const apply = (next: LogFilters) => navigate(`${base}/${searchOf(next)}`);

  let body;
  if (first.result.state === 'loading') body = <Loading what="deliveries" />;
  else if (first.result.state === 'error') {
    body = <Failed error={first.result.error} retry={() => first.reload()} />;
  } else {
    const lastPage = more?.page ?? first.result.data;
    const newest = first.result.data.data;
    const seen = new Set(newest.map((line) => line.id));
    const lines = [...newest, ...(more?.lines ?? []).filter((line) => !seen.has(line.id))];
    const loadMore = async () => {
      setLoadingMore(true);
      setMoreError(undefined);
      try {
        const page = await request<Page<LogLine>>(
          deliveryPath(filters, portalApp, lastPage.iterator ?? undefined),
        );
        setMore({ lines: [...(more?.lines ?? []), ...page.data], page });
      } catch (error) {
        setMoreError(error instanceof Error ? error : new Error(String(error)));
      } finally {
        setLoadingMore(false);
      }
    };
    body =
      lines.length === 0 ? (
        <Empty>
          {key === '' ? 'No messages have been sent yet.' : 'No deliveries match these filters.'}
        </Empty>
      ) : (
        <>
          <LogTable rows={byMessage(lines)} showApp={portalApp === undefined} />
          {moreError && <Failed error={moreError} retry={() => void loadMore()} />}
          {!lastPage.done && (
            <button
              type="button"
              className="more"
              disabled={loadingMore}
              onClick={() => void loadMore()}
            >
              {loadingMore ? 'Loading…' : 'Load older deliveries'}
            </button>
          )}
        </>
      );
  }

  return (
    <>
      <div className="heading">
        <h1>Delivery log</h1>
        <span className={`stream ${live}`} role="status">
          {live === 'live' ? 'Live' : 'Connecting…'}
        </span>
        <button type="button" className="secondary" onClick={() => first.reload()}>
          Refresh
        </button>
        {/* In the portal: the application's own failures, for a token that may retry. */}
        {can('CreateAttempts') && <RetryFailedDeliveries appId={portalApp} />}
      </div>
      <LogFilterForm key={key} filters={filters} onApply={apply} />
      {body}
    </>
  );
}

function LogTable(props: { rows: MessageRow[]; showApp: boolean }) {
  return (
    <table className="log">
      <caption className="visually-hidden">Messages, newest first, with their deliveries</caption>
      <thead>
        <tr>
          <th scope="col">Sent</th>
          <th scope="col">Event type</th>
          {props.showApp && <th scope="col">Application</th>}
          <th scope="col">Message</th>
          <th scope="col">Deliveries</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map(({ msgId, first, lines }) => (
          <tr key={msgId}>
            <td data-label="Sent">
              <Time value={first.createdAt} />
            </td>
            <td data-label="Event type">
              <code>{first.eventType}</code>
            </td>
            {props.showApp && <td data-label="Application">{first.appName}</td>}
            <td data-label="Message">
              <Link href={messageHref(first.appId, msgId)}>{first.eventId ?? msgId}</Link>
            </td>
            <td data-label="Deliveries">
              <ul className="deliveries">
                {lines.map((line) => (
                  <li key={line.id}>
                    <StatusBadge status={line.deliveryStatus} code={line.lastStatusCode} />{' '}
                    <span className="url">{line.endpointUrl}</span>
                  </li>
                ))}
              </ul>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
