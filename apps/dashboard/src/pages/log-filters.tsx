import { useId, useState, type SyntheticEvent } from 'react';
import {
  deliveryStatuses,
  request,
  withQuery,
  type Application,
  type Endpoint,
  type EventType,
  type Page,
} from '../api.ts';
import { usePortal } from '../portal-context.tsx';
import { useLoad } from '../use-load.ts';

/** The log's filters, as kept in the page's URL (so back, reload and links keep them). */
export interface LogFilters {
  app: string;
  endpoint: string;
  eventType: string;
  status: string;
  after: string;
  before: string;
  /** Search: at most one of these is set (see FindField). */
  msgId: string;
  eventId: string;
  tag: string;
}

const names: (keyof LogFilters)[] = [
  'app',
  'endpoint',
  'eventType',
  'status',
  'after',
  'before',
  'msgId',
  'eventId',
  'tag',
];
const emptyFilters: LogFilters = {
  app: '',
  endpoint: '',
  eventType: '',
  status: '',
  after: '',
  before: '',
  msgId: '',
  eventId: '',
  tag: '',
};

const emptyPage = { data: [], iterator: null, prevIterator: null, done: true };

/** What the search field looks for. */
const findKinds = [
  { name: 'msgId', label: 'Message id' },
  { name: 'eventId', label: 'Event id' },
  { name: 'tag', label: 'Tag' },
] as const;
type FindKind = (typeof findKinds)[number]['name'];

export function filtersOf(search: URLSearchParams): LogFilters {
  const filters = { ...emptyFilters };
  for (const name of names) filters[name] = search.get(name) ?? '';
  return filters;
}

export function searchOf(filters: LogFilters): string {
  const params = new URLSearchParams();
  for (const name of names) if (filters[name] !== '') params.set(name, filters[name]);
  const search = params.toString();
  return search === '' ? '' : `?${search}`;
}

/** datetime-local inputs speak the viewer's local time without a zone; the URL keeps ISO. */
function toLocalInput(iso: string): string {
  if (iso === '') return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
function fromLocalInput(value: string): string {
  return value === '' ? '' : new Date(value).toISOString();
}

export function LogFilterForm(props: { filters: LogFilters; onApply: (f: LogFilters) => void }) {
  const id = useId();
  const [draft, setDraft] = useState(props.filters);
  const [findBy, setFindBy] = useState<FindKind>(
    findKinds.find((kind) => props.filters[kind.name] !== '')?.name ?? 'msgId',
  );
  const findText = draft.msgId || draft.eventId || draft.tag;
  const setFind = (kind: FindKind, text: string) => {
    setFindBy(kind);
    setDraft({ ...draft, msgId: '', eventId: '', tag: '', [kind]: text });
  };
  const set = (name: keyof LogFilters, value: string) => setDraft({ ...draft, [name]: value });
  // In the portal the application is the portal's: no choice, and its endpoints to filter by.
  const portalApp = usePortal()?.appId;
  const app = portalApp ?? draft.app;
  const apps = useLoad(`apps:${portalApp ?? ''}`, () =>
    portalApp === undefined
      ? request<Page<Application>>('/api/v1/app?limit=250&order=ascending')
      : Promise.resolve<Page<Application>>(emptyPage),
  );
  const endpoints = useLoad(`endpoints:${app}`, () =>
    app === ''
      ? Promise.resolve<Page<Endpoint>>(emptyPage)
      : request<Page<Endpoint>>(
          withQuery(`/api/v1/app/${encodeURIComponent(app)}/endpoint`, { limit: '250' }),
        ),
  );
  const eventTypes = useLoad('event-types', () =>
    request<Page<EventType>>('/api/v1/event-type?limit=250'),
  );

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    props.onApply({
      ...draft,
      msgId: draft.msgId.trim(),
      eventId: draft.eventId.trim(),
      tag: draft.tag.trim(),
    });
  };
  const clear = () => {
    setDraft(emptyFilters);
    props.onApply(emptyFilters);
  };

  return (
    <form className="filters" onSubmit={submit} aria-label="Filters">
      <div className="field find">
        <label htmlFor={`${id}-find`}>Find</label>
        <span className="find-inputs">
          <select
            aria-label="Find by"
            value={findBy}
            onChange={(event) => setFind(event.target.value as FindKind, findText)}
          >
            {findKinds.map((kind) => (
              <option key={kind.name} value={kind.name}>
                {kind.label}
              </option>
            ))}
          </select>
          <input
            id={`${id}-find`}
            type="search"
            value={findText}
            placeholder={
              findBy === 'msgId' ? 'msg_…' : findBy === 'eventId' ? 'your event id' : 'a tag'
            }
            onChange={(event) => setFind(findBy, event.target.value)}
          />
        </span>
      </div>
      {portalApp === undefined && (
        <div className="field">
          <label htmlFor={`${id}-app`}>Application</label>
          <select
            id={`${id}-app`}
            value={draft.app}
            onChange={(event) => setDraft({ ...draft, app: event.target.value, endpoint: '' })}
          >
            <option value="">All applications</option>
            {apps.result.state === 'done' &&
              apps.result.data.data.map((app) => (
                <option key={app.id} value={app.id}>
                  {app.name}
                </option>
              ))}
          </select>
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-endpoint`}>Endpoint</label>
        <select
          id={`${id}-endpoint`}
          value={draft.endpoint}
          disabled={app === ''}
          onChange={(event) => set('endpoint', event.target.value)}
        >
          <option value="">{app === '' ? 'Choose an application' : 'All endpoints'}</option>
          {endpoints.result.state === 'done' &&
            endpoints.result.data.data.map((endpoint) => (
              <option key={endpoint.id} value={endpoint.id}>
                {endpoint.url}
              </option>
            ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-event-type`}>Event type</label>
        <input
          id={`${id}-event-type`}
          list="event-type-names"
          value={draft.eventType}
          placeholder="Any"
          onChange={(event) => set('eventType', event.target.value.trim())}
        />
        <datalist id="event-type-names">
          {eventTypes.result.state === 'done' &&
            eventTypes.result.data.data.map((type) => <option key={type.name} value={type.name} />)}
        </datalist>
      </div>
      <div className="field">
        <label htmlFor={`${id}-status`}>Status</label>
        <select
          id={`${id}-status`}
          value={draft.status}
          onChange={(event) => set('status', event.target.value)}
        >
          <option value="">Any</option>
          {deliveryStatuses.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-after`}>From</label>
        <input
          id={`${id}-after`}
          type="datetime-local"
          value={toLocalInput(draft.after)}
          onChange={(event) => set('after', fromLocalInput(event.target.value))}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-before`}>Until</label>
        <input
          id={`${id}-before`}
          type="datetime-local"
          value={toLocalInput(draft.before)}
          onChange={(event) => set('before', fromLocalInput(event.target.value))}
        />
      </div>
      <div className="actions">
        <button type="submit">Apply</button>
        <button type="button" className="secondary" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
