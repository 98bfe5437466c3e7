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

/** A moment in the viewer's own time zone, with its age; the ISO time is in the markup. */
export function Time(props: { value: string }) {
  const date = new Date(props.value);
  return (
    <time dateTime={props.value} title={date.toString()}>
      {absolute.format(date)} <span className="age">({age(date)})</span>
    </time>
  );
}
