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
  // Locations are made only for an issue (from `parent` links): most requests have none.
  const stack: Pending[] = [{ value, key: where, parent: undefined, depth: 1, checkText: true }];
  while (stack.length > 0 && issues.length < maxIssues) {
    const item = stack.pop();
    if (item === undefined) break;
    const { value: current, depth, checkText } = item;
    if (typeof current === 'string') {
      if (checkText && isUnstorable(current)) issues.push(textIssue(locationOf(item)));
      continue;
    }
    if (typeof current !== 'object' || current === null || JSON.isRawJSON(current)) continue;
    if (depth > maxDepth) {
      issues.push({
        loc: locationOf(item),
        msg: `is nested more than ${maxDepth} levels deep`,
        type: 'too_deep',
      });
      continue;
    }
    if (Array.isArray(current)) {
      const items: unknown[] = current;
      for (let i = 0; i < items.length; i++) {
        stack.push({ value: items[i], key: i, parent: item, depth: depth + 1, checkText });
      }
      continue;
    }
    const fields = current as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      const keepText = checkText && !(depth === 1 && verbatim.includes(key));
      const child = {
        value: fields[key],
        key,
        parent: item,
        depth: depth + 1,
        checkText: keepText,
      };
      if (keepText && isUnstorable(key)) issues.push(textIssue(locationOf(child)));
      stack.push(child);
    }
  }
  return issues;
}

/** A value still to look at, and where it is. */
interface Pending {
  value: unknown;
  key: string | number;
  parent: Pending | undefined;
  /** How deep it is: 1 for the request part itself. */
  depth: number;
  checkText: boolean;
}

function locationOf(item: Pending): (string | number)[] {
  const loc: (string | number)[] = [];
  for (let at: Pending | undefined = item; at !== undefined; at = at.parent) loc.push(at.key);
  return loc.reverse();
}

function textIssue(loc: (string | number)[]): ValidationIssue {
  return {
    loc,
    msg: 'must not contain NUL characters or unpaired UTF-16 surrogates',
    type: 'unstorable_text',
  };
}
