import { useMemo, useState } from 'react';

/** Payloads larger than this are shown folded, their beginning only, until asked. */
export const foldAbove = 64 * 1024;
const foldedChars = 4 * 1024;

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Pretty-printed JSON; a document over 64 KiB (as sent, without the indentation) is folded
 * until the reader expands it. The text is made once per value, not on every render: the
 * message page renders again on each status change of its deliveries.
 */
export function JsonView(props: { value: unknown; label: string }) {
  const { text, bytes } = useMemo(() => {
    const encoder = new TextEncoder();
    return {
      text: JSON.stringify(props.value, null, 2),
      bytes: encoder.encode(JSON.stringify(props.value)).length,
    };
  }, [props.value]);
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
