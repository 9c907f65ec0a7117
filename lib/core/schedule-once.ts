import { asyncScheduler, type SchedulerLike } from 'rxjs';

/** Cancels a pending {@link scheduleOnce}; harmless after it ran. */
export type CancelScheduled = () => void;

/**
 * Runs `work` once after `delayMs` on `scheduler`, the way every rxsync timer runs (a
 * `TestScheduler` makes it virtual).
 *
 * With the default `asyncScheduler` it uses a plain `setTimeout`: `asyncScheduler` arms a
 * `setInterval` (its actions may reschedule themselves), and on Node 20 arming and clearing an
 * interval per request measured about a tenth of a loopback request, which a one-shot timeout
 * does not cost. Per-attempt timeouts are armed on every request and almost never fire.
 */
export function scheduleOnce(scheduler: SchedulerLike, delayMs: number, work: () => void): CancelScheduled {
  if (scheduler === asyncScheduler) {
    const handle = setTimeout(work, delayMs);
    return () => clearTimeout(handle);
  }
  const subscription = scheduler.schedule(work, delayMs);
  return () => subscription.unsubscribe();
}
