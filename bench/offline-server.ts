/**
 * The loopback API of the offline benchmark: `POST /edits` with a JSON body `{ n, text }` applies
 * edit `n` once per Idempotency-Key (a request without a key is applied every time it arrives, as
 * any server does). Faults, decided per (edit, attempt) from a fixed hash so that every
 * contestant meets the same ones on the same edit's same attempt:
 *
 * | share | answer                                                                  |
 * | ----- | ----------------------------------------------------------------------- |
 * | 10 %  | `503`, nothing applied (no `Retry-After`)                                |
 * | 10 %  | applied (or replayed for a known key), then the socket is destroyed: the response is lost after commit |
 * | 80 %  | applied (or replayed for a known key), `201 { n }`                       |
 *
 * In-process (node:http on 127.0.0.1): the ledger is read directly, and every contestant drains
 * one request at a time, so the server's share of the event loop is small and the same for all.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const UNAVAILABLE_SHARE = 0.1;
export const LOST_AFTER_COMMIT_SHARE = 0.1;

/** What the server saw, for the verdicts. */
export interface Ledger {
  /** How many times each edit's side effect ran. */
  readonly applied: Map<number, number>;
  /** Edit numbers in the order their side effect first ran. */
  readonly order: number[];
  requests: number;
  /** `performance.now()` of each request's arrival. */
  readonly arrivals: number[];
  unavailable: number;
  lostAfterCommit: number;
  /** Requests that carried an Idempotency-Key already applied (answered without applying again). */
  replayedKeys: number;
}

export interface OfflineServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly ledger: Ledger;
  close(): Promise<void>;
}

/** A uniform number in [0, 1) from (edit, attempt): the same fault for every contestant. */
export function faultDraw(n: number, attempt: number): number {
  let h = Math.imul(n + 1, 0x9e3779b1) ^ Math.imul(attempt + 1, 0x85ebca77) ^ 0x5bd1e995;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

export async function startOfflineServer(): Promise<OfflineServer> {
  const ledger: Ledger = { applied: new Map(), order: [], requests: 0, arrivals: [], unavailable: 0, lostAfterCommit: 0, replayedKeys: 0 };
  const attempts = new Map<number, number>();
  const keys = new Set<string>();

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    ledger.requests++;
    ledger.arrivals.push(performance.now());
    const n = editNumber(raw);
    if (req.method !== 'POST' || req.url !== '/edits' || n === undefined) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad request"}');
      return;
    }
    const attempt = attempts.get(n) ?? 0;
    attempts.set(n, attempt + 1);
    const draw = faultDraw(n, attempt);
    if (draw < UNAVAILABLE_SHARE) {
      ledger.unavailable++;
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
      return;
    }
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string' && keys.has(key)) ledger.replayedKeys++;
    else {
      if (typeof key === 'string') keys.add(key);
      const count = ledger.applied.get(n) ?? 0;
      ledger.applied.set(n, count + 1);
      if (count === 0) ledger.order.push(n);
    }
    if (draw < UNAVAILABLE_SHARE + LOST_AFTER_COMMIT_SHARE) {
      ledger.lostAfterCommit++;
      req.socket.destroy();
      return;
    }
    const body = JSON.stringify({ n });
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ledger,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function editNumber(raw: string): number | undefined {
  try {
    const n = (JSON.parse(raw) as { n?: unknown }).n;
    return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}
