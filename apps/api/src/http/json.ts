import type { Response } from 'express';

// JSON.rawJSON and JSON.parse's source text access are in Node 24 (V8) but not yet in
// TypeScript's lib.
declare global {
  interface JSON {
    rawJSON(text: string): object;
    isRawJSON(value: unknown): boolean;
  }
}

/**
 * A JSON.parse reviver that keeps every number exactly as it was written when a JavaScript
 * number cannot hold it (integers beyond 2^53, long decimals): such numbers become raw JSON,
 * which JSON.stringify writes back verbatim. Message payloads are therefore signed and sent
 * with the digits the tenant sent. Safe integers stay numbers, so numeric fields still
 * validate as numbers.
 */
export function losslessReviver(
  _key: string,
  value: unknown,
  context?: { source?: string },
): unknown {
  if (typeof value !== 'number' || context?.source === undefined) return value;
  if (Number.isSafeInteger(value) || String(value) === context.source) return value;
  return JSON.rawJSON(context.source);
}

/** Parses JSON text stored by Hookrail without losing digits (see `losslessReviver`). */
export function parseLossless(text: string): unknown {
  return JSON.parse(text, losslessReviver);
}

/**
 * Answers with JSON text already made: what `res.json` does after its stringify, without
 * express's type negotiation, and written with the headers as one string.
 */
export function sendJsonText(res: Response, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
