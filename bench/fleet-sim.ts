/**
 * A virtual-time fleet simulation (no sockets, no timers): {@link CLIENTS} phones against one
 * backend of fixed capacity that fails for {@link OUTAGE_S} s and then recovers. Each strategy's
 * retry decisions are rxsync's own pure functions (`backoffDelay`, the A6 budget, the breaker), so
 * the simulation measures the shipped rules, not a re-implementation of them.
 *
 * The backend model (why an outage can outlive its cause, a "metastable failure"):
 * - healthy: FIFO, {@link CAPACITY_PER_S} requests/s. A request waits for the ones before it; one
 *   whose wait exceeds the client's {@link TIMEOUT_MS} still costs the server its work, but the
 *   client has given up (a timeout, retried like any failure). A queue longer than
 *   {@link MAX_QUEUE_S} s of work is shed with a fast 503.
 * - failing (the outage): every request fails at once with a 503 (no Retry-After: a hard failure,
 *   so server pushback plays no part here).
 * Once retries push the offered load above capacity, waits pass the client timeout, every answer
 * arrives too late, every call fails and is retried: the backend is busy and useless until the
 * clients back off. "Healthy" = a second in which ≥ 95 % of arriving requests are answered in time.
 *
 * Clients: each sends a call every {@link CALL_INTERVAL_MS} ms (random phase), {@link MAX_ATTEMPTS}
 * attempts, backoff 1 s · 2ⁿ⁻¹ (rxsync's defaults), per-attempt timeout {@link TIMEOUT_MS} ms.
 */
import { admit, CLOSED, type BreakerState } from '../lib/fleet/circuit-breaker';
import { DEFAULT_CIRCUIT_BREAKER, DEFAULT_RETRY_BUDGET, type CircuitBreakerConfig, type RetryBudgetConfig } from '../lib/fleet/fleet-config';
import { afterAttempt } from '../lib/fleet/fleet-outcome';
import { retriesAllowed } from '../lib/fleet/retry-budget';
import { backoffDelay } from '../lib/retry/backoff';
import { DEFAULT_RETRY_CONFIG, resolveRetryConfig } from '../lib/retry/retry-config';

export const CLIENTS = 100_000;
export const CALL_INTERVAL_MS = 10_000;
export const CAPACITY_PER_S = 15_000; // 1.5 × the fleet's normal 10,000 requests/s
export const TIMEOUT_MS = 2_000;
export const MAX_QUEUE_S = 5;
export const OUTAGE_START_S = 20;
export const OUTAGE_S = 60;
export const DURATION_S = 160;
export const MAX_ATTEMPTS = DEFAULT_RETRY_CONFIG.maxAttempts;
const TICK_MS = 10;
const NETWORK_MS = 20;

/** A client's retry rules: rxsync's fleet safety on or off, and the jitter. */
export interface Strategy {
  readonly name: string;
  readonly fleet: boolean;
  readonly jitter: 'none' | 'full';
  readonly budget?: Partial<RetryBudgetConfig>;
  readonly breaker?: Partial<CircuitBreakerConfig>;
  /** The failing backend answers `Retry-After: n` (seconds); rxsync pauses every retry of the client until then. */
  readonly retryAfterS?: number;
}

export const STRATEGIES: readonly Strategy[] = [
  { name: 'rxsync defaults (full jitter, budget, breaker)', fleet: true, jitter: 'full' },
  { name: 'per-request retries, no budget, no jitter (rxsync before, the peers)', fleet: false, jitter: 'none' },
  { name: 'full jitter alone (no budget, no breaker)', fleet: false, jitter: 'full' },
  { name: 'rxsync with budget: { maxTokens: 10 } [extra: the default before 4, gRFC A6 example]', fleet: true, jitter: 'full', budget: { maxTokens: 10 } },
  { name: 'rxsync defaults, the failing backend sends Retry-After: 20 [extra: server pushback]', fleet: true, jitter: 'full', retryAfterS: 20 },
];

export interface SimResult {
  readonly strategy: string;
  /** Requests arriving at the backend, per second of the run. */
  readonly arrivalsPerS: readonly number[];
  /** Requests answered in time, per second. */
  readonly goodPerS: readonly number[];
  readonly callsPerS: readonly number[];
  readonly callsFailed: number;
  readonly callsFailedOutside: number;
  readonly callsOutside: number;
}

/** A small seeded PRNG (mulberry32): the same run every time. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NEW_CALL = 0;
const SEND = 1;
const OK = 2;
const FAIL = 3;

export function simulate(strategy: Strategy, seed = 1): SimResult {
  const random = prng(seed);
  const fleetSafety = strategy.fleet;
  const retry = resolveRetryConfig({ jitter: strategy.jitter });
  const BUDGET: RetryBudgetConfig = { ...DEFAULT_RETRY_BUDGET, ...strategy.budget };
  const BREAKER: CircuitBreakerConfig = { ...DEFAULT_CIRCUIT_BREAKER, ...strategy.breaker };
  const CONFIG = { budget: BUDGET, breaker: BREAKER };
  const ticks = (DURATION_S * 1000) / TICK_MS;
  const wheel: number[][] = Array.from({ length: ticks + 1 }, () => []);
  const at = (timeMs: number, event: number): void => {
    const tick = Math.ceil(timeMs / TICK_MS);
    if (tick <= ticks) wheel[tick].push(event);
  };

  const maxCalls = Math.ceil((CLIENTS * DURATION_S * 1000) / CALL_INTERVAL_MS) + CLIENTS;
  const callClient = new Int32Array(maxCalls);
  const callAttempt = new Uint8Array(maxCalls);
  const callProbe = new Uint8Array(maxCalls);
  const callStartS = new Uint16Array(maxCalls);
  let calls = 0;

  const tokens = new Float64Array(CLIENTS).fill(BUDGET.maxTokens);
  const pausedUntil = new Float64Array(CLIENTS);
  const callPushback = new Uint8Array(maxCalls);
  const breakers: BreakerState[] = new Array<BreakerState>(CLIENTS).fill(CLOSED);
  // Calls refused while their client's probe is in flight wait for its verdict (rxsync's fleet
  // layer); the verdict always comes within their own timeout, as the probe started before them.
  const waiting = new Map<number, number[]>();

  const arrivals = new Array<number>(DURATION_S).fill(0);
  const good = new Array<number>(DURATION_S).fill(0);
  const callsPerS = new Array<number>(DURATION_S).fill(0);
  let callsFailed = 0;
  let callsFailedOutside = 0;
  let callsOutside = 0;
  const outageStart = OUTAGE_START_S * 1000;
  const outageEnd = (OUTAGE_START_S + OUTAGE_S) * 1000;
  const inOutage = (s: number): boolean => s >= OUTAGE_START_S && s < OUTAGE_START_S + OUTAGE_S;

  // The backend: when the next request could start being served (FIFO, fixed capacity).
  const serviceMs = 1000 / CAPACITY_PER_S;
  let busyUntil = 0;

  for (let c = 0; c < CLIENTS; c++) at(random() * CALL_INTERVAL_MS, c * 4 + NEW_CALL);

  const endCall = (call: number, ok: boolean): void => {
    if (ok) return;
    callsFailed++;
    if (!inOutage(callStartS[call])) callsFailedOutside++;
  };

  const failedAttempt = (call: number, now: number, refused: { nextProbeAt: number | undefined } | undefined): void => {
    const attempt = callAttempt[call];
    if (attempt >= MAX_ATTEMPTS) return endCall(call, false);
    const own = backoffDelay(attempt, retry, random);
    let delay = own;
    const client = callClient[call];
    if (callPushback[call] === 1 && strategy.retryAfterS !== undefined) {
      // A 503 with Retry-After: this request waits as told plus its jittered backoff (decideRetry),
      // and every retry of the client waits for the pause too (limitRetry).
      pausedUntil[client] = Math.max(pausedUntil[client], now + strategy.retryAfterS * 1000);
      delay = strategy.retryAfterS * 1000 + own;
    } else if (!refused && pausedUntil[client] - now > delay) delay = pausedUntil[client] - now + own;
    if (delay > retry.maxRetryAfterMs) return endCall(call, false);
    if (refused)
      delay = Math.max(delay, (refused.nextProbeAt ?? now) - now); // waits for the probe, as rxsync's retry layer does
    else if (fleetSafety && !retriesAllowed(tokens[callClient[call]], BUDGET)) return endCall(call, false);
    at(now + delay, call * 4 + SEND);
  };

  for (let tick = 0; tick <= ticks; tick++) {
    const now = tick * TICK_MS;
    const events = wheel[tick];
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const kind = event & 3;
      const id = event >>> 2;
      if (kind === NEW_CALL) {
        const call = calls++;
        callClient[call] = id;
        callAttempt[call] = 0;
        const second = Math.floor(now / 1000);
        callStartS[call] = second;
        if (second < DURATION_S) callsPerS[second]++;
        if (!inOutage(second)) callsOutside++;
        at(now + CALL_INTERVAL_MS, id * 4 + NEW_CALL);
        events.push(call * 4 + SEND); // this tick
      } else if (kind === SEND) {
        const client = callClient[id];
        callAttempt[id]++;
        callProbe[id] = 0;
        if (fleetSafety) {
          const admission = admit(breakers[client], now);
          breakers[client] = admission.state;
          if (admission.verdict === 'reject' && admission.state.kind === 'half-open') {
            callAttempt[id]--; // the wait costs no attempt
            const list = waiting.get(client);
            if (list) list.push(id);
            else waiting.set(client, [id]);
            continue;
          }
          if (admission.verdict === 'reject') {
            failedAttempt(id, now, { nextProbeAt: admission.nextProbeAt });
            continue;
          }
          if (admission.verdict === 'probe') callProbe[id] = 1;
        }
        const arrive = now + NETWORK_MS / 2;
        const second = Math.floor(arrive / 1000);
        if (second < DURATION_S) arrivals[second]++;
        callPushback[id] = 0;
        if (arrive >= outageStart && arrive < outageEnd) {
          callPushback[id] = 1;
          at(arrive + NETWORK_MS / 2, id * 4 + FAIL);
          continue;
        }
        const start = Math.max(arrive, busyUntil);
        if (start - arrive > MAX_QUEUE_S * 1000) {
          at(arrive + NETWORK_MS / 2, id * 4 + FAIL); // shed at the door
          continue;
        }
        busyUntil = start + serviceMs;
        const answered = busyUntil + NETWORK_MS / 2;
        // Queued work that the outage catches fails when it starts.
        if (arrive < outageStart && busyUntil > outageStart) at(outageStart, id * 4 + FAIL);
        else if (answered - now > TIMEOUT_MS) at(now + TIMEOUT_MS, id * 4 + FAIL);
        else {
          if (second < DURATION_S) good[second]++;
          at(answered, id * 4 + OK);
        }
      } else {
        const client = callClient[id];
        const ok = kind === OK;
        if (fleetSafety) {
          const after = afterAttempt(
            { tokens: tokens[client], breaker: breakers[client] },
            ok ? 'success' : 'failure',
            callProbe[id] === 1,
            now,
            CONFIG,
            random,
          );
          tokens[client] = after.tokens;
          const verdict = breakers[client].kind === 'half-open' && after.breaker.kind !== 'half-open';
          breakers[client] = after.breaker;
          const list = verdict ? waiting.get(client) : undefined;
          if (list) {
            waiting.delete(client);
            for (const waiter of list) events.push(waiter * 4 + SEND); // asks the breaker again, this tick
          }
        }
        if (ok) endCall(id, true);
        else failedAttempt(id, now, undefined);
      }
    }
    wheel[tick] = [];
  }
  return { strategy: strategy.name, arrivalsPerS: arrivals, goodPerS: good, callsPerS, callsFailed, callsFailedOutside, callsOutside };
}

/** Summary figures of one run, for the table. */
export function summarize(result: SimResult): Record<string, string | number> {
  const normal = mean(result.arrivalsPerS.slice(5, OUTAGE_START_S));
  const outage = result.arrivalsPerS.slice(OUTAGE_START_S, OUTAGE_START_S + OUTAGE_S);
  const outageCalls = sum(result.callsPerS.slice(OUTAGE_START_S, OUTAGE_START_S + OUTAGE_S));
  const recovery = OUTAGE_START_S + OUTAGE_S;
  let healthyAt: number | undefined;
  for (let s = recovery; s < DURATION_S; s++) {
    const healthy = (i: number): boolean => result.arrivalsPerS[i] > 0 && result.goodPerS[i] >= 0.95 * result.arrivalsPerS[i];
    // healthy from this second on for the rest of the run
    let stays = true;
    for (let j = s; j < DURATION_S && stays; j++) stays = healthy(j);
    if (stays) {
      healthyAt = s;
      break;
    }
  }
  const after = result.arrivalsPerS.slice(recovery, DURATION_S);
  return {
    strategy: result.strategy,
    'normal load req/s': Math.round(normal),
    'outage load ÷ normal (mean)': mean(outage) / normal,
    'outage load ÷ normal (peak 1 s)': Math.max(...outage) / normal,
    'server requests ÷ calls in outage': sum(outage) / outageCalls,
    'peak load after recovery ÷ capacity': Math.max(...after) / CAPACITY_PER_S,
    'healthy again after recovery': healthyAt === undefined ? `not within ${DURATION_S - recovery} s` : `${healthyAt - recovery} s`,
    'calls failed outside the outage': `${((100 * result.callsFailedOutside) / result.callsOutside).toFixed(2)} %`,
  };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const mean = (values: readonly number[]): number => sum(values) / values.length;
