import type { ValidationIssue } from './api-error.ts';

/**
 * Text Postgres cannot store: NUL (refused by Postgres, so the statement would fail) and
 * unpaired UTF-16 surrogates (replaced by U+FFFD on the way in, or refused inside jsonb).
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Deeper JSON than this is refused: nothing Hookrail stores needs it, and walks recurse. */
export const maxDepth = 64;

/** Problems are listed up to this many; one is enough to refuse the request. */
const maxIssues = 10;

/** Whether a string holds a character Postgres cannot store. */
export function isUnstorable(text: string): boolean {
  return unstorable.test(text);
}

/**
 * Every string and object key in `value` that Postgres could not store, and every place
 * nested deeper than `maxDepth`, located like validation issues (`["body", "name"]`).
 * Top-level fields named in `verbatim` are skipped for text (they are kept as JSON text,
 * where such characters are written as `\u0000` escapes and arrive intact) but not for depth.
 * Iterative, so that hostile nesting cannot exhaust the stack.
 */
export function unstorableIn(
  where: 'body' | 'query' | 'path',
  value: unknown,
  verbatim: readonly string[] = [],
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const stack: { value: unknown; loc: (string | number)[]; checkText: boolean }[] = [
    { value, loc: [where], checkText: true },
  ];
  while (stack.length > 0 && issues.length < maxIssues) {
    const item = stack.pop();
    if (item === undefined) break;
    const { value: current, loc, checkText } = item;
    if (typeof current === 'string') {
      if (checkText && isUnstorable(current)) issues.push(textIssue(loc));
      continue;
    }
    if (typeof current !== 'object' || current === null || JSON.isRawJSON(current)) continue;
    if (loc.length > maxDepth) {
      issues.push({
        loc,
        msg: `is nested more than ${maxDepth} levels deep`,
        type: 'too_deep',
      });
      continue;
    }
    const entries: [string | number, unknown][] = Array.isArray(current)
      ? current.map((v, i) => [i, v])
      : Object.entries(current);
    for (const [key, child] of entries) {
      const childLoc = [...loc, key];
      const keepText = checkText && !(loc.length === 1 && verbatim.includes(String(key)));
      if (keepText && typeof key === 'string' && isUnstorable(key)) {
        issues.push(textIssue(childLoc));
      }
      stack.push({ value: child, loc: childLoc, checkText: keepText });
    }
  }
  return issues;
}

function textIssue(loc: (string | number)[]): ValidationIssue {
  return {
    loc,
    msg: 'must not contain NUL characters or unpaired UTF-16 surrogates',
    type: 'unstorable_text',
  };
}
