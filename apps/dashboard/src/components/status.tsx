import type { DeliveryStatus } from '../api.ts';

/** A delivery's status as a word with a colour; the word carries the meaning, not the colour. */
export function StatusBadge(props: { status: DeliveryStatus; code?: number | null }) {
  return (
    <span className={`badge ${props.status}`}>
      {props.status}
      {props.code != null && props.code !== 0 ? ` ${props.code}` : ''}
    </span>
  );
}
