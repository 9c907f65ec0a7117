import type { HeaderMap } from '../core/headers';

/** What fetch accepts as it is; anything else that is an object is sent as JSON. */
function isNativeBody(body: unknown): boolean {
  return (
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    (typeof Blob !== 'undefined' && body instanceof Blob) ||
    (typeof FormData !== 'undefined' && body instanceof FormData) ||
    (typeof URLSearchParams !== 'undefined' && body instanceof URLSearchParams) ||
    (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream)
  );
}

/** Serializes the request body; plain objects and arrays become JSON with its content type. */
export function encodeRequestBody(body: unknown, headers: HeaderMap): { body: unknown; headers: Record<string, string> } {
  const out: Record<string, string> = { ...headers };
  if (body === undefined || body === null) return { body: undefined, headers: out };
  if (isNativeBody(body)) return { body, headers: out };
  out['content-type'] ??= 'application/json';
  return { body: JSON.stringify(body), headers: out };
}
