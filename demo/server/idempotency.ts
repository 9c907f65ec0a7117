import type { OutgoingHttpHeaders } from 'node:http';

/** What a mutation answered, kept so a retry carrying the same Idempotency-Key gets the same answer. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: unknown;
}

interface Entry {
  /** The request body as sent the first time: a key reused for a different body is a client bug. */
  readonly fingerprint: string;
  readonly response: StoredResponse;
}

export type IdempotencyOutcome = { kind: 'fresh' } | { kind: 'replay'; response: StoredResponse } | { kind: 'mismatch' };

/**
 * Idempotency-Key store (draft-ietf-httpapi-idempotency-key-header): keys are scoped per user,
 * method and path, so two users' keys never collide. Handlers run synchronously once the body is
 * read, so there is no "same key still in flight" window to guard.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  static scope(user: string, method: string, path: string, key: string): string {
    return `${user}\n${method}\n${path}\n${key}`;
  }

  lookup(scope: string, fingerprint: string): IdempotencyOutcome {
    const entry = this.entries.get(scope);
    if (!entry) return { kind: 'fresh' };
    return entry.fingerprint === fingerprint ? { kind: 'replay', response: entry.response } : { kind: 'mismatch' };
  }

  remember(scope: string, fingerprint: string, response: StoredResponse): void {
    this.entries.set(scope, { fingerprint, response });
  }
}
