import { useId, useState } from 'react';
import { request, withQuery, type Page } from '../api.ts';
import type { EventTypeDetail } from '../resources.ts';
import { useLoad } from '../use-load.ts';
import { JsonView } from './json-view.tsx';
import { Empty, Failed, Loading } from './states.tsx';

/** The newest version of an event type's schemas (keys are versions: "1", "2"…). */
function newestSchema(schemas: Record<string, unknown> | null): unknown {
  if (schemas === null) return undefined;
  const versions = Object.keys(schemas).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : schemas[versions[0]];
}

function examplesOf(schema: unknown): unknown[] {
  if (typeof schema !== 'object' || schema === null || !('examples' in schema)) return [];
  return Array.isArray(schema.examples) ? (schema.examples as unknown[]) : [];
}

/**
 * The event types a tenant sends: names, descriptions, schemas and examples, searchable. Used
 * by the catalogue pages (the operator's and the portal's, which portal tokens may read), and
 * by the endpoint form, where a subscriber chooses an endpoint's filter: give `chosen` and
 * `onToggle` and each type gets a checkbox.
 */
export function EventTypeCatalogue(props: {
  /** Where the list is read. @defaultValue the tenant's `/api/v1/event-type` */
  path?: string;
  chosen?: string[];
  onToggle?: (name: string, on: boolean) => void;
}) {
  const id = useId();
  const path = props.path ?? '/api/v1/event-type';
  const [search, setSearch] = useState('');
  const list = useLoad(`catalogue:${path}`, () =>
    request<Page<EventTypeDetail>>(withQuery(path, { limit: '250', with_content: 'true' })),
  );

  if (list.result.state === 'loading') return <Loading what="event types" />;
  if (list.result.state === 'error') {
    return <Failed error={list.result.error} retry={() => list.reload()} />;
  }
  if (list.result.data.data.length === 0) {
    return <Empty>No event types have been declared yet.</Empty>;
  }
  const needle = search.trim().toLowerCase();
  const shown = list.result.data.data.filter(
    (t) =>
      needle === '' ||
      t.name.toLowerCase().includes(needle) ||
      t.description.toLowerCase().includes(needle),
  );
  return (
    <div className="catalogue">
      <div className="field">
        <label htmlFor={`${id}-search`}>Find an event type</label>
        <input
          id={`${id}-search`}
          type="search"
          value={search}
          placeholder="Name or description"
          onChange={(event) => setSearch(event.target.value)}
          // Inside an endpoint's form, Enter here searches; it does not submit the form.
          onKeyDown={(event) => {
            if (event.key === 'Enter') event.preventDefault();
          }}
        />
      </div>
      {shown.length === 0 && <Empty>No event type matches “{search}”.</Empty>}
      <ul className="event-types">
        {shown.map((type) => {
          const schema = newestSchema(type.schemas);
          const examples = examplesOf(schema);
          return (
            <li key={type.name} aria-label={type.name}>
              <div className="event-type-head">
                {props.onToggle !== undefined && (
                  <input
                    type="checkbox"
                    aria-label={`Receive ${type.name}`}
                    checked={props.chosen?.includes(type.name) ?? false}
                    onChange={(event) => props.onToggle?.(type.name, event.target.checked)}
                  />
                )}
                <h3>
                  <code>{type.name}</code>
                </h3>
                {type.groupName !== null && <span className="muted">{type.groupName}</span>}
                {type.deprecated && <span className="badge pending">deprecated</span>}
              </div>
              <p>
                {type.description === '' ? (
                  <span className="muted">No description.</span>
                ) : (
                  type.description
                )}
              </p>
              {schema !== undefined && (
                <details>
                  <summary>Schema</summary>
                  <JsonView value={schema} label={`Schema of ${type.name}`} />
                </details>
              )}
              {examples.length > 0 && (
                <details>
                  <summary>
                    {examples.length === 1 ? 'Example' : `Examples (${examples.length})`}
                  </summary>
                  {examples.map((example, i) => (
                    <JsonView key={i} value={example} label={`Example ${i + 1} of ${type.name}`} />
                  ))}
                </details>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
