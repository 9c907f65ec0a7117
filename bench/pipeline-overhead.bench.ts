/**
 * Whole-pipeline overhead (DESIGN.md §7): sequential awaited GETs of an uncacheable resource over
 * loopback, each stack against raw `fetch` + `res.json()` (the floor). Budget: rxsync ≤ 1.15×.
 *
 * - The server is a tiny node:http server in a child process (see `startTinyServer`) answering a
 *   fixed ~60-byte JSON with `Cache-Control: no-store`: the demo server's routing and JWT checks
 *   would drown the client-side differences, and out of process it neither shares the client's
 *   event loop nor counts in the client's CPU time.
 * - Two measures per stack: wall time per request (what the app waits; the budget is on it) and
 *   the client process's CPU time per request (`process.cpuUsage()`: steadier when other work
 *   shares the machine).
 * - Every stack runs with everything it would have in an app (`contestants.ts`): rxsync with its
 *   default layers (dedupe, the memory cache, which must look the response up and find it
 *   unstorable, auth with a valid readable JWT, retry, a 10 s per-attempt timeout); axios with
 *   cache-interceptor, auth-refresh and retry; ky under TanStack `query()`; Angular HttpClient
 *   with an auth and a retry interceptor. The same retry budget and timeout for all.
 * - Fairness on a noisy 2-core machine: each stack is warmed up, then timed in rounds of
 *   {@link BATCH} requests, the stacks interleaved in a rotating order within every round; a
 *   stack's ratio is the median over rounds of (its µs / raw fetch's µs in the same round).
 * - The server counts what it receives, so a stack that answered from a cache would show.
 *
 * Standalone: `npx tsx bench/pipeline-overhead.bench.ts`.
 */
import { angularStack, axiosStack, bareObservableFetch, kyTanstackStack, rawFetch, rxsyncStack, type Stack, type StackConfig } from './contestants';
import * as rxsyncSource from '../lib';
import { loadBuiltRxsync } from './cache-built';
import { isMain, median, quantile, readableJwt, startTinyServer, verdict } from './harness';
import { type ScenarioResult, formatTable } from './report';

const BATCH = 100;
const ROUNDS = 61;
const WARMUP_MIN_REQUESTS = 400;
const WARMUP_MIN_MS = 600;
const BUDGET = 1.15;
const PATH = 'item';

interface Timing {
  readonly stack: Stack;
  /** Wall µs per request, one value per round. */
  readonly rounds: number[];
  /** Client CPU µs per request, one value per round. */
  readonly cpuRounds: number[];
  /** Requests the server saw per request sent during warm-up (1 = nothing answered locally). */
  serverPerRequest: number;
}

async function timeBatch(stack: Stack, count: number): Promise<{ wallUs: number; cpuUs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < count; i++) await stack.get(PATH);
  const wallUs = ((performance.now() - start) * 1000) / count;
  const used = process.cpuUsage(cpu);
  return { wallUs, cpuUs: (used.user + used.system) / count };
}

/** The pipeline-overhead scenario: µs per request and ratio to raw fetch per stack, verdict in `notes`. */
export async function pipelineOverheadScenario(): Promise<ScenarioResult> {
  const server = await startTinyServer();
  const nowSec = Math.floor(Date.now() / 1000);
  const config: StackConfig = {
    baseUrl: server.url,
    tokens: { accessToken: readableJwt({ sub: 'bench-user', exp: nowSec + 3600, iat: nowSec }), refreshToken: 'rt_unused' },
    // rxsync's defaults, given to every stack; nothing fails here, so they only have to be set.
    maxAttempts: 4,
    baseDelayMs: 1000,
    maxDelayMs: 30_000,
    timeoutMs: 10_000,
  };
  const rxsync = await loadBuiltRxsync();
  const stacks = [
    rawFetch(config),
    bareObservableFetch(config),
    rxsyncStack(config, rxsync),
    axiosStack(config),
    kyTanstackStack(config),
    angularStack(config),
    rxsyncStack(config, rxsyncSource, 'rxsync createApiClient (lib/ source under tsx, extra row)'),
  ];
  const timings: Timing[] = stacks.map((stack) => ({ stack, rounds: [], cpuRounds: [], serverPerRequest: 0 }));
  try {
    for (const timing of timings) {
      const before = await server.requests();
      let sent = 0;
      for (const start = performance.now(); sent < WARMUP_MIN_REQUESTS || performance.now() - start < WARMUP_MIN_MS; sent += 50) {
        await timeBatch(timing.stack, 50);
      }
      timing.serverPerRequest = ((await server.requests()) - before) / sent;
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order, and reverse it every other round, so no stack always follows the same one.
      const order = timings.map((_, i) => timings[(i + round) % timings.length]);
      if (round % 2 === 1) order.reverse();
      for (const timing of order) {
        const { wallUs, cpuUs } = await timeBatch(timing.stack, BATCH);
        timing.rounds.push(wallUs);
        timing.cpuRounds.push(cpuUs);
      }
    }
  } finally {
    for (const stack of stacks) stack.close();
    await server.close();
  }

  const floor = timings[0];
  const ratioRounds = (t: Timing): number[] => t.rounds.map((us, i) => us / floor.rounds[i]);
  const rows = timings.map((t) => {
    const ratios = ratioRounds(t);
    return {
      contestant: t.stack.name,
      'µs / request (median)': median(t.rounds),
      'µs over floor': median(t.rounds.map((us, i) => us - floor.rounds[i])),
      '× raw fetch (median)': median(ratios),
      '× raw fetch (p25–p75)': `${quantile(ratios, 0.25).toFixed(2)}–${quantile(ratios, 0.75).toFixed(2)}`,
      'client CPU µs / request': median(t.cpuRounds),
      'CPU × raw fetch': median(t.cpuRounds.map((us, i) => us / floor.cpuRounds[i])),
      'server req / req': t.serverPerRequest,
    };
  });
  const ours = timings[2];
  const oursRatio = median(ratioRounds(ours));
  const oursCpuRatio = median(ours.cpuRounds.map((us, i) => us / floor.cpuRounds[i]));
  const peers = timings.slice(3, 6);
  const bestPeer = Math.min(...peers.map((t) => median(ratioRounds(t))));
  return {
    title: 'Whole pipeline on an uncacheable loopback GET, vs raw fetch',
    rows,
    notes: [
      `${verdict(oursRatio <= BUDGET)} rxsync ≤ ${BUDGET}× raw fetch: ${oursRatio.toFixed(2)}× (${median(ours.rounds).toFixed(0)} µs vs ${median(floor.rounds).toFixed(0)} µs per request); client CPU ${oursCpuRatio.toFixed(2)}×`,
      `${verdict(oursRatio < bestPeer)} ahead of every peer: best peer ${bestPeer.toFixed(2)}×`,
      `${verdict(timings.every((t) => t.serverPerRequest === 1))} every request reached the server (no-store response; rxsync's cache layer stays on and finds it unstorable)`,
      `sequential awaited GETs; ${ROUNDS} rounds × ${BATCH} requests per stack, stacks interleaved in rotating order, after ≥ ${WARMUP_MIN_REQUESTS} requests and ≥ ${WARMUP_MIN_MS} ms of warm-up each; ratio = median over rounds of (stack / raw fetch in the same round)`,
      'server: node:http in a child process, fixed small JSON, keep-alive; same token, retry budget (4 attempts) and 10 s timeout for every stack; rxsync runs as built (esbuild bundle of lib/, as shipped), the last row is lib/ under tsx for reference',
    ],
  };
}

if (isMain(/pipeline-overhead\.bench\.[cm]?[jt]s$/)) {
  pipelineOverheadScenario().then(
    (result) => console.log(formatTable(result)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
