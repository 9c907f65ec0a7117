/**
 * Offline replay (issue #8): {@link EDITS} edits made offline across {@link PROCESSES} app
 * processes, each killed after its share ({@link IDLE_BEFORE_KILL_MS} ms without an edit or a
 * storage write first, so that TanStack's 1 s persist throttle has flushed), then a fresh process on the same storage goes
 * online against a loopback server that answers 10 % of requests 503 and loses 10 % of responses
 * after committing (see `offline-server.ts`). Per contestant, from the server's ledger: edits
 * applied exactly once, lost (never applied, and the app was not told), duplicated, applied out of
 * order, given up by the client (rolled back / dead-lettered / failed: the app was told), time to
 * drain, and storage bytes per queued edit.
 *
 * Contestants and their setup: `offline-contestants.ts`. Budget (rxsync): 0 lost, 0 duplicated,
 * 0 out of order. Standalone: `npx tsx bench/offline.bench.ts`; in the suite: `npm run bench -- offline`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { onlineManager } from '@tanstack/query-core';
import { loadBuiltRxsync } from './cache-built';
import { type OfflineContestant, reduxOfflineContestant, rxsyncContestant, SCALE, tanstackContestant } from './offline-contestants';
import { Disk } from './offline-disk';
import { LOST_AFTER_COMMIT_SHARE, startOfflineServer, UNAVAILABLE_SHARE } from './offline-server';
import { isMain, verdict } from './harness';
import { type ScenarioResult, formatTable } from './report';

const EDITS = 500;
/** Processes that queue edits offline; each is killed, so there are as many restarts. */
const PROCESSES = 3;
const IDLE_BEFORE_KILL_MS = 1250;
const DRAIN_CUTOFF_MS = 20_000;
/** After the drain, how long late sends are still counted. */
const SETTLE_MS = 300;

interface Outcome {
  readonly exactlyOnce: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly outOfOrder: number;
  readonly gaveUp: number;
  /** Given up by the client although the server had applied them. */
  readonly gaveUpApplied: number;
  /** Edits the final process held before going online. */
  readonly heldAtReconnect: number;
  readonly drainMs: number;
  /** Still pending at the cutoff. */
  readonly stuck: number;
  readonly bytesPerEdit: number;
  readonly requests: number;
}

async function run(contestant: OfflineContestant): Promise<Outcome> {
  const server = await startOfflineServer();
  const disk = new Disk();
  const shared = { baseUrl: server.url, gaveUp: new Set<number>() };
  const share = Math.ceil(EDITS / PROCESSES);
  for (let proc = 0; proc < PROCESSES; proc++) {
    const app = contestant.start(disk.open(), shared);
    await app.ready;
    for (let n = proc * share; n < Math.min(EDITS, (proc + 1) * share); n++) app.edit(n);
    // Idle: no edit and no storage write (landed or on its way) for IDLE_BEFORE_KILL_MS. A fixed
    // sleep after the last edit is not enough on a loaded machine: TanStack's throttled write (up
    // to 1 s after the previous one) can land later than that, and a kill before it loses the
    // process's edits (measured at load average 18: 166 of 500 lost).
    const lastEdit = performance.now();
    while (disk.writesInFlight > 0 || performance.now() - Math.max(lastEdit, disk.lastWriteAt) < IDLE_BEFORE_KILL_MS) await sleep(50);
    app.kill();
  }
  const bytesPerEdit = disk.bytes() / EDITS;
  const app = contestant.start(disk.open(), shared);
  await app.ready;
  const heldAtReconnect = app.pending();
  const t0 = performance.now();
  app.online();
  while (app.pending() > 0 && performance.now() - t0 < DRAIN_CUTOFF_MS) await sleep(2);
  const drainMs = performance.now() - t0;
  const stuck = app.pending();
  await sleep(SETTLE_MS);
  app.close();
  await server.close();

  const { applied, order, requests } = server.ledger;
  if (process.env['OFFLINE_DEBUG']) {
    const gaps = server.ledger.arrivals.slice(1).map((t, i) => t - server.ledger.arrivals[i]);
    const big = gaps.filter((g) => g > 20);
    console.error(
      contestant.name,
      `${gaps.length} gaps, sum ${gaps.reduce((a, b) => a + b, 0).toFixed(0)} ms, ${big.length} over 20 ms summing ${big.reduce((a, b) => a + b, 0).toFixed(0)} ms, max ${Math.max(...gaps).toFixed(0)}`,
    );
  }
  let exactlyOnce = 0;
  let lost = 0;
  let duplicated = 0;
  let gaveUpApplied = 0;
  for (let n = 0; n < EDITS; n++) {
    const count = applied.get(n) ?? 0;
    if (count === 1) exactlyOnce++;
    if (count > 1) duplicated++;
    if (count === 0 && !shared.gaveUp.has(n)) lost++;
    if (count > 0 && shared.gaveUp.has(n)) gaveUpApplied++;
  }
  let highest = -1;
  let outOfOrder = 0;
  for (const n of order) {
    if (n < highest) outOfOrder++;
    highest = Math.max(highest, n);
  }
  return { exactlyOnce, lost, duplicated, outOfOrder, gaveUp: shared.gaveUp.size, gaveUpApplied, heldAtReconnect, drainMs, stuck, bytesPerEdit, requests };
}

export async function offlineScenario(): Promise<ScenarioResult> {
  const rxsync = await loadBuiltRxsync();
  const contestants = [rxsyncContestant(rxsync), tanstackContestant, reduxOfflineContestant];
  const outcomes: Array<[string, Outcome]> = [];
  try {
    for (const contestant of contestants) outcomes.push([contestant.name, await run(contestant)]);
  } finally {
    // TanStack's onlineManager is a module singleton: later scenarios of the run must find it online.
    onlineManager.setOnline(true);
  }

  const rows = outcomes.map(([name, o]) => ({
    contestant: name,
    'applied exactly once': o.exactlyOnce,
    lost: o.lost,
    duplicated: o.duplicated,
    'out of order': o.outOfOrder,
    'given up / rolled back by the client': o.gaveUp === 0 ? 0 : `${o.gaveUp} (${o.gaveUpApplied} of them applied)`,
    'held at reconnect': o.heldAtReconnect,
    'time to drain': o.stuck > 0 ? `> ${DRAIN_CUTOFF_MS / 1000} s (${o.stuck} still queued)` : `${(o.drainMs / 1000).toFixed(2)} s`,
    'storage bytes / edit': o.bytesPerEdit,
    'server requests': o.requests,
  }));
  const ours = outcomes[0][1];
  return {
    title: `Offline replay: ${EDITS} edits queued offline across ${PROCESSES} killed processes, then online; ${UNAVAILABLE_SHARE * 100} % 503 + ${LOST_AFTER_COMMIT_SHARE * 100} % responses lost after commit`,
    rows,
    notes: [
      `${verdict(ours.lost === 0)} rxsync 0 lost: ${ours.lost}`,
      `${verdict(ours.duplicated === 0)} rxsync 0 duplicated: ${ours.duplicated}`,
      `${verdict(ours.outOfOrder === 0)} rxsync 0 out of order: ${ours.outOfOrder}`,
      `${verdict(ours.stuck === 0 && ours.gaveUp === 0)} rxsync every edit applied (none given up, none stuck): ${ours.exactlyOnce} exactly once, ${ours.gaveUp} given up, ${ours.stuck} stuck`,
      'lost = never applied by the server and the app was not told; given up = the client reported the edit failed (redux-offline rollback, TanStack onError, rxsync dead letter), counted apart from lost. "of them applied": the server had committed the edit whose response was lost, and the app rolled it back',
      'out of order = edits whose first application came after that of a later edit; duplicated = applied more than once. The server honours Idempotency-Key; only rxsync sends one by default',
      `setup: ${PROCESSES} processes each queue ${Math.ceil(EDITS / PROCESSES)} edits offline, wait until ${IDLE_BEFORE_KILL_MS} ms have passed without an edit or a storage write (TanStack's persister writes at most once a second), are killed (their storage handle drops every later write, then the instance stops), and a fresh process on the same storage restores, goes online and drains; storage bytes / edit = UTF-8 bytes of keys and values on the storage after the last kill ÷ ${EDITS}`,
      `faults drawn per (edit, attempt) from a fixed hash, so every contestant meets the same fault on the same edit's same attempt; each gets a fresh in-process node:http server and storage`,
      `every retry delay is the library's default ÷ ${SCALE}: rxsync outbox 10 ms → 3 s full jitter (retry layer 10/20/40 ms, breaker 50 ms, connectivity recheck 50 ms), TanStack retryDelay min(10 ms · 2ⁿ, 300 ms) with retry: 3 (mutations default to no retry), redux-offline decay schedule 10 ms, 50 ms, 150 ms … 36 s`,
      "TanStack: persistQueryClient + createAsyncStoragePersister (default 1 s throttle) over the storage, setMutationDefaults(['edit'], { mutationFn, scope: { id }, retry }), MutationObserver.mutate per edit, resumePausedMutations() once restored, onlineManager.setOnline; redux-offline: @redux-offline/redux-offline/lib/defaults with a detectNetwork fed by the bench (the default listens to window events) and persistOptions.storage; rxsync: manualConnectivity source, outbox on the storage, drainLock 'none' (one process)",
    ],
  };
}

if (isMain(/offline\.bench\.[cm]?[jt]s$/)) {
  offlineScenario().then(
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
