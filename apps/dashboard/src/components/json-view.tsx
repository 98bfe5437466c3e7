import { useState } from 'react';

/** Payloads larger than this are shown folded, their beginning only, until asked. */
export const foldAbove = 64 * 1024;
const foldedChars = 4 * 1024;

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Pretty-printed JSON; a large document is folded until the reader expands it. */
export function JsonView(props: { value: unknown; label: string }) {
  const text = JSON.stringify(props.value, null, 2);
  const bytes = new TextEncoder().encode(text).length;
  const [expanded, setExpanded] = useState(false);
  const folded = bytes > foldAbove && !expanded;
  return (
    <div className="json">
      <pre tabIndex={0} aria-label={props.label}>
        {folded ? `${text.slice(0, foldedChars)}\n…` : text}
      </pre>
      {bytes > foldAbove && (
        <button type="button" onClick={() => setExpanded(!expanded)} aria-expanded={expanded}>
          {expanded ? 'Fold' : `Show all (${size(bytes)})`}
        </button>
      )}
    </div>
  );
}
