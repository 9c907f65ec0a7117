/**
 * Entity-store fan-out (DESIGN.md §7): 10,000 entities, one subscriber per entity (10,000), one
 * entity updated at a time. Measures µs per update and emissions per update, side by side:
 *
 * - rxsync `select(id)` (keyed notifier: only the updated entity's subscribers run);
 * - a naive store: `BehaviorSubject` + `map(s => s[id])` + `distinctUntilChanged()` per subscriber;
 * - @ngneat/elf: `createStore(withEntities())`, `store.pipe(selectEntity(id))`,
 *   `store.update(updateEntities(id, patch))`, prod mode (as its docs recommend for production);
 * - @tanstack/query-core: one `QueryObserver` per entity key on a `QueryClient`, updates with
 *   `setQueryData(key, updater)`; `staleTime: Infinity` so subscribing fetches nothing.
 *   Its observers call `subscribe` listeners synchronously (inside `notifyManager.batch`), so every
 *   contestant's notifications land inside the timed loop.
 *
 * Each update writes a new value to one of two entities (alternating ids 1 and 5,000), so every
 * update is a real change that must reach exactly one subscriber. Each contestant is warmed up,
 * then timed in rounds of ≥ 200 updates and ≥ 10 ms; the median round is reported.
 *
 * Standalone: `npx tsx bench/fanout.bench.ts`.
 */
import { createStore, enableElfProdMode } from '@ngneat/elf';
import { selectEntity, setEntities, updateEntities, withEntities } from '@ngneat/elf-entities';
import { QueryClient, QueryObserver } from '@tanstack/query-core';
import { BehaviorSubject, type Subscription, distinctUntilChanged, map } from 'rxjs';
import { createEntityStore } from '../lib/store/entity-store';
import { type ScenarioResult, formatTable } from './report';

const ENTITIES = 10_000;
const UPDATED_IDS = [1, 5_000] as const;
const MIN_UPDATES_PER_ROUND = 200;
const MIN_ROUND_MS = 10;
const WARMUP_MS = 300;
const ROUNDS = 7;

interface Item {
  readonly id: number;
  readonly title: string;
  readonly n: number;
}

/** One contestant, set up with its subscribers and ready to be updated. */
interface Fixture {
  update(id: number, n: number): void;
  /** Subscriber callbacks run since setup. */
  emissions(): number;
  teardown(): void;
}

interface Contestant {
  readonly name: string;
  setup(subscribed: readonly number[]): Fixture;
}

interface Measurement {
  readonly usPerUpdate: number;
  readonly emissionsPerUpdate: number;
}

const items = (): Item[] => Array.from({ length: ENTITIES }, (_, id) => ({ id, title: `item ${id}`, n: 0 }));
const allIds = (): number[] => Array.from({ length: ENTITIES }, (_, id) => id);

const rxsync: Contestant = {
  name: 'rxsync select(id)',
  setup(subscribed) {
    const store = createEntityStore<Item>({ idKey: 'id' });
    store.upsertMany(items());
    let count = 0;
    const subs = subscribed.map((id) => store.select(id).subscribe(() => count++));
    return {
      update: (id, n) => store.update(id, { n }),
      emissions: () => count,
      teardown: () => subs.forEach((s) => s.unsubscribe()),
    };
  },
};

const naive: Contestant = {
  name: 'naive BehaviorSubject + map + distinctUntilChanged',
  setup(subscribed) {
    const initial: Record<number, Item> = {};
    for (const item of items()) initial[item.id] = item;
    const state$ = new BehaviorSubject(initial);
    let count = 0;
    const subs: Subscription[] = subscribed.map((id) =>
      state$
        .pipe(
          map((s) => s[id]),
          distinctUntilChanged(),
        )
        .subscribe(() => count++),
    );
    return {
      update: (id, n) => {
        const s = state$.value;
        state$.next({ ...s, [id]: { ...s[id], n } });
      },
      emissions: () => count,
      teardown: () => subs.forEach((s) => s.unsubscribe()),
    };
  },
};

const elf: Contestant = {
  name: '@ngneat/elf selectEntity',
  setup(subscribed) {
    const store = createStore({ name: 'fanout-items' }, withEntities<Item>());
    store.update(setEntities(items()));
    let count = 0;
    const subs = subscribed.map((id) => store.pipe(selectEntity(id)).subscribe(() => count++));
    return {
      update: (id, n) => store.update(updateEntities(id, { n })),
      emissions: () => count,
      teardown: () => {
        subs.forEach((s) => s.unsubscribe());
        store.destroy();
      },
    };
  },
};

const tanstack: Contestant = {
  name: '@tanstack/query-core QueryObserver',
  setup(subscribed) {
    const client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, gcTime: Infinity } } });
    const byId = new Map(items().map((item) => [item.id, item]));
    for (const [id, item] of byId) client.setQueryData(['item', id], item);
    let count = 0;
    const unsubscribers = subscribed.map((id) => {
      const observer = new QueryObserver<Item>(client, { queryKey: ['item', id], queryFn: () => byId.get(id)! });
      return observer.subscribe(() => count++);
    });
    return {
      update: (id, n) => void client.setQueryData<Item>(['item', id], (old) => (old ? { ...old, n } : old)),
      emissions: () => count,
      teardown: () => {
        unsubscribers.forEach((stop) => stop());
        client.clear();
      },
    };
  },
};

function measure(fixture: Fixture): Measurement {
  let n = 0;
  const round = (): { updates: number; ms: number } => {
    let updates = 0;
    const start = performance.now();
    let ms = 0;
    while (updates < MIN_UPDATES_PER_ROUND || ms < MIN_ROUND_MS) {
      for (let i = 0; i < MIN_UPDATES_PER_ROUND; i++) {
        n++;
        fixture.update(UPDATED_IDS[n & 1], n);
      }
      updates += MIN_UPDATES_PER_ROUND;
      ms = performance.now() - start;
    }
    return { updates, ms };
  };
  // Warm up by time, so that every contestant's hot path is optimized whatever its speed.
  for (const start = performance.now(); performance.now() - start < WARMUP_MS;) round();
  const before = fixture.emissions();
  const rounds: number[] = [];
  let updates = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const r = round();
    rounds.push((r.ms * 1000) / r.updates);
    updates += r.updates;
  }
  rounds.sort((a, b) => a - b);
  return { usPerUpdate: rounds[Math.floor(rounds.length / 2)], emissionsPerUpdate: (fixture.emissions() - before) / updates };
}

function run(contestant: Contestant, subscribed: readonly number[]): Measurement {
  const fixture = contestant.setup(subscribed);
  try {
    return measure(fixture);
  } finally {
    fixture.teardown();
  }
}

/** The fan-out scenario: rows per contestant with ratios to rxsync, and budget verdicts in `notes`. */
export async function fanoutScenario(): Promise<ScenarioResult> {
  enableElfProdMode();
  const everyone = allIds();
  const results: Array<[string, Measurement]> = [];
  for (const contestant of [rxsync, naive, elf, tanstack]) results.push([contestant.name, run(contestant, everyone)]);
  // Control: rxsync with only the two updated entities subscribed. Equal cost means unrelated
  // subscribers cost nothing.
  const control = run(rxsync, UPDATED_IDS);
  const ours = results[0][1];
  const rows = [
    ...results.map(([name, m]) => row(`${name} (${ENTITIES} subscribers)`, m, ours)),
    row('rxsync select(id) (only the 2 updated entities subscribed)', control, ours),
  ];
  const byName = new Map(results);
  const naiveRatio = byName.get(naive.name)!.usPerUpdate / ours.usPerUpdate;
  const elfRatio = byName.get(elf.name)!.usPerUpdate / ours.usPerUpdate;
  const tanstackRatio = byName.get(tanstack.name)!.usPerUpdate / ours.usPerUpdate;
  const independence = ours.usPerUpdate / control.usPerUpdate;
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  return {
    title: `Entity store fan-out: ${ENTITIES} entities × ${ENTITIES} subscribers, one entity updated`,
    rows,
    notes: [
      `${verdict(ours.emissionsPerUpdate === 1)} 1 emission per update: rxsync ${ours.emissionsPerUpdate.toFixed(2)}`,
      `${verdict(naiveRatio >= 100)} ≥ 100× faster than naive selectors: ${naiveRatio.toFixed(0)}× (elf: ${elfRatio.toFixed(0)}×)`,
      `${verdict(tanstackRatio >= 4)} ≥ 4× faster than TanStack's observers: ${tanstackRatio.toFixed(1)}×`,
      `${verdict(independence <= 1.5)} cost independent of unrelated subscribers: 10,000 subscribers cost ${independence.toFixed(2)}× of 2 subscribers`,
      `median of ${ROUNDS} rounds (each ≥ ${MIN_UPDATES_PER_ROUND} updates and ≥ ${MIN_ROUND_MS} ms) after ≥ ${WARMUP_MS} ms of warm-up; ids ${UPDATED_IDS.join(' and ')} alternate`,
    ],
  };
}

function row(name: string, m: Measurement, ours: Measurement): Record<string, string | number> {
  return {
    contestant: name,
    'µs / update': m.usPerUpdate,
    'emissions / update': m.emissionsPerUpdate,
    '× rxsync time': m.usPerUpdate / ours.usPerUpdate,
  };
}

// Standalone run under tsx or node (works for CommonJS and ESM alike: no `require.main`).
if (/fanout\.bench\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  fanoutScenario().then(
    (result) => console.log(formatTable(result)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
