import { EMPTY, Observable, Subscription, catchError, concatMap, throwError } from 'rxjs';
import type { ApiEnv } from '../core/env';
import type { Handler, Layer } from '../core/layer';
import type { ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';
import { browserConnectivity } from './connectivity-source';
import { createConnectivity, type Connectivity } from './connectivity';
import { soleDrainer, leaseDrainer, webLocksDrainer, type DrainLock, type LockManagerLike } from './drain-lock';
import { newIdempotencyKey } from './keys';
import { localforageOutboxStorage } from './localforage.outbox-storage';
import type { OfflineConfig } from './offline-config';
import { connectivityEvidenceLayer, offlineGateLayer, pauseWhileOffline } from './offline.layers';
import type { OutboxConfig, OutboxRequestOptions, OutboxTabChannel } from './outbox-config';
import { decideOutbox } from './outbox-decision';
import type { OutboxMethod } from './outbox-entry';
import { createOutbox, type Outbox } from './outbox';
import { disabledOutbox } from './disabled-outbox';

/** How a mutation uses the outbox (`{ offline }` of `post/put/patch/delete`). */
export type OfflineMutationMode =
  /** Always through the outbox: persisted, then sent in order; the Observable waits for the final answer. */
  | 'queue'
  /** Sent at once (with an Idempotency-Key); queued when sent while offline or when its retries ran out on a transient failure. */
  | 'fallback';

export interface OfflineDeps {
  readonly partition: () => string;
  readonly partitionChanges$?: Observable<string>;
  readonly whenReady?: () => Observable<unknown> | undefined;
}

/** Everything offline, for `client.ts` to wire: layers, the retry pause hook, the outbox. */
export interface OfflineRuntime {
  /** `undefined` only for a composed client without `withOffline()` (nothing to watch). */
  readonly connectivity: Connectivity | undefined;
  /** Between the cache and auth (only with `offline` config). */
  readonly gate: Layer | undefined;
  /** Right above the transport. */
  readonly evidence: Layer | undefined;
  readonly pause: ((error: unknown) => Observable<unknown> | undefined) | undefined;
  readonly outbox: Outbox;
  /** Connects the outbox to the finished pipeline (the outbox sends through it). */
  connect(send: Handler): void;
  /** A mutation under `mode`: see {@link OfflineMutationMode}. */
  mutate(req: ApiRequest, mode: OfflineMutationMode, options: OutboxRequestOptions | undefined, send: Handler): Observable<ApiResponse>;
  readonly defaultMutationMode: OfflineMutationMode | undefined;
  close(): void;
}

export function createOffline(config: OfflineConfig | undefined, env: ApiEnv, deps: OfflineDeps): OfflineRuntime {
  const sources = config?.sources ?? [browserConnectivity()].filter((s) => s !== undefined);
  // Without offline config nothing is gated or paused, so no recheck timer is needed (or left running).
  const connectivity = createConnectivity(config === undefined ? { sources, recheckDelayMs: Infinity } : { ...config, sources }, env);
  const subscriptions = new Subscription();
  subscriptions.add(
    connectivity.state$.subscribe((state) => env.emit({ type: 'connectivity', online: state.online, hinted: state.hinted, reachable: state.reachable })),
  );

  const outboxConfig: OutboxConfig | undefined = config === undefined || config.outbox === false ? undefined : (config.outbox ?? {});
  let send: Handler = () => EMPTY;
  const newKey = (): string => newIdempotencyKey(env.random);
  const outbox: Outbox & { start(): void } =
    outboxConfig === undefined
      ? { ...disabledOutbox(), start: () => undefined }
      : (() => {
          const storage = outboxConfig.storage ?? localforageOutboxStorage();
          return createOutbox(outboxConfig, storage, {
            env,
            send: (req) => send(req),
            connectivity,
            partition: deps.partition,
            partitionChanges$: deps.partitionChanges$,
            whenReady: deps.whenReady,
            lock: drainLockFor(outboxConfig, storage, env, newKey),
            newKey,
            tabs: outboxConfig.tabs === false ? undefined : (outboxConfig.tabs ?? defaultOutboxChannel()),
          });
        })();
  if (config?.resume$) subscriptions.add(config.resume$.subscribe(() => outbox.drain()));

  const enqueueAndWait = (req: ApiRequest, options: OutboxRequestOptions | undefined, attempts = 0): Observable<ApiResponse> =>
    outbox
      .enqueue({
        method: req.method as OutboxMethod,
        url: req.url,
        headers: req.headers,
        body: req.body,
        idempotencyKey: req.idempotencyKey,
        scope: options?.scope,
        optimistic: options?.optimistic,
        meta: options?.meta,
        attempts,
      })
      .pipe(concatMap((entry) => outbox.settled(entry.id)));

  return {
    connectivity,
    gate: config === undefined ? undefined : offlineGateLayer(connectivity, config.reads),
    evidence: connectivityEvidenceLayer(connectivity),
    pause: config === undefined ? undefined : pauseWhileOffline(connectivity),
    outbox,
    defaultMutationMode: outboxConfig?.mutations,
    connect: (handler) => {
      send = handler;
      outbox.start();
    },
    mutate(req, mode, options, handler) {
      if (!isMutation(req.method)) return handler(req);
      // The key exists before the first send, so a direct attempt and its queued replay are one mutation to the server.
      const keyed = req.idempotencyKey === undefined ? withKey(req, newKey()) : req;
      if (mode === 'queue' || !connectivity.isOnline()) return enqueueAndWait(keyed, options);
      return handler(keyed).pipe(
        catchError((error: unknown) => {
          const decision = decideOutbox(error, env.scheduler.now());
          // Only a transient failure is queued; a final answer (a 4xx) goes to the caller as it is.
          if (decision.kind !== 'backoff' && decision.kind !== 'wait') return throwError(() => error);
          return enqueueAndWait(keyed, options, (error as { attempts?: number }).attempts ?? 1);
        }),
      );
    },
    close() {
      subscriptions.unsubscribe();
      outbox.close();
      connectivity.close();
    },
  };
}

function isMutation(method: string): method is OutboxMethod {
  return method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE';
}

function withKey(req: ApiRequest, key: string): ApiRequest {
  return { ...req, idempotencyKey: key, headers: { ...req.headers, 'idempotency-key': key } };
}

function drainLockFor(config: OutboxConfig, storage: Parameters<typeof leaseDrainer>[0], env: ApiEnv, newKey: () => string): DrainLock {
  const choice = config.drainLock;
  if (typeof choice === 'object') return choice;
  if (choice === 'none') return soleDrainer();
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  if (choice !== 'lease' && locks !== undefined && typeof locks.request === 'function') return webLocksDrainer('rxsync-outbox', locks);
  return leaseDrainer(storage, env, { owner: newKey() });
}

/** A BroadcastChannel in a browser document (tabs, windows); none in Node, where clients are processes, not tabs. */
function defaultOutboxChannel(): OutboxTabChannel | undefined {
  const g = globalThis as { document?: unknown; BroadcastChannel?: new (name: string) => OutboxTabChannel };
  if (g.document === undefined || typeof g.BroadcastChannel !== 'function') return undefined;
  return new g.BroadcastChannel('rxsync-outbox');
}
