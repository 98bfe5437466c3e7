export {
  defaultRetryScheduleSeconds,
  maxAttempts,
  nextRetry,
  parseRetryAfter,
  retryJitter,
} from './retry-policy.ts';
export type { FailedResponse, RetryDecision, RetryPolicy } from './retry-policy.ts';
export {
  isCredentialHeader,
  openCredentials,
  redactHeaders,
  sealCredentials,
  userAgent,
  webhookHeaders,
  type WebhookRequest,
} from './headers.ts';
export {
  decideAttempt,
  isSuccess,
  failingAttempt,
  type AttemptFacts,
  type AttemptOutcome,
  type DecidedEvent,
  type Decision,
  type DeliveryPolicy,
  type EndpointHealth,
} from './decide.ts';
