import type { ClientEvent } from 'rxsync';

/** Turns client events into the demo's readable timeline lines (relative time, one event a line). */
export function describeEvent(event: ClientEvent, startedAt: number): string | undefined {
  const t = `${String(((event.at - startedAt) / 1000).toFixed(2)).padStart(6)} s`;
  const path = 'url' in event ? new URL(event.url).pathname + new URL(event.url).search : '';
  switch (event.type) {
    case 'request-start':
      return `${t}  →  ${event.method} ${path}`;
    case 'response':
      return `${t}  ←  ${event.status} ${event.method} ${path} (${event.durationMs} ms)`;
    case 'retry-scheduled':
      return `${t}  ⟳  attempt ${event.attempt} of ${event.method} ${path} failed (${event.reason}); retrying in ${event.delayMs} ms`;
    case 'request-failed':
      return `${t}  ✗  ${event.method} ${path} failed after ${event.attempts} attempt(s): ${event.errorKind}`;
    case 'deduplicated':
      return `${t}  ≡  ${event.method} ${path} joined an identical request in flight`;
    case 'token-refresh-start':
      return `${t}  🔑 refreshing the access token (${event.trigger})`;
    case 'token-refreshed':
      return `${t}  🔑 token refreshed in ${event.durationMs} ms`;
    case 'token-replayed':
      return `${t}  🔑 ${event.method} ${path} replayed with the current token (no new refresh)`;
    case 'session-expired':
      return `${t}  ⏏  session expired: ${event.reason}`;
    case 'cache-hit':
      return `${t}  ⚡ cache hit (${event.tier}${event.stale ? ', stale' : ''}) ${event.method} ${path}`;
    case 'cache-miss':
      return `${t}  ·  cache miss ${event.method} ${path}`;
    case 'revalidated':
      return `${t}  ✓  revalidated ${path}: ${event.changed ? 'changed' : '304, unchanged'}`;
    case 'stale-served':
      return `${t}  ⚠  served stale ${path} (${event.reason})`;
    case 'cache-error':
      return `${t}  ⚠  cache ${event.operation}: ${event.detail}`;
    case 'connectivity':
      return `${t}  ${event.online ? '📶 online' : '✈  offline'} (hint ${event.hinted ? 'up' : 'down'}, API ${event.reachable ? 'reachable' : 'unreachable'})`;
    case 'outbox-queued':
      return `${t}  ✉  queued ${event.method} ${path} on disk, key ${short(event.idempotencyKey)}`;
    case 'outbox-sending':
      return `${t}  ✉  replaying ${event.method} ${path} (attempt ${event.attempt}), key ${short(event.idempotencyKey)}`;
    case 'outbox-retrying':
      return `${t}  ✉  ${event.method} ${path} kept (${event.reason}); next try in ${event.delayMs} ms, key ${short(event.idempotencyKey)}`;
    case 'outbox-done':
      return `${t}  ✉  done ${event.method} ${path}: ${event.status ?? '—'} after ${event.attempts} send(s), key ${short(event.idempotencyKey)}`;
    case 'outbox-dead':
      return `${t}  ✉  dead letter ${event.method} ${path}: ${event.status ?? '—'} ${event.message}`;
    case 'outbox-discarded':
      return `${t}  ✉  discarded ${event.method} ${path} (${event.reason})`;
    case 'outbox-storage-error':
      return `${t}  ⚠  outbox storage ${event.operation}: ${event.detail}`;
    default:
      return undefined;
  }
}

/** The first 8 characters of an Idempotency-Key: enough to follow one entry through the timeline. */
const short = (key: string): string => `${key.slice(0, 8)}…`;
