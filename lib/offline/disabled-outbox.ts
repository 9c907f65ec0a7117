import { of, throwError } from 'rxjs';
import { OutboxError } from '../core/errors';
import type { Outbox } from './outbox';

/** `client.outbox` without an outbox: empty streams; queueing fails with `OutboxError('disabled')`. */
export function disabledOutbox(): Outbox {
  const disabled = (request: { method: string; url: string }) =>
    throwError(() => new OutboxError(request as { method: 'POST'; url: string }, 'disabled', { detail: 'configure offline.outbox' }));
  return {
    pending$: of(0),
    entries$: of([]),
    deadLetters$: of([]),
    enqueue: (request) => disabled(request),
    settled: (id) => disabled({ method: 'POST', url: id }),
    retry: () => of(undefined),
    discard: () => of(undefined),
    discardPartition: () => of(undefined),
    drain: () => undefined,
    whenIdle: () => of(undefined),
    close: () => undefined,
  };
}
