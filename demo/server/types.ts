/**
 * The demo backend's public contract, in one file so the demo, the benchmarks and the
 * integration tests import types without pulling in node:http.
 */

export interface DemoServerOptions {
  /** Lifetime of issued access tokens. Default 60 s: short, so the demo shows refreshes. */
  accessTokenTtlSec?: number;
  /** Seed of the PRNG that decides faults, so a flaky run can be replayed exactly. Default 0x5eed. */
  seed?: number;
  /** Number of items the store starts with. Default 20. */
  itemCount?: number;
  /** Delay added before every request is handled (a slow mobile link). Default 0. */
  latencyMs?: number;
}

/**
 * Fault probabilities are for disjoint outcomes decided with one PRNG draw per request, so their
 * sum must stay ≤ 1 (`setFaults` throws a RangeError otherwise).
 */
export interface FaultKnobs {
  /** Probability of a 503 with no Retry-After. */
  errorRate: number;
  /** Probability the socket is reset before answering (ECONNRESET at the client). */
  resetRate: number;
  /** Probability the request never gets an answer (until `close`). */
  hangRate: number;
  /** Probability of a 429 carrying `Retry-After: retryAfterSec`. */
  rateLimitRate: number;
  retryAfterSec: number;
  /** The next N fault-eligible requests answer 503, then normal service resumes. */
  burst503: number;
  /** Probability a 2xx JSON body is cut off mid-transfer (Content-Length larger than what is sent). */
  truncateRate: number;
  /**
   * The next N mutations are applied, then their answer is cut off mid-body: the client cannot
   * tell whether the write happened (the "lost after commit" case Idempotency-Key exists for).
   */
  loseMutationAnswers: number;
  /** Probability of a 200 text/html sign-in page instead of the API's answer. */
  captivePortalRate: number;
  /** Every fault-eligible request answers 503 while true. */
  outage: boolean;
  /** `POST /auth/refresh` answers 401 `{ error: 'invalid_grant' }` while true. */
  refreshFails: boolean;
  /** `POST /auth/refresh` answers 200 `{ ok: true }` (no tokens) while true. */
  refreshGarbage: boolean;
  /** Apply the network faults above to `/auth/*` too (default false: only API routes). */
  faultsOnAuth: boolean;
}

export type FaultKind = 'error' | 'reset' | 'hang' | 'rateLimit' | 'burst503' | 'truncate' | 'captivePortal' | 'outage' | 'refreshFails' | 'refreshGarbage';

/** Live counters: the same object is updated in place (also by `resetStats`), so a reference stays current. */
export interface DemoStats {
  /** Every request received, faulted ones included (the "server requests" of the benchmarks). */
  readonly requests: number;
  /** Per route key such as `'GET /items/:id'`; unmatched paths count under `'<METHOD> (unmatched)'`. */
  readonly requestsByRoute: Readonly<Record<string, number>>;
  readonly refreshCalls: number;
  readonly logins: number;
  /** Responses written, by status code (resets and hangs write none). */
  readonly statuses: Readonly<Record<number, number>>;
  /** Response body bytes actually written (headers excluded; a truncated body counts what was sent). */
  readonly bytesSent: number;
  /** 304 responses. */
  readonly notModified: number;
  readonly faultsInjected: Readonly<Record<FaultKind, number>>;
  /** Mutations answered from the Idempotency-Key store instead of being applied again. */
  readonly idempotentReplays: number;
  /** Every mutation the server actually applied, in order (a replayed key adds nothing). */
  readonly mutationsApplied: readonly AppliedMutation[];
}

export interface AppliedMutation {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey: string | undefined;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface DemoServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly stats: DemoStats;
  /** Merges the given knobs into the current ones; `burst503` (re)arms the countdown. */
  setFaults(faults: Partial<FaultKnobs>): void;
  resetStats(): void;
  /** Tokens for tests, e.g. `{ expiresInSec: -10 }` for an already-expired access token. Default sub 'demo-user'. */
  issueTokens(opts?: { sub?: string; expiresInSec?: number }): Promise<TokenPair>;
  /** Closes the server and every socket, hung requests included. Idempotent. */
  close(): Promise<void>;
}
