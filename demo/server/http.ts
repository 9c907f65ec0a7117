import { createHash } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { countResponse, type StatsCounters } from './stats';

const JSON_TYPE = 'application/json; charset=utf-8';
const MAX_BODY_BYTES = 1_000_000;

/** A request body that is not the JSON the route expects; routes answer it with a 400. */
export class BadRequest extends Error {}

/**
 * One request/response pair. Every answer goes through `send`, which is the single place that
 * counts statuses and body bytes and that carries out the truncation fault.
 */
export class Exchange {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Path parameters of the matched route, e.g. `{ id: '42' }`. */
  params: Readonly<Record<string, string>> = {};
  /** JWT `sub` once the route's auth check passed. */
  user = '';
  /** Armed by the fault injector: the next 2xx body is cut off mid-transfer. */
  truncate = false;
  private sent = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly stats: StatsCounters,
  ) {
    this.method = req.method ?? 'GET';
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    // Manual split: `new URL` per request is measurable next to a loopback round trip.
    this.path = q < 0 ? raw : raw.slice(0, q);
    this.query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  }

  get answered(): boolean {
    return this.sent || this.res.destroyed;
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  send(status: number, headers: OutgoingHttpHeaders, body?: string | Buffer): void {
    if (this.answered) return;
    this.sent = true;
    const bytes = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
    const length = bytes?.length ?? 0;
    if (this.truncate && bytes && length >= 2 && status >= 200 && status < 300) {
      this.sendTruncated(status, headers, bytes);
      return;
    }
    // 304 and 204 carry no body and, per RFC 9110, no Content-Length describing one.
    const withLength = status === 304 || status === 204 ? headers : { ...headers, 'content-length': length };
    this.res.writeHead(status, withLength);
    this.res.end(bytes);
    countResponse(this.stats, status, length);
  }

  json(status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
    this.send(status, { 'content-type': JSON_TYPE, ...headers }, JSON.stringify(value));
  }

  /** Parses the request body as JSON; throws `BadRequest` on malformed or oversized bodies. */
  async readJson(): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new BadRequest('request body too large');
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new BadRequest('request body is not valid JSON');
    }
  }

  /**
   * Announces the full length, writes half, then destroys the socket once that half reached the
   * kernel: the client gets headers and a 200, and its body read fails ("terminated").
   */
  private sendTruncated(status: number, headers: OutgoingHttpHeaders, bytes: Buffer): void {
    const half = bytes.subarray(0, Math.floor(bytes.length / 2));
    this.res.writeHead(status, { ...headers, 'content-length': bytes.length });
    this.res.write(half, () => this.res.socket?.destroy());
    countResponse(this.stats, status, half.length);
    this.stats.faultsInjected.truncate++;
  }
}

/** A strong validator: a hash of the exact bytes served. */
export function strongEtag(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === bare);
}

export interface Representation {
  readonly body: string;
  readonly etag: string;
  readonly cacheControl: string;
  readonly lastModified?: Date;
  readonly contentType?: string;
  readonly extraHeaders?: OutgoingHttpHeaders;
}

/**
 * Answers a GET with a cacheable representation, or with a bodyless 304 when the client's
 * validator still matches. If-Modified-Since is only consulted without If-None-Match (RFC 9110 §13.1.3).
 */
export function sendRepresentation(ex: Exchange, rep: Representation): void {
  const validators: OutgoingHttpHeaders = { etag: rep.etag, 'cache-control': rep.cacheControl };
  const inm = ex.header('if-none-match');
  let notModified = etagMatches(inm, rep.etag);
  if (inm === undefined && rep.lastModified) {
    const ims = Date.parse(ex.header('if-modified-since') ?? '');
    notModified = !Number.isNaN(ims) && rep.lastModified.getTime() <= ims;
  }
  if (notModified) {
    ex.send(304, validators);
    return;
  }
  ex.send(
    200,
    {
      'content-type': rep.contentType ?? JSON_TYPE,
      ...validators,
      ...(rep.lastModified ? { 'last-modified': rep.lastModified.toUTCString() } : {}),
      ...rep.extraHeaders,
    },
    rep.body,
  );
}
