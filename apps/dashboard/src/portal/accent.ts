// The tenant chooses the portal's accent colour; the portal uses it for links and secondary
// buttons on its light backgrounds, and behind the white text of primary buttons. A light
// colour (a yellow, a pale orange) would leave that text unreadable, so the page shows the
// colour darkened just enough to reach WCAG AA's 4.5:1 against both.

type Rgb = readonly [number, number, number];

/** The contrast the portal's text needs (WCAG AA, normal text). */
const minContrast = 4.5;
/** The lightest background accent-coloured text sits on (`--panel`); white is lighter still. */
const panel: Rgb = [0xf6, 0xf8, 0xfa];

/** Applies `f` to each channel. */
function each([r, g, b]: Rgb, f: (channel: number) => number): Rgb {
  return [f(r), f(g), f(b)];
}

function luminance(rgb: Rgb): number {
  const [r, g, b] = each(rgb, (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG's contrast ratio of a colour against a lighter one. */
function contrast(color: Rgb, lighter: Rgb): number {
  return (luminance(lighter) + 0.05) / (luminance(color) + 0.05);
}

/**
 * The accent (`#rrggbb`) as the portal shows it: unchanged when it is readable on the
 * portal's backgrounds (and white on it), else mixed with black in 5% steps until it is.
 */
export function readableAccent(color: string): string {
  const channel = (at: number) => Number.parseInt(color.slice(at, at + 2), 16);
  const rgb: Rgb = [channel(1), channel(3), channel(5)];
  for (let step = 0; step < 20; step++) {
    const mixed = each(rgb, (c) => Math.round(c * (1 - step / 20)));
    if (contrast(mixed, panel) >= minContrast) {
      return `#${mixed.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
    }
  }
  return '#000000';
}
