import { useCallback, useEffect, useState } from 'react';

export type Load<T> =
  { state: 'loading' } | { state: 'error'; error: Error } | { state: 'done'; data: T };

/**
 * Runs `load` when `key` changes and on `reload()`. An answer that arrives after a newer
 * load started is dropped, so fast filter changes never show stale results. `reload({quiet})`
 * keeps showing the current data while it refreshes (polling, after an action).
 */
export function useLoad<T>(key: string, load: () => Promise<T>) {
  const [result, setResult] = useState<Load<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  const [quiet, setQuiet] = useState(false);
  useEffect(() => {
    let current = true;
    if (!quiet) setResult({ state: 'loading' });
    load().then(
      (data) => {
        if (current) setResult({ state: 'done', data });
      },
      (error: unknown) => {
        if (current) {
          setResult({
            state: 'error',
            error: error instanceof Error ? error : new Error(String(error)),
          });
        }
      },
    );
    return () => {
      current = false;
    };
    // `load` is a new closure on each render; `key` names what it loads.
  }, [key, generation]);
  const reload = useCallback((options: { quiet?: boolean } = {}) => {
    setQuiet(options.quiet === true);
    setGeneration((n) => n + 1);
  }, []);
  return { result, reload };
}
