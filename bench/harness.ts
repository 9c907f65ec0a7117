/**
 * Shared plumbing of the network benchmarks (pipeline overhead, auth storm, flaky network):
 * a tiny loopback server on its own thread, a bounded-concurrency runner, JWT and statistics
 * helpers, and the budget verdict mark. No contestant code lives here (see `contestants.ts`).
 */
import { spawn } from 'node:child_process';

/** `✓` when a budget holds, `✗` when it does not. */
export const verdict = (ok: boolean): string => (ok ? '✓' : '✗');

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The value below which `p` (0..1) of the values lie (nearest rank). */
export function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/**
 * An unsigned JWT-shaped token whose claims any client can read (`exp` in seconds). The tiny
 * server never verifies it; it only has to look like what a real session holds.
 */
export function readableJwt(claims: { sub: string; exp: number; iat?: number }): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ iat: claims.iat ?? claims.exp - 3600, ...claims })}.c2lnbmF0dXJl`;
}

/**
 * Runs `count` tasks with at most `concurrency` in flight; resolves with each task's outcome
 * (never rejects), in task order.
 */
export async function runPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await task(i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** The answer of the tiny server: small, JSON, and never cacheable. */
export const TINY_BODY = JSON.stringify({ id: 1, name: 'bench item', price: 9.99, tags: ['a', 'b'] });

export interface TinyServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Requests answered so far (asks the server process). */
  requests(): Promise<number>;
  close(): Promise<void>;
}

const TINY_SERVER_SOURCE = `
  const http = require('node:http');
  const body = Buffer.from(process.env.TINY_BODY);
  const headers = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': body.length };
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(200, headers);
    res.end(body);
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (msg) => {
    if (msg === 'count') process.send({ requests });
    if (msg === 'close') { server.closeAllConnections(); server.close(() => process.exit(0)); }
  });
  process.on('disconnect', () => process.exit(0));
`;

/**
 * A minimal node:http server answering every request with {@link TINY_BODY} and
 * `Cache-Control: no-store`, in a child process: its cost never queues behind the client's
 * work on one event loop, and `process.cpuUsage()` in the benchmark measures the client alone.
 * Keep-alive is on, as with any real API. The child exits with its parent (IPC disconnect).
 */
export async function startTinyServer(): Promise<TinyServer> {
  const child = spawn(process.execPath, ['-e', TINY_SERVER_SOURCE], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, TINY_BODY, NODE_OPTIONS: '' },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`tiny server exited with ${code}`)));
    child.once('message', (msg) => resolve((msg as { port: number }).port));
  });
  child.removeAllListeners('exit');
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () =>
      new Promise<number>((resolve) => {
        child.once('message', (msg) => resolve((msg as { requests: number }).requests));
        child.send('count');
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send('close');
      }),
  };
}

/** True when this module's file is the script tsx/node was started with. */
export function isMain(fileName: RegExp): boolean {
  return fileName.test(process.argv[1] ?? '');
}
