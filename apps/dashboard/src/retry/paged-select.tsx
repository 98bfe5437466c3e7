import { useEffect, useId, useRef, useState } from 'react';
import { request, withQuery, type Page } from '../api.ts';
import { Failed } from '../components/states.tsx';

/** The most a list route gives in one page. */
const pageSize = 250;

/** An item of such a list: its id, and the field the picker shows (`show`). */
interface Listed {
  id: string;
  name?: string;
  url?: string;
}

interface Loaded {
  items: Listed[];
  /** Where the next page starts; null once the list is complete. */
  next: string | null;
}

/**
 * A `<select>` over a list route that may hold more than one page (a tenant's applications,
 * an application's endpoints): the first page at once, each further page on **Load more**
 * (the route's `iterator`), so a long list stays usable without reading all of it up front.
 * Remount it (`key`) to read another list.
 */
export function PagedSelect(props: {
  /** The list route, e.g. `/api/v1/app`. */
  path: string;
  label: string;
  /** What the list holds, plural: "applications". */
  noun: string;
  /** The field each option shows: an application's name, an endpoint's URL. */
  show: 'name' | 'url';
  value: string;
  onChange: (value: string) => void;
}) {
  const id = useId();
  const select = useRef<HTMLSelectElement>(null);
  const [loaded, setLoaded] = useState<Loaded>({ items: [], next: null });
  const [state, setState] = useState<'loading' | 'idle' | Error>('loading');
  const [complete, setComplete] = useState(false);

  const read = async (iterator: string | undefined) => {
    setState('loading');
    try {
      const page = await request<Page<Listed>>(
        withQuery(props.path, { limit: String(pageSize), order: 'ascending', iterator }),
      );
      // The first page replaces what is known, so reading it twice lists it once.
      setLoaded((known) => ({
        items: iterator === undefined ? page.data : [...known.items, ...page.data],
        next: page.done ? null : page.iterator,
      }));
      setState('idle');
      return page.done;
    } catch (error) {
      setState(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  };
  useEffect(() => {
    void read(undefined);
    // The path is fixed for the component's life (its parent remounts it for another).
  }, []);

  const more = async () => {
    if (state === 'loading' || loaded.next === null) return;
    // The button goes away with the last page: the focus moves on to the list it grew.
    if (await read(loaded.next)) setComplete(true);
  };
  useEffect(() => {
    if (complete) select.current?.focus();
  }, [complete]);

  return (
    <div className="field paged-select">
      <label htmlFor={`${id}-select`}>{props.label}</label>
      <select
        id={`${id}-select`}
        ref={select}
        value={props.value}
        aria-describedby={loaded.next === null ? undefined : `${id}-more`}
        onChange={(e) => props.onChange(e.target.value)}
      >
        <option value="">Choose…</option>
        {loaded.items.map((item) => (
          <option key={item.id} value={item.id}>
            {item[props.show] ?? item.id}
          </option>
        ))}
      </select>
      {loaded.next !== null && (
        <p className="hint" id={`${id}-more`}>
          The first {loaded.items.length} {props.noun} are listed.{' '}
          {/* Not disabled while loading: a disabled button would lose the focus. */}
          <button
            type="button"
            className="secondary"
            aria-busy={state === 'loading'}
            onClick={() => void more()}
          >
            {state === 'loading' ? 'Loading…' : `Load more ${props.noun}`}
          </button>
        </p>
      )}
      {state instanceof Error && (
        <Failed
          error={state}
          retry={() => void (loaded.next === null ? read(undefined) : more())}
        />
      )}
    </div>
  );
}
