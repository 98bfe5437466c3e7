import { useSyncExternalStore } from 'react';

const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** "3 minutes ago", "in 5 seconds": the largest unit that fits. */
export function age(date: Date, now = Date.now()): string {
  const seconds = Math.round((date.getTime() - now) / 1000);
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return relative.format(Math.round(seconds / size), unit);
    }
  }
  return '';
}

/**
 * Every <Time> on the page renders again every 15 s, on one timer they share (stopped while
 * none is shown), so an age keeps telling the truth while the page stays open.
 */
const tickMs = 15_000;
const clock = {
  ticks: 0,
  listeners: new Set<() => void>(),
  timer: undefined as ReturnType<typeof setInterval> | undefined,
};
function subscribe(listener: () => void): () => void {
  clock.listeners.add(listener);
  clock.timer ??= setInterval(() => {
    clock.ticks += 1;
    for (const notify of clock.listeners) notify();
  }, tickMs);
  return () => {
    clock.listeners.delete(listener);
    if (clock.listeners.size === 0) {
      clearInterval(clock.timer);
      clock.timer = undefined;
    }
  };
}
function ticks(): number {
  return clock.ticks;
}

/** A moment in the viewer's own time zone, with its age; the ISO time is in the markup. */
export function Time(props: { value: string }) {
  useSyncExternalStore(subscribe, ticks);
  const date = new Date(props.value);
  return (
    <time dateTime={props.value} title={date.toString()}>
      {absolute.format(date)} <span className="age">({age(date)})</span>
    </time>
  );
}
