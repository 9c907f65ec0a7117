import type { AuthTokens, StoredTokens } from './tokens';
import { readJwtClaims, refreshDueAt, type JwtClaims } from './jwt';

export const ANONYMOUS_PARTITION = 'anonymous';

/** How the tokens of a state came: a login (`setTokens`), a refresh, or the token store at start-up. */
export type TokenSource = 'login' | 'refresh' | 'stored';

/** Everything the layer needs about the tokens, computed once per token change, not per request. */
export interface SessionState {
  readonly hydrated: boolean;
  readonly tokens: AuthTokens | null;
  readonly claims: JwtClaims | undefined;
  /** Scheduler time after which the access token is refreshed before use; `undefined`: never. */
  readonly refreshDueAt: number | undefined;
  /** Whose data the client holds: `userPartition`'s answer, the JWT `sub`, else {@link ownPartition}. */
  readonly partition: string;
  /**
   * The login's own partition: random, new on every login, kept across refreshes and stored with
   * the tokens when it is the partition. `undefined` without tokens.
   */
  readonly ownPartition: string | undefined;
  /**
   * Bumped by every login, logout and forced end, not by a refresh: a refresh that finishes
   * in another generation belongs to a session that no longer exists and must not touch this one.
   */
  readonly generation: number;
  /** {@link partition} and {@link generation} in one string: see `createAuth().sessionKey()`. */
  readonly key: string;
}

export interface SessionStateConfig {
  readonly refreshSkewMs: number;
  readonly userPartition: ((tokens: AuthTokens) => string | undefined) | undefined;
}

/** The state before the token store has answered: nobody, and requests wait. */
export const UNHYDRATED: SessionState = {
  hydrated: false,
  tokens: null,
  claims: undefined,
  refreshDueAt: undefined,
  partition: ANONYMOUS_PARTITION,
  ownPartition: undefined,
  generation: 0,
  key: `0:${ANONYMOUS_PARTITION}`,
};

/**
 * The state for `tokens` received from `source` at scheduler time `now`.
 *
 * The refresh due time follows {@link refreshDueAt}: a login's or a refresh's token counts its
 * life from now, a stored one goes by `exp`; a login's token whose `exp` has already passed is
 * due at once. A token a refresh returned that is due already
 * (a device clock far ahead and no `iat` to measure the life by) is never refreshed proactively:
 * refreshing again would return the same kind of token, and the loop would end in
 * `excessive-refresh`. It is sent, and a 401 refreshes it.
 *
 * @example
 * sessionState({ accessToken: 'opaque' }, 'session:9f…', 1, 'login', config, 0).partition; // 'session:9f…'
 */
export function sessionState(
  tokens: AuthTokens | null,
  ownPartition: string | undefined,
  generation: number,
  source: TokenSource,
  config: SessionStateConfig,
  now: number,
): SessionState {
  const claims = tokens ? readJwtClaims(tokens.accessToken) : undefined;
  let dueAt = refreshDueAt(claims, config.refreshSkewMs, now, source === 'stored' ? 'stored' : 'received');
  // A login with a token whose `exp` has passed by this device's clock is most often an app
  // restoring saved tokens at start-up: refresh before the first request rather than send it
  // (one refresh too many, at worst, on a device whose clock runs far ahead).
  if (source === 'login' && claims?.exp !== undefined && claims.exp * 1000 <= now) dueAt = now;
  if (source === 'refresh' && dueAt !== undefined && dueAt <= now) dueAt = undefined;
  // (Callers always pass an own partition with tokens; the last fallback only keeps a logged-in
  // user out of the logged-out partition should one ever be missing.)
  const partition = tokens === null ? ANONYMOUS_PARTITION : (namedPartition(tokens, config) ?? claims?.sub ?? ownPartition ?? 'authenticated');
  return {
    hydrated: true,
    tokens,
    claims,
    refreshDueAt: dueAt,
    partition,
    ownPartition: tokens === null ? undefined : ownPartition,
    generation,
    key: `${generation}:${partition}`,
  };
}

/** What the token store keeps for `state`: the tokens, and the login's partition when it is the partition. */
export function toStoredTokens(state: SessionState): StoredTokens | null {
  if (state.tokens === null) return null;
  return state.ownPartition !== undefined && state.partition === state.ownPartition ? { ...state.tokens, partition: state.ownPartition } : state.tokens;
}

/**
 * A new partition for a login whose token names no user: 128 random bits, so it never collides
 * with another login's, not even one from before a restart whose entries a persistent cache still
 * holds. `crypto.getRandomValues` exists in every browser context (unlike `randomUUID`, secure
 * contexts only) and in Node; `random` is the fallback.
 *
 * @example
 * newOwnPartition(Math.random); // 'session:3f9c0a…' (32 hex digits)
 */
export function newOwnPartition(random: () => number): string {
  const bytes = new Uint8Array(16);
  const crypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array } }).crypto;
  if (typeof crypto?.getRandomValues === 'function') crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return `session:${hex}`;
}

/** `config.userPartition`'s answer when it is a non-empty string; a throw counts as no answer. */
function namedPartition(tokens: AuthTokens, config: SessionStateConfig): string | undefined {
  if (config.userPartition === undefined) return undefined;
  try {
    const named: unknown = config.userPartition(tokens);
    return typeof named === 'string' && named.length > 0 ? named : undefined;
  } catch {
    return undefined;
  }
}
