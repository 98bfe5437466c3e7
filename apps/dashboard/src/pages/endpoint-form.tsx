import { useId, useState, type SyntheticEvent } from 'react';
import { EventTypeCatalogue } from '../components/event-type-catalogue.tsx';
import { namesOf, type EndpointDetail } from '../resources.ts';

/** What the form edits, as the REST API takes it (headers apart: they have routes of their own). */
export interface EndpointFormValues {
  url: string;
  description: string;
  filterTypes: string[] | null;
  channels: string[] | null;
  rateLimit: number | null;
  /** Headers to set. */
  headers: Record<string, string>;
  /** Headers to remove (edit only). */
  deleteHeaders: string[];
}

/** "Name: value" lines as headers; a line without a colon is reported. */
function parseHeaders(text: string): { headers: Record<string, string> } | { error: string } {
  const headers: Record<string, string> = {};
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `Header line ${i + 1} needs the form "Name: value".` };
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return { headers };
}

/**
 * The fields of an endpoint, for create and edit. Sensitive headers (credentials) are never
 * shown: the form offers to replace or remove them.
 */
export function EndpointForm(props: {
  endpoint?: EndpointDetail;
  headers?: { headers: Record<string, string>; sensitive: string[] };
  eventTypeNames: string[];
  submitLabel: string;
  onSubmit: (values: EndpointFormValues) => Promise<void>;
  onCancel?: () => void;
}) {
  const id = useId();
  const ep = props.endpoint;
  const shown = props.headers?.headers ?? {};
  const [url, setUrl] = useState(ep?.url ?? '');
  const [description, setDescription] = useState(ep?.description ?? '');
  const [filterTypes, setFilterTypes] = useState((ep?.filterTypes ?? []).join(', '));
  const [channels, setChannels] = useState((ep?.channels ?? []).join(', '));
  const [rateLimit, setRateLimit] = useState(ep?.rateLimit == null ? '' : String(ep.rateLimit));
  const [headerText, setHeaderText] = useState(
    Object.entries(shown)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
  );
  const [removeSensitive, setRemoveSensitive] = useState<string[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    const parsed = parseHeaders(headerText);
    if ('error' in parsed) {
      setError(parsed.error);
      return;
    }
    const dropped = Object.keys(shown).filter((name) => !(name in parsed.headers));
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit({
        url: url.trim(),
        description,
        filterTypes: namesOf(filterTypes),
        channels: namesOf(channels),
        rateLimit: rateLimit.trim() === '' ? null : Number(rateLimit),
        headers: parsed.headers,
        deleteHeaders: [...dropped, ...removeSensitive],
      });
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="endpoint-form" onSubmit={(event) => void submit(event)}>
      <div className="field">
        <label htmlFor={`${id}-url`}>URL</label>
        <input
          id={`${id}-url`}
          type="url"
          required
          value={url}
          placeholder="https://example.com/webhooks"
          onChange={(event) => setUrl(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description</label>
        <input
          id={`${id}-description`}
          value={description}
          onChange={(event) => setDescription(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-filter`}>Event types</label>
        <input
          id={`${id}-filter`}
          value={filterTypes}
          placeholder="All event types"
          aria-describedby={`${id}-filter-hint`}
          onChange={(event) => setFilterTypes(event.target.value)}
        />
        <span className="hint" id={`${id}-filter-hint`}>
          Comma-separated; empty receives every type.
          {props.eventTypeNames.length > 0 && ` Known: ${props.eventTypeNames.join(', ')}.`}
        </span>
      </div>
      {props.eventTypeNames.length > 0 && (
        <details className="wide browse-types">
          <summary>Browse event types</summary>
          <EventTypeCatalogue
            chosen={namesOf(filterTypes) ?? []}
            onToggle={(name, on) => {
              const names = (namesOf(filterTypes) ?? []).filter((n) => n !== name);
              setFilterTypes((on ? [...names, name] : names).join(', '));
            }}
          />
        </details>
      )}
      <div className="field">
        <label htmlFor={`${id}-channels`}>Channels</label>
        <input
          id={`${id}-channels`}
          value={channels}
          placeholder="Any channel"
          onChange={(event) => setChannels(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-rate`}>Rate limit (per second)</label>
        <input
          id={`${id}-rate`}
          type="number"
          min={1}
          max={65535}
          value={rateLimit}
          placeholder="Unlimited"
          onChange={(event) => setRateLimit(event.target.value)}
        />
      </div>
      <div className="field wide">
        <label htmlFor={`${id}-headers`}>Custom headers</label>
        <textarea
          id={`${id}-headers`}
          rows={3}
          value={headerText}
          placeholder="X-Customer: 42"
          aria-describedby={`${id}-headers-hint`}
          onChange={(event) => setHeaderText(event.target.value)}
        />
        <span className="hint" id={`${id}-headers-hint`}>
          One "Name: value" a line, sent with every delivery.
        </span>
      </div>
      {(props.headers?.sensitive ?? []).length > 0 && (
        <fieldset className="wide">
          <legend>Hidden headers (credentials): write a line above to replace one</legend>
          {props.headers?.sensitive.map((name) => (
            <label key={name} className="check">
              <input
                type="checkbox"
                checked={removeSensitive.includes(name)}
                onChange={(event) =>
                  setRemoveSensitive(
                    event.target.checked
                      ? [...removeSensitive, name]
                      : removeSensitive.filter((n) => n !== name),
                  )
                }
              />{' '}
              Remove <code>{name}</code>
            </label>
          ))}
        </fieldset>
      )}
      {error !== undefined && (
        <p className="error wide" role="alert">
          {error}
        </p>
      )}
      <div className="actions wide">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" className="secondary" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
