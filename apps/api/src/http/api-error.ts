/** One item of a 422 response, in the shape Svix clients parse (`HTTPValidationError`). */
export interface ValidationIssue {
  /** Where the problem is: `["body", "filterTypes", 0]`, `["query", "limit"]`. */
  loc: (string | number)[];
  msg: string;
  type: string;
}

/**
 * An error the API answers with a 4xx or 503: a stable `code` for programs and a `detail`
 * for people. The error handler renders it as `{code, detail}`.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string | ValidationIssue[];

  constructor(
    status: number,
    code: string,
    detail: string | ValidationIssue[],
    options?: ErrorOptions,
  ) {
    super(
      typeof detail === 'string' ? detail : `${code}: ${detail.map((d) => d.msg).join('; ')}`,
      options,
    );
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

export const badRequest = (code: string, detail: string) => new ApiError(400, code, detail);
export const unauthorized = (
  detail = 'Missing or invalid credentials: send "Authorization: Bearer <key>".',
) => new ApiError(401, 'unauthorized', detail);
export const forbidden = (detail: string) => new ApiError(403, 'forbidden', detail);
export const notFound = (what = 'resource') => new ApiError(404, 'not_found', `No such ${what}.`);
export const conflict = (detail: string) => new ApiError(409, 'conflict', detail);
export const validationFailed = (issues: ValidationIssue[]) =>
  new ApiError(422, 'validation', issues);
export const unavailable = (detail: string, cause?: unknown) =>
  new ApiError(503, 'unavailable', detail, { cause });
