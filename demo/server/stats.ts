import type { AppliedMutation, DemoStats, FaultKind } from './types';

/** The server's own, writable view of the counters it exposes read-only as `DemoStats`. */
export interface StatsCounters extends DemoStats {
  requests: number;
  requestsByRoute: Record<string, number>;
  refreshCalls: number;
  logins: number;
  statuses: Record<number, number>;
  bytesSent: number;
  notModified: number;
  faultsInjected: Record<FaultKind, number>;
  idempotentReplays: number;
  mutationsApplied: AppliedMutation[];
}

const FAULT_KINDS: readonly FaultKind[] = [
  'error',
  'reset',
  'hang',
  'rateLimit',
  'burst503',
  'truncate',
  'captivePortal',
  'outage',
  'refreshFails',
  'refreshGarbage',
];

function zeroFaults(): Record<FaultKind, number> {
  return Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
}

export function createStats(): StatsCounters {
  return {
    requests: 0,
    requestsByRoute: {},
    refreshCalls: 0,
    logins: 0,
    statuses: {},
    bytesSent: 0,
    notModified: 0,
    faultsInjected: zeroFaults(),
    idempotentReplays: 0,
    mutationsApplied: [],
  };
}

/** Zeroes the counters in place: callers holding `server.stats` keep a live object. */
export function resetStats(stats: StatsCounters): void {
  stats.requests = 0;
  stats.refreshCalls = 0;
  stats.logins = 0;
  stats.bytesSent = 0;
  stats.notModified = 0;
  stats.idempotentReplays = 0;
  stats.mutationsApplied.length = 0;
  for (const key of Object.keys(stats.requestsByRoute)) delete stats.requestsByRoute[key];
  for (const key of Object.keys(stats.statuses)) delete stats.statuses[Number(key)];
  for (const kind of FAULT_KINDS) stats.faultsInjected[kind] = 0;
}

export function countRequest(stats: StatsCounters, routeKey: string): void {
  stats.requests++;
  stats.requestsByRoute[routeKey] = (stats.requestsByRoute[routeKey] ?? 0) + 1;
}

export function countResponse(stats: StatsCounters, status: number, bodyBytes: number): void {
  stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
  stats.bytesSent += bodyBytes;
  if (status === 304) stats.notModified++;
}
