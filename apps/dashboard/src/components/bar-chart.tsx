// A bar chart as inline SVG: a few dozen rectangles need no charting library, and the portal
// that embeds these pages stays small. The chart is an image with a text summary for screen
// readers; each bar's own numbers are in its tooltip (<title>).

export interface Bar {
  /** 0..1 of the chart's height; null draws an empty slot (no data). */
  value: number | null;
  /** The bar's tooltip: its time and numbers. */
  title: string;
  /** A class for its colour: `ok`, `fail`, `volume`. */
  tone: string;
  /** A class for the rest of the slot above the bar (a share's other part), when it has data. */
  rest?: string;
}

export function BarChart(props: {
  bars: Bar[];
  /** What the chart shows, in one sentence: read by screen readers in place of the bars. */
  summary: string;
  height?: number;
  className?: string;
}) {
  const height = props.height ?? 32;
  const width = Math.max(props.bars.length, 1) * 4;
  return (
    <svg
      className={`chart ${props.className ?? ''}`}
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={props.summary}
      style={{ height }}
    >
      <line x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} className="baseline" />
      {props.bars.map((bar, i) => {
        const h = bar.value === null ? 0 : Math.max(bar.value * height, bar.value > 0 ? 1 : 0);
        return (
          <g key={i}>
            <title>{bar.title}</title>
            {bar.rest !== undefined && bar.value !== null && h < height && (
              <rect x={i * 4 + 0.5} y={0} width={3} height={height - h} className={bar.rest} />
            )}
            <rect x={i * 4 + 0.5} y={height - h} width={3} height={h} className={bar.tone} />
          </g>
        );
      })}
    </svg>
  );
}
