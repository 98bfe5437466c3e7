import type { ReactNode } from 'react';

export function Loading(props: { what: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      Loading {props.what}…
    </p>
  );
}

export function Failed(props: { error: Error; retry?: () => void }) {
  return (
    <div className="state error" role="alert">
      <p>{props.error.message}</p>
      {props.retry && (
        <button type="button" onClick={props.retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty(props: { children: ReactNode }) {
  return <p className="state empty">{props.children}</p>;
}
