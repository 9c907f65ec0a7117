import type { OutgoingHttpHeaders } from 'node:http';
import type { App, Route } from '../app';
import { BadRequest, sendRepresentation, strongEtag, type Exchange } from '../http';
import { IdempotencyStore, type StoredResponse } from '../idempotency';

const DEFAULT_CACHE_CONTROL = 'private, max-age=5';

/** `?cc=` is emitted verbatim so tests and benchmarks can try any caching policy on the same data. */
export function cacheControlFrom(ex: Exchange, fallback: string): string {
  return ex.query.get('cc') ?? fallback;
}

function positiveInt(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new BadRequest(`${name} must be a positive integer`);
  return n;
}

function listItems(ex: Exchange, app: App): void {
  const page = positiveInt(ex.query.get('page'), 'page');
  const size = positiveInt(ex.query.get('size'), 'size');
  const total = app.items.size;
  let rep: { body: string; etag: string };
  if (page === undefined && size === undefined) {
    rep = app.items.listRepresentation();
  } else {
    // 1-based pages; `size` defaults to 10 when only `page` is given.
    const perPage = size ?? 10;
    const start = ((page ?? 1) - 1) * perPage;
    const body = JSON.stringify(app.items.list().slice(start, start + perPage));
    rep = { body, etag: strongEtag(body) };
  }
  sendRepresentation(ex, {
    ...rep,
    cacheControl: cacheControlFrom(ex, DEFAULT_CACHE_CONTROL),
    lastModified: app.items.lastModified,
    extraHeaders: { 'x-total-count': String(total) },
  });
}

function getItem(ex: Exchange, app: App): void {
  const item = app.items.get(ex.params.id ?? '');
  if (!item) {
    ex.json(404, { error: 'not_found' });
    return;
  }
  const body = JSON.stringify(item);
  sendRepresentation(ex, {
    body,
    etag: strongEtag(body),
    cacheControl: cacheControlFrom(ex, DEFAULT_CACHE_CONTROL),
    lastModified: new Date(item.updatedAt),
  });
}

interface ItemFields {
  name?: string;
  price?: number;
}

/** Validates a create/replace (`partial` false: both fields required) or a PATCH body. */
function itemFields(body: unknown, partial: boolean): ItemFields | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { name, price } = body as Record<string, unknown>;
  if (name !== undefined && (typeof name !== 'string' || name === '')) return undefined;
  if (price !== undefined && (typeof price !== 'number' || !Number.isFinite(price))) return undefined;
  if (!partial && (name === undefined || price === undefined)) return undefined;
  return { ...(name !== undefined ? { name } : {}), ...(price !== undefined ? { price } : {}) };
}

const INVALID_BODY: StoredResponse = { status: 400, headers: {}, body: { error: 'invalid_body' } };
const NOT_FOUND: StoredResponse = { status: 404, headers: {}, body: { error: 'not_found' } };

/**
 * Runs a mutation at most once per Idempotency-Key: a retry with the same key (after a reset or a
 * truncated answer) gets the stored status and body back, marked `Idempotent-Replayed: true`.
 */
async function mutation(ex: Exchange, app: App, apply: (body: unknown) => StoredResponse): Promise<void> {
  const body = ex.method === 'DELETE' ? undefined : await ex.readJson();
  const key = ex.header('idempotency-key');
  const scope = key ? IdempotencyStore.scope(ex.user, ex.method, ex.path, key) : undefined;
  const fingerprint = JSON.stringify(body ?? null);
  if (scope) {
    const found = app.idempotency.lookup(scope, fingerprint);
    if (found.kind === 'mismatch') {
      ex.json(422, { error: 'idempotency_key_reused' });
      return;
    }
    if (found.kind === 'replay') {
      app.stats.idempotentReplays++;
      respond(ex, found.response, { 'idempotent-replayed': 'true' });
      return;
    }
  }
  const response = apply(body);
  if (scope) app.idempotency.remember(scope, fingerprint, response);
  if (response.status < 300) {
    app.stats.mutationsApplied.push({ method: ex.method, path: ex.path, idempotencyKey: key });
    // Applied and remembered: only the answer is lost, as when a phone leaves the cell mid-response.
    if (app.faults.takeLostAnswer()) ex.truncate = true;
  }
  respond(ex, response, {});
}

function respond(ex: Exchange, response: StoredResponse, extra: OutgoingHttpHeaders): void {
  if (response.body === undefined) ex.send(response.status, { ...response.headers, ...extra });
  else ex.json(response.status, response.body, { 'cache-control': 'no-store', ...response.headers, ...extra });
}

export const itemRoutes: readonly Route[] = [
  { method: 'GET', pattern: '/items', auth: 'bearer', handler: listItems },
  { method: 'GET', pattern: '/items/:id', auth: 'bearer', handler: getItem },
  {
    method: 'POST',
    pattern: '/items',
    auth: 'bearer',
    handler: (ex, app) =>
      mutation(ex, app, (body) => {
        const fields = itemFields(body, false);
        if (!fields) return INVALID_BODY;
        const item = app.items.create(fields as Required<ItemFields>);
        return { status: 201, headers: { location: `/items/${item.id}` }, body: item };
      }),
  },
  {
    method: 'PUT',
    pattern: '/items/:id',
    auth: 'bearer',
    handler: (ex, app) =>
      mutation(ex, app, (body) => {
        const fields = itemFields(body, false);
        if (!fields) return INVALID_BODY;
        const item = app.items.update(ex.params.id ?? '', fields);
        return item ? { status: 200, headers: {}, body: item } : NOT_FOUND;
      }),
  },
  {
    method: 'PATCH',
    pattern: '/items/:id',
    auth: 'bearer',
    handler: (ex, app) =>
      mutation(ex, app, (body) => {
        const fields = itemFields(body, true);
        if (!fields) return INVALID_BODY;
        const item = app.items.update(ex.params.id ?? '', fields);
        return item ? { status: 200, headers: {}, body: item } : NOT_FOUND;
      }),
  },
  {
    method: 'DELETE',
    pattern: '/items/:id',
    auth: 'bearer',
    handler: (ex, app) => mutation(ex, app, () => (app.items.remove(ex.params.id ?? '') ? { status: 204, headers: {}, body: undefined } : NOT_FOUND)),
  },
];
