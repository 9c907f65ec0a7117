import type { BreakerState } from './circuit-breaker';

/** What is kept of one origin across a restart. Times are epoch ms (the default scheduler's clock). */
export interface OriginSnapshot {
  readonly tokens: number;
  readonly breaker: BreakerState;
  /** Retries to this origin wait until then (server pushback). */
  readonly pausedUntil: number;
}

export interface FleetSnapshot {
  readonly version: 1;
  readonly origins: Readonly<Record<string, OriginSnapshot>>;
}

/**
 * Where breaker, budget and pushback survive an app restart: mobile OSes kill apps often, and a
 * restarted app must not start a new storm against an origin it had just stopped hammering.
 * Both methods may reject; the client then carries on in memory with a `fleet-store-error` event.
 *
 * @example
 * const store: FleetStateStore = { load: async () => JSON.parse(localStorage.fleet ?? 'null'), save: async (s) => { localStorage.fleet = JSON.stringify(s); } };
 */
export interface FleetStateStore {
  load(): Promise<unknown>;
  save(snapshot: FleetSnapshot): Promise<void>;
}

/**
 * A store in memory: survives nothing, for tests and for sharing state between two clients.
 *
 * @example
 * const store = memoryFleetStore();
 * createApiClient({ baseUrl, fleet: { store } });
 */
export function memoryFleetStore(initial?: FleetSnapshot): FleetStateStore & { readonly snapshot: FleetSnapshot | undefined } {
  let snapshot = initial;
  return {
    get snapshot() {
      return snapshot;
    },
    load: () => Promise.resolve(snapshot),
    save: (next) => {
      snapshot = next;
      return Promise.resolve();
    },
  };
}

/**
 * Reads a stored value strictly: anything that is not a version-1 snapshot (another app's entry,
 * a half-written value) gives `undefined`, and the client starts fresh rather than crash.
 */
export function parseFleetSnapshot(value: unknown): FleetSnapshot | undefined {
  if (!isRecord(value) || value['version'] !== 1 || !isRecord(value['origins'])) return undefined;
  const origins: Record<string, OriginSnapshot> = {};
  for (const [origin, entry] of Object.entries(value['origins'])) {
    const parsed = parseOrigin(entry);
    if (parsed) origins[origin] = parsed;
  }
  return { version: 1, origins };
}

function parseOrigin(entry: unknown): OriginSnapshot | undefined {
  if (!isRecord(entry) || !isNumber(entry['tokens']) || !isNumber(entry['pausedUntil']) || !isRecord(entry['breaker'])) return undefined;
  const b = entry['breaker'];
  let breaker: BreakerState;
  if (b['kind'] === 'closed' && isNumber(b['failures'])) breaker = { kind: 'closed', failures: b['failures'] };
  else if (b['kind'] === 'open' && isNumber(b['opens']) && isNumber(b['nextProbeAt']))
    breaker = { kind: 'open', opens: b['opens'], nextProbeAt: b['nextProbeAt'] };
  else return undefined;
  return { tokens: entry['tokens'], breaker, pausedUntil: entry['pausedUntil'] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
