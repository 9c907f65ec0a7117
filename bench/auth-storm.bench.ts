/**
 * Auth storm (DESIGN.md §7): 100 concurrent GETs (`/items/1` … `/items/100`, distinct URLs, so no
 * stack can merge them) start while the session's access token is already expired. Per stack:
 * refresh calls, failed requests, and every request the demo server received (refresh included).
 *
 * Two sessions:
 * - **JWT, `exp` readable**: the token expired 10 s ago. A client that reads `exp` can refresh
 *   before sending anything: 1 refresh + 100 requests = 101. rxsync budget: 1 refresh, 0 errors,
 *   ≤ 101 server requests.
 * - **opaque token** (`exp` unreadable): only the server's 401 tells. Best case: 100 × 401, one
 *   refresh, 100 re-sends = 201. rxsync budget: 1 refresh, 0 errors, ≤ 201.
 *
 * The server rotates refresh tokens: a refresh token used twice revokes the session (RFC 9700
 * §4.14.2), so a client that refreshes twice with the same token loses its session and errors.
 * Stacks (see `contestants.ts`): rxsync; axios + axios-auth-refresh (+ cache-interceptor and
 * retry, the same instance as everywhere, with the `deduplicateRefresh: false` workaround; its
 * documented default is an extra row); ky with the README's `afterResponse` 401 →
 * `ky.retry()` hook and one shared refresh promise; Angular HttpClient with the common
 * BehaviorSubject refresh gate in a functional interceptor. Each (stack, session) pair runs
 * {@link TRIALS} times on a fresh session and client; the table lists every trial (`a/b/c`).
 * The demo server adds {@link LATENCY_MS} ms before answering anything (a mobile round trip
 * keeps the 100 requests in flight together, as on a phone).
 *
 * Standalone: `npx tsx bench/auth-storm.bench.ts`.
 */
import { randomUUID } from 'node:crypto';
import { type DemoServer, startDemoServer } from '../demo/server';
import { loadBuiltRxsync, type Rxsync } from './cache-built';
import { angularStack, axiosStack, kyStack, rxsyncStack, type Stack, type StackConfig, type Tokens } from './contestants';
import { isMain, verdict } from './harness';
import { type ScenarioResult, formatTable } from './report';

const CONCURRENT = 100;
const TRIALS = 5;
const LATENCY_MS = 20;

type Session = 'jwt' | 'opaque';

const SESSION_LABEL: Record<Session, string> = {
  jwt: 'JWT, exp readable (expired 10 s ago)',
  opaque: 'opaque (exp unreadable, 401 needed)',
};

interface Trial {
  readonly refreshes: number;
  readonly errors: number;
  readonly requests: number;
  readonly unauthorized: number;
  readonly ms: number;
}

interface Contestant {
  readonly name: string;
  make(config: StackConfig): Stack;
}

async function sessionTokens(server: DemoServer, session: Session): Promise<Tokens> {
  if (session === 'jwt') return server.issueTokens({ expiresInSec: -10 });
  // A token the server does not accept and the client cannot read: an expired opaque token.
  const { refreshToken } = await server.issueTokens();
  return { accessToken: `opaque-${randomUUID()}`, refreshToken };
}

async function runTrial(server: DemoServer, contestant: Contestant, session: Session): Promise<Trial> {
  const tokens = await sessionTokens(server, session);
  const stack = contestant.make({ baseUrl: server.url, tokens, maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 40, timeoutMs: 5_000 });
  server.resetStats();
  const start = performance.now();
  try {
    const results = await Promise.allSettled(Array.from({ length: CONCURRENT }, (_, i) => stack.get(`items/${i + 1}`)));
    const ms = performance.now() - start;
    const errors = results.filter((r, i) => r.status === 'rejected' || (r.value as { id?: unknown }).id !== String(i + 1)).length;
    return { refreshes: server.stats.refreshCalls, errors, requests: server.stats.requests, unauthorized: server.stats.statuses[401] ?? 0, ms };
  } finally {
    stack.close();
  }
}

/** The auth-storm scenario: one row per (stack, session), every trial listed; verdicts in `notes`. */
export async function authStormScenario(): Promise<ScenarioResult> {
  const rxsync: Rxsync = await loadBuiltRxsync();
  const contestants: Contestant[] = [
    { name: 'rxsync createApiClient', make: (config) => rxsyncStack(config, rxsync) },
    { name: 'axios + axios-auth-refresh (+ retry, cache)', make: (config) => axiosStack(config) },
    { name: 'ky (afterResponse 401 → ky.retry, shared refresh)', make: kyStack },
    { name: 'Angular HttpClient (BehaviorSubject refresh gate)', make: angularStack },
    {
      name: 'extra row: axios-auth-refresh with its default deduplicateRefresh: true (issue #307)',
      make: (config) => axiosStack(config, { deduplicateRefresh: true }),
    },
  ];
  const server = await startDemoServer({ itemCount: CONCURRENT, accessTokenTtlSec: 600, latencyMs: LATENCY_MS });
  const rows: Array<Record<string, string | number>> = [];
  const ours = new Map<Session, Trial[]>();
  try {
    for (const session of ['jwt', 'opaque'] as const) {
      for (const contestant of contestants) {
        const trials: Trial[] = [];
        for (let i = 0; i < TRIALS; i++) trials.push(await runTrial(server, contestant, session));
        if (contestant === contestants[0]) ours.set(session, trials);
        const all = (pick: (t: Trial) => number): string => trials.map(pick).join('/');
        rows.push({
          contestant: contestant.name,
          session: SESSION_LABEL[session],
          'refresh calls': all((t) => t.refreshes),
          errors: all((t) => t.errors),
          'server requests': all((t) => t.requests),
          '401 answers': all((t) => t.unauthorized),
          'ms (median)': trials.map((t) => t.ms).sort((a, b) => a - b)[TRIALS >> 1],
        });
      }
    }
  } finally {
    await server.close();
  }
  const budget = (session: Session, maxRequests: number): string => {
    const trials = ours.get(session)!;
    const worst = (pick: (t: Trial) => number): number => Math.max(...trials.map(pick));
    const ok = trials.every((t) => t.refreshes === 1 && t.errors === 0 && t.requests <= maxRequests);
    return `${verdict(ok)} rxsync, ${SESSION_LABEL[session]}: 1 refresh, 0 errors, ≤ ${maxRequests} server requests — worst of ${TRIALS}: ${worst((t) => t.refreshes)} refresh, ${worst((t) => t.errors)} errors, ${worst((t) => t.requests)} requests`;
  };
  return {
    title: `Auth storm: ${CONCURRENT} concurrent requests with an expired access token`,
    rows,
    notes: [
      budget('jwt', CONCURRENT + 1),
      budget('opaque', 2 * CONCURRENT + 1),
      `each cell lists ${TRIALS} trials (fresh session and client each); server requests include the refresh calls; demo server latency ${LATENCY_MS} ms; refresh tokens rotate (a reused one revokes the session)`,
      'errors = requests that did not resolve with their item; the peers run their documented recipes (contestants.ts), none of which can read a JWT exp, so they always pay the 401 round',
    ],
  };
}

if (isMain(/auth-storm\.bench\.[cm]?[jt]s$/)) {
  authStormScenario().then(
    (result) => console.log(formatTable(result)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
