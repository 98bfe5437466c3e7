export {
  defaultRetryScheduleSeconds,
  maxAttempts,
  nextRetry,
  parseRetryAfter,
  retryJitter,
} from './retry-policy.ts';
export type { FailedResponse, RetryDecision, RetryPolicy } from './retry-policy.ts';
export { redactHeaders, userAgent, webhookHeaders, type WebhookRequest } from './headers.ts';
