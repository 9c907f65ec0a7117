/**
 * Outage on loopback (DESIGN.md §7): {@link CLIENTS} clients of each stack (one client instance
 * per phone), each sending a GET every {@link CALL_EVERY_MS} ms, against the demo server, which
 * answers every request with a 503 (no `Retry-After`) for {@link OUTAGE_MS} ms. Per stack:
 * server requests ÷ calls the apps issued during the outage, recovery time (per client, from the
 * first moment after the outage it had a call outstanding to its first success, median and worst),
 * and the success of calls outside the outage, the outage bounded by the moments the server
 * switched (on a loaded machine its timers fire late).
 *
 * Every stack gets the same retry rules, scaled by ÷10 from rxsync's defaults so the run is short:
 * {@link MAX_ATTEMPTS} attempts, backoff 100 / 200 / 400 ms, 1 s per-attempt timeout. Peers retry
 * without jitter (their documented configs, see `contestants.ts`); rxsync runs its defaults
 * (full jitter, retry budget, circuit breaker) with the breaker's 3 s break scaled to 300 ms. A
 * labelled extra row shows rxsync with `fleet: false` (retries per request, as before).
 * Standalone: `npx tsx bench/outage.bench.ts`.
 */
import { type DemoServer, startDemoServer } from '../demo/server';
import { loadBuiltRxsync } from './cache-built';
import { angularStack, axiosStack, kyStack, rxsyncStack, type Stack, type StackConfig } from './contestants';
import { isMain, median, verdict } from './harness';
import { type ScenarioResult, formatTable } from './report';

const CLIENTS = 200;
const CALL_EVERY_MS = 250;
const WARMUP_MS = 1000;
const OUTAGE_MS = 2000;
const AFTER_MS = 2000;
const MAX_ATTEMPTS = 4;
const BASE_DELAY_MS = 100;
const SCALE = 10; // rxsync's defaults ÷ 10
const RATIO_BUDGET = 1.2;

interface Call {
  readonly client: number;
  readonly start: number;
  end: number;
  ok: boolean;
  kind?: string;
}

interface Outcome {
  readonly outageCalls: number;
  readonly outageRequests: number;
  readonly totalRequests: number;
  readonly recoveryMedianMs: number;
  readonly recoveryMaxMs: number;
  /** Clients with no call outstanding after the outage: nothing to recover, left out of the recovery times. */
  readonly idleClients: number;
  readonly outsideCalls: number;
  readonly outsideOk: number;
  readonly errorKinds: string;
  /** Failed calls outside the outage, by kind and by when they were issued. */
  readonly outsideFailures: string;
  /** How late the outage's timers fired (ms): under load they drift, and the bench counts from the real switch. */
  readonly driftMs: number;
}

async function run(make: (config: StackConfig, i: number) => Stack): Promise<Outcome> {
  const server: DemoServer = await startDemoServer({ accessTokenTtlSec: 3600, itemCount: 20 });
  const tokens = await server.issueTokens();
  const config: StackConfig = {
    baseUrl: server.url,
    tokens,
    maxAttempts: MAX_ATTEMPTS,
    baseDelayMs: BASE_DELAY_MS,
    maxDelayMs: 30_000 / SCALE,
    timeoutMs: 10_000 / SCALE,
  };
  const stacks = Array.from({ length: CLIENTS }, (_, i) => make(config, i));
  // Warm-up, not measured: every client opens its connection and every code path is compiled,
  // so no stack pays the cold start of the process (the first of them would pay it alone).
  for (let round = 0; round < 3; round++) await Promise.allSettled(stacks.map((stack, i) => stack.get(`items/${(i % 20) + 1}?cc=no-store&warm=${round}`)));
  const calls: Call[] = [];
  const errorKinds = new Map<string, number>();
  const pending: Promise<void>[] = [];
  server.resetStats();
  const t0 = performance.now();
  // The times the server actually switched, not the timers' nominal ones: on a loaded machine a
  // timer fires hundreds of ms late, and a call issued between the nominal end and the real one
  // still meets the outage.
  let outageStart = Infinity;
  let outageEnd = Infinity;
  // The apps call on for AFTER_MS after the real end, so a late end still leaves the recovery its window.
  let stopAt = Infinity;
  let finished = (): void => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  let outageRequestsAtStart = 0;
  let outageRequests = 0;
  const timers: NodeJS.Timeout[] = [];
  timers.push(
    setTimeout(() => {
      outageStart = performance.now() - t0;
      outageRequestsAtStart = server.stats.requests;
      server.setFaults({ outage: true });
    }, WARMUP_MS),
    setTimeout(() => {
      outageEnd = performance.now() - t0;
      outageRequests = server.stats.requests - outageRequestsAtStart;
      server.setFaults({ outage: false });
      stopAt = outageEnd + AFTER_MS;
      timers.push(setTimeout(finished, AFTER_MS));
    }, WARMUP_MS + OUTAGE_MS),
  );
  let n = 0;
  {
    stacks.forEach((stack, client) => {
      const phase = (client * CALL_EVERY_MS) / CLIENTS; // spread evenly over one interval
      const tick = (): void => {
        const now = performance.now() - t0;
        if (now >= stopAt) return;
        const call: Call = { client, start: now, end: NaN, ok: false };
        calls.push(call);
        pending.push(
          stack.get(`items/${(client % 20) + 1}?cc=no-store&n=${n++}`).then(
            () => {
              call.ok = true;
              call.end = performance.now() - t0;
            },
            (error: unknown) => {
              call.end = performance.now() - t0;
              const e = error as { name?: string; status?: number; code?: string; message?: string };
              const kind = `${e.name ?? 'Error'} ${e.status ?? e.code ?? ''}`;
              call.kind = kind.trim();
              errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
              if (process.env['OUTAGE_DEBUG'] && errorKinds.get(kind) === 1) console.error(call.start.toFixed(0), e.message);
            },
          ),
        );
        timers.push(setTimeout(tick, CALL_EVERY_MS));
      };
      timers.push(setTimeout(tick, phase));
    });
    await done;
  }
  await Promise.all(pending);
  for (const timer of timers) clearTimeout(timer);
  const totalRequests = server.stats.requests;
  for (const stack of stacks) stack.close();
  await server.close();

  // Recovery per client: from the moment after the outage at which the client wanted an answer
  // to its first success. It wanted one from the outage's end if a call it issued during the
  // outage was still waiting then and got its answer, else from its first call issued after the
  // end (the time before that call is the app's idle phase, not the library's recovery). A call
  // of the outage that gave up after it is the outage's failure, counted there. A client that
  // issued nothing after the outage has nothing to recover: left out and counted, not scored as
  // never recovered; one that asked and never got an answer scores Infinity.
  const recoveries: number[] = [];
  let idleClients = 0;
  for (let client = 0; client < CLIENTS; client++) {
    const mine = calls.filter((c) => c.client === client && c.end >= outageEnd);
    const issuedAfter = mine.filter((c) => c.start >= outageEnd);
    if (issuedAfter.length === 0) {
      idleClients++;
      continue;
    }
    const waitedThrough = mine.some((c) => c.start < outageEnd && c.ok);
    const wanted = waitedThrough ? outageEnd : Math.min(...issuedAfter.map((c) => c.start));
    const first = mine.filter((c) => c.ok).reduce((min, c) => Math.min(min, c.end), Infinity);
    recoveries.push(first - wanted);
  }
  // Outside the outage: calls answered before it began, and calls issued after it ended.
  const outside = calls.filter((c) => c.end < outageStart || c.start >= outageEnd);
  const outsideFailures = new Map<string, number>();
  for (const c of outside) {
    if (c.ok) continue;
    const when = c.end < outageStart ? 'before' : `issued +${Math.floor((c.start - outageEnd) / 250) * 250} ms after`;
    const key = `${c.kind ?? 'Error'} ${when}`;
    outsideFailures.set(key, (outsideFailures.get(key) ?? 0) + 1);
  }
  return {
    outageCalls: calls.filter((c) => c.start >= outageStart && c.start < outageEnd).length,
    outageRequests,
    totalRequests,
    recoveryMedianMs: median(recoveries),
    recoveryMaxMs: Math.max(...recoveries),
    idleClients,
    outsideCalls: outside.length,
    outsideOk: outside.filter((c) => c.ok).length,
    errorKinds: [...errorKinds].map(([k, v]) => `${v}× ${k.trim()}`).join(', '),
    outsideFailures: [...outsideFailures].map(([k, v]) => `${v}× ${k}`).join(', '),
    driftMs: Math.max(outageStart - WARMUP_MS, outageEnd - WARMUP_MS - OUTAGE_MS),
  };
}

export async function outageScenario(): Promise<ScenarioResult> {
  const rxsync = await loadBuiltRxsync();
  // Both ends of the break scaled: with maxOpenMs left at its 3 s the scaled break would double after each failed probe.
  const fleet = { breaker: { openMs: 3000 / SCALE, maxOpenMs: 3000 / SCALE } };
  const contestants: Array<[string, (config: StackConfig, i: number) => Stack]> = [
    ['rxsync defaults (budget, breaker, full jitter)', (config) => rxsyncStack(config, rxsync, 'rxsync', { fleet, cache: false })],
    ['axios + axios-retry', (config) => axiosStack(config)],
    ['ky (retry)', (config) => kyStack(config)],
    ['Angular HttpClient (retry interceptor)', (config) => angularStack(config)],
    ['rxsync, fleet: false [extra: per-request retries, as before]', (config) => rxsyncStack(config, rxsync, 'rxsync', { fleet: false, cache: false })],
  ];
  const outcomes: Array<[string, Outcome]> = [];
  // Counted instead of crashing the run: a stack's stray AbortError of a timed-out attempt (see flaky.bench.ts).
  let unhandled = 0;
  const onUnhandled = (): void => {
    unhandled++;
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    for (const [name, make] of contestants) {
      const before = unhandled;
      const outcome = await run(make);
      outcomes.push([unhandled > before ? `${name} (${unhandled - before} unhandled rejections)` : name, outcome]);
    }
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  const rows = outcomes.map(([name, o]) => ({
    contestant: name,
    'calls in outage': o.outageCalls,
    'server requests in outage': o.outageRequests,
    'requests ÷ calls in outage': o.outageRequests / o.outageCalls,
    'recovery ms (median)': o.recoveryMedianMs,
    'recovery ms (worst client)': o.recoveryMaxMs,
    'success outside outage': `${((100 * o.outsideOk) / o.outsideCalls).toFixed(1)} %`,
    'failures outside outage': o.outsideFailures || '—',
    'server requests in all': o.totalRequests,
    'failures by kind': o.errorKinds || '—',
  }));
  const ours = outcomes[0][1];
  const ratio = ours.outageRequests / ours.outageCalls;
  const step = 4 * BASE_DELAY_MS; // the longest backoff wait
  return {
    title: `Outage: ${CLIENTS} clients, a GET every ${CALL_EVERY_MS} ms each, ${OUTAGE_MS / 1000} s of 503s`,
    rows,
    notes: [
      `${verdict(ratio <= RATIO_BUDGET)} rxsync ≤ ${RATIO_BUDGET}× server requests per call during the outage: ${ratio.toFixed(2)}× (${ours.outageRequests} / ${ours.outageCalls})`,
      `${verdict(ours.recoveryMaxMs <= step)} rxsync recovers within one backoff step (the longest, ${step} ms scaled; the breaker's break is ${3000 / SCALE} ms): median ${ours.recoveryMedianMs.toFixed(0)} ms, worst client ${ours.recoveryMaxMs.toFixed(0)} ms from wanting an answer after the outage to its first success`,
      `${verdict(ours.outsideOk === ours.outsideCalls)} rxsync 100 % success outside the outage: ${ours.outsideOk} / ${ours.outsideCalls}`,
      `outage bounds are the moments the server switched (its timers fired up to ${Math.max(...outcomes.map(([, o]) => o.driftMs)).toFixed(0)} ms late in this run) and the apps call on for ${AFTER_MS / 1000} s after the real end; recovery is per client, from the first moment after the outage it wanted an answer (a call of the outage still waiting that then succeeded, else its first call after) to its first success (clients with none are left out: ${outcomes.map(([, o]) => o.idleClients).join(' / ')} per row)`,
      `every stack: ${MAX_ATTEMPTS} attempts, backoff ${BASE_DELAY_MS}/${2 * BASE_DELAY_MS}/${4 * BASE_DELAY_MS} ms, ${10_000 / SCALE} ms per-attempt timeout (rxsync's defaults ÷ ${SCALE}); one client instance per simulated phone; the demo server in-process answers 503 without Retry-After during the outage`,
      'calls counted by when the app issued them; server requests by when they arrived',
    ],
  };
}

if (isMain(/outage\.bench\.[cm]?[jt]s$/)) {
  outageScenario().then(
    (result) => {
      console.log(formatTable(result));
      process.exit();
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
