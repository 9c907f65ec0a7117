import type { IncomingMessage, ServerResponse } from 'node:http';

/** One side effect the server applied: what a user would see in the database. */
export interface AppliedMutation {
  readonly method: string;
  readonly path: string;
  readonly key: string | undefined;
  readonly body: unknown;
}

/**
 * What the server does with a mutation it received (decided per request by `onMutation`):
 * - `'apply'`: applies it (once per key when keys are honoured) and answers 201;
 * - `'drop-before-apply'`: the connection dies before the server commits (nothing applied);
 * - `'drop-after-apply'`: the server commits, then the connection dies before the answer (the
 *   response is lost after commit: the case an Idempotency-Key exists for).
 */
export type MutationAction = 'apply' | 'drop-before-apply' | 'drop-after-apply';

export interface CountingMutations {
  /** Requests received per Idempotency-Key (every attempt counts). */
  readonly requestsPerKey: Map<string, number>;
  /** Side effects, in the order the server applied them. */
  readonly applied: AppliedMutation[];
  /** Answers replayed from the idempotency store (the key was seen and applied before). */
  readonly replays: () => number;
  /** Handles any request that is not GET; answers `false` when it is not a mutation. */
  handle(req: IncomingMessage, res: ServerResponse, body: string): boolean;
}

/**
 * A loopback API that counts Idempotency-Keys and side effects, for the outbox's exactly-once
 * tests. With `honourKeys` (the default) it follows the Idempotency-Key draft: a key seen before
 * is not applied again, its stored answer is replayed (`idempotent-replayed: true`). Without it,
 * every request is applied: what an outbox can promise such a server is at-least-once.
 * `onMutation` runs when a mutation has been received (before anything is applied): tests kill
 * their client there.
 */
export function countingMutations(
  options: { honourKeys?: boolean; onMutation?: (received: { index: number; key: string | undefined; body: unknown }) => MutationAction | void } = {},
): CountingMutations {
  const honour = options.honourKeys ?? true;
  const requestsPerKey = new Map<string, number>();
  const applied: AppliedMutation[] = [];
  const answers = new Map<string, { status: number; body: unknown }>();
  let received = 0;
  let replays = 0;
  return {
    requestsPerKey,
    applied,
    replays: () => replays,
    handle(req, res, raw) {
      const method = req.method ?? '';
      if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const header = req.headers['idempotency-key'];
      const key = typeof header === 'string' ? header : undefined;
      if (key !== undefined) requestsPerKey.set(key, (requestsPerKey.get(key) ?? 0) + 1);
      const body = raw === '' ? undefined : (JSON.parse(raw) as unknown);
      const action = options.onMutation?.({ index: received++, key, body }) ?? 'apply';
      if (action === 'drop-before-apply') {
        res.socket?.destroy();
        return true;
      }
      const stored = honour && key !== undefined ? answers.get(`${method} ${path} ${key}`) : undefined;
      let answer = stored;
      if (stored !== undefined) replays++;
      else {
        applied.push({ method, path, key, body });
        answer = { status: 201, body: { applied: applied.length, key: key ?? null } };
        if (honour && key !== undefined) answers.set(`${method} ${path} ${key}`, answer);
      }
      if (action === 'drop-after-apply') {
        res.socket?.destroy();
        return true;
      }
      res.writeHead(answer!.status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        ...(stored !== undefined ? { 'idempotent-replayed': 'true' } : {}),
      });
      res.end(JSON.stringify(answer!.body));
      return true;
    },
  };
}
