export {
  defaultRetryScheduleSeconds,
  maxAttempts,
  nextRetry,
  retryJitter,
} from './retry-policy.ts';
export type { RetryDecision, RetryPolicy } from './retry-policy.ts';
export { redactHeaders, userAgent, webhookHeaders, type WebhookRequest } from './headers.ts';
