import { NetworkError, OutcomeUnknownError, type RequestOutcome, TimeoutError } from '../core/errors';
import { isIdempotent, type ApiRequest } from '../core/request';

/**
 * Error codes that prove the request never left the device: nothing was connected, so nothing
 * was received. Any other failure (a reset, a socket closed mid-answer) may come after the server
 * read the request, so its outcome is unknown.
 */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', // nothing listening
  'ENOTFOUND', // DNS: no such host
  'EAI_AGAIN', // DNS: temporary failure
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT', // undici: TCP connect did not complete
]);

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Classifies a rejected fetch: did the request reach the server? */
export function outcomeOf(error: unknown): RequestOutcome {
  const code = errorCode(error);
  if (code !== undefined && NOT_SENT_CODES.has(code)) return 'not-sent';
  // A browser that knows it is offline did not send anything.
  if (typeof navigator !== 'undefined' && (navigator as { onLine?: boolean }).onLine === false) return 'not-sent';
  return 'unknown';
}

/**
 * A write whose outcome is unknown must not look like a plain network failure: the caller has to
 * know the server may have applied it. Idempotent requests keep the original error (they may be
 * retried safely).
 */
export function surfaceUnknownOutcome(req: ApiRequest, error: NetworkError | TimeoutError): NetworkError | TimeoutError | OutcomeUnknownError {
  return error.outcome === 'unknown' && !isIdempotent(req) ? new OutcomeUnknownError(req, error) : error;
}

export function networkFailure(req: ApiRequest, cause: unknown, detail?: string): NetworkError {
  const code = errorCode(cause);
  return new NetworkError(req, outcomeOf(cause), { cause, detail: detail ?? code ?? (cause instanceof Error ? cause.message : undefined) });
}
