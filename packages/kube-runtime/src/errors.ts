/**
 * Errors of Kubernetes API calls: one type, carrying the HTTP status and the API's Status reason
 * (NotFound, Conflict, AlreadyExists, ...), and one way to describe any error in a log line.
 */
import { ApiException } from '@kubernetes/client-node';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** True when `err` is an API error with HTTP status `status` (404, 409, 410...). */
export function isStatus(err: unknown, status: number): boolean {
  if (err instanceof ApiError) return err.status === status;
  if (err instanceof ApiException) return err.code === status;
  return typeof err === 'object' && err !== null && (err as { statusCode?: unknown }).statusCode === status;
}

/** Error text for logs: `HTTP <status>: <Status message>` for API errors, the message otherwise. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof ApiException) return `HTTP ${err.code}${statusMessage(err.body)}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

function statusMessage(body: unknown): string {
  let message: unknown;
  if (typeof body === 'string') {
    try {
      message = (JSON.parse(body) as { message?: unknown }).message;
    } catch {
      message = body;
    }
  } else if (typeof body === 'object' && body !== null) {
    message = (body as { message?: unknown }).message;
  }
  return typeof message === 'string' && message !== '' ? `: ${message}` : '';
}
