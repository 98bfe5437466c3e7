import { signatureHeader, type SigningKey } from '@hookrail/signing';

export const userAgent = 'Hookrail-Webhooks/0.1';

export interface WebhookRequest {
  /** The message id, the same on every attempt so receivers can de-duplicate. */
  messageId: string;
  /** Seconds since the epoch when this attempt is made. */
  timestamp: number;
  /** The exact bytes sent. */
  body: string;
  /** Every live secret's key; one signature each. */
  keys: readonly SigningKey[];
  /** The endpoint's own extra headers. */
  customHeaders: Readonly<Record<string, string>>;
  /**
   * `webhook` (Standard Webhooks names) or `svix` (svix-id, svix-timestamp, svix-signature,
   * for receivers written against Svix). @defaultValue 'webhook'
   */
  style?: 'webhook' | 'svix';
}

/**
 * The headers of a webhook request, per Standard Webhooks. The endpoint's custom headers go
 * first so that none of ours can be shadowed (the API also refuses reserved names).
 */
export function webhookHeaders(request: WebhookRequest): Record<string, string> {
  const prefix = request.style === 'svix' ? 'svix' : 'webhook';
  return {
    ...request.customHeaders,
    'content-type': 'application/json',
    'user-agent': userAgent,
    [`${prefix}-id`]: request.messageId,
    [`${prefix}-timestamp`]: String(request.timestamp),
    [`${prefix}-signature`]: signatureHeader(request.keys, {
      id: request.messageId,
      timestamp: request.timestamp,
      body: request.body,
    }),
  };
}

/**
 * Header names whose values carry credentials: `Authorization` and other `auth` headers,
 * cookies, tokens, secrets, passwords, API keys and any name ending in `key`. Their values
 * are sealed at rest, never shown by the API, and redacted in stored attempts.
 */
const credentialName =
  /auth|cookie|token|secret|password|passwd|api[-_]?key|(^|[-_.])key$|credential|session/i;

export function isCredentialHeader(name: string): boolean {
  return name.toLowerCase() !== 'webhook-signature' && credentialName.test(name);
}

/**
 * Headers as they may be stored or shown: values of headers that look like credentials are
 * replaced. The signature is not a secret (it only proves knowledge of one) and is kept.
 */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return mapCredentials(headers, () => '[redacted]');
}

/**
 * Custom headers as they are stored: each credential-like value passed through `seal` (the
 * vault), the others as they are.
 */
export function sealCredentials(
  headers: Readonly<Record<string, string>>,
  seal: (value: string) => string,
): Record<string, string> {
  return mapCredentials(headers, seal);
}

/**
 * Stored custom headers as they are sent: each credential-like value passed through `open`.
 * Values stored before sealing existed are plain text, which the vault opens as they are.
 */
export function openCredentials(
  headers: Readonly<Record<string, string>>,
  open: (sealed: string) => string,
): Record<string, string> {
  return mapCredentials(headers, open);
}

function mapCredentials(
  headers: Readonly<Record<string, string>>,
  change: (value: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = isCredentialHeader(name) ? change(value) : value;
  }
  return out;
}
