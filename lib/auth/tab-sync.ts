import { Observable, type Subscription } from 'rxjs';
import type { ApiEnv } from '../core/env';
import { parseAuthTokens, parseStoredTokens, type AuthTokens, type StoredTokens } from './tokens';
import { refreshVerdict, TabRefreshFailed } from './refresh-failure';

export { TabRefreshFailed } from './refresh-failure';

/** The part of `BroadcastChannel` used: a message bus between the tabs (windows, workers) of one origin. */
export interface TabChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  close(): void;
}

/** The part of `navigator.locks` (Web Locks API) used: one holder of a name at a time across the origin's tabs. */
export interface TabLocksLike {
  request(name: string, callback: (lock: unknown) => Promise<void>): Promise<unknown>;
}

/**
 * `auth.tabSync`: several tabs of one app share one session.
 *
 * | option       | default                                   | why |
 * | ------------ | ----------------------------------------- | --- |
 * | `channel`    | `new BroadcastChannel('rxsync-auth:' + origin)` | how tabs tell each other of refreshes and session ends |
 * | `locks`      | `navigator.locks` where it exists          | the refresh leader: one tab refreshes while the others wait for its answer |
 * | `electionMs` | `100`                                      | how long a tab listens for another tab's answer (or rival claim) before it calls the refresh endpoint |
 * | `waitMs`     | every refresh attempt's timeout and backoff | how long a tab waits for another tab's refresh before failing with `refresh-unavailable` (session kept) |
 *
 * Without Web Locks (Node 20, older WebViews) the tabs elect the refresher over the channel:
 * each announces its claim, listens `electionMs`, and the earliest claim wins; a tab already
 * refreshing answers later claims with "busy". With Web Locks the lock serializes refreshes and
 * `electionMs` only covers an answer still in flight from the previous holder.
 *
 * The new tokens travel over the channel (same-origin tabs only, in memory). The spent refresh
 * token never does: refreshes are matched by a fingerprint of it.
 */
export interface TabSyncConfig {
  readonly channel?: TabChannelLike;
  /** `null`: never use Web Locks (always the channel election). */
  readonly locks?: TabLocksLike | null;
  readonly electionMs?: number;
  readonly waitMs?: number;
}

/** What the session hands to other tabs: a login (tokens) or an end (`null`), with the reason `sessionEnded$` gave. */
export interface SharedSession {
  readonly tokens: StoredTokens | null;
  readonly reason?: string;
}

/** The coordinator the refresher and the session use. */
export interface TabSync {
  /**
   * The one refresh of `refreshToken` across tabs: runs `call` here if this tab is elected,
   * else emits the tokens another tab got (or errors with {@link TabRefreshFailed}).
   */
  coordinate(refreshToken: string, call: Observable<AuthTokens>): Observable<AuthTokens>;
  /** Tells the other tabs of a login, logout or forced end made here. */
  announce(change: SharedSession): void;
  close(): void;
}

export interface TabSyncHooks {
  /** Another tab refreshed: apply if this tab's current refresh token has `fingerprint`. */
  readonly refreshed: (fingerprint: string, tokens: AuthTokens) => void;
  /** Another tab logged in, out, or ended its session. */
  readonly session: (change: SharedSession) => void;
  /** The fingerprint of this tab's current refresh token, if any. */
  readonly currentFingerprint: () => string | undefined;
}

type Answer =
  | { readonly t: 'refreshed'; readonly fp: string; readonly tokens: AuthTokens }
  | { readonly t: 'refresh-failed'; readonly fp: string; readonly verdict: 'rejected' | 'unavailable' };

type Message =
  | Answer
  | { readonly t: 'claim'; readonly fp: string; readonly id: string; readonly at: number }
  | { readonly t: 'busy'; readonly fp: string }
  | { readonly t: 'session'; readonly tokens: StoredTokens | null; readonly reason?: string };

interface Pending {
  readonly fp: string;
  readonly at: number;
  phase: 'electing' | 'waiting' | 'leading';
  beaten: boolean;
  /** Holds the Web Lock: no rival can refresh before it releases, so no rival claim beats it. */
  locked: boolean;
  readonly settle: (answer: Answer) => void;
}

const PROTOCOL = 'rxsync-auth/1';
const RECENT = 8;

/**
 * Creates the coordinator over `channel`. Every wait runs on `env.scheduler` and is bounded.
 *
 * ```
 * tab a: 401 ─ claim(fp) ·100ms· refresh ──────t2─ refreshed(fp,t2)
 * tab b: 401 ──── claim(fp) ·····(a's claim is earlier: waits)····· t2 (no call)
 * ```
 */
export function createTabSync(
  channel: TabChannelLike,
  env: ApiEnv,
  hooks: TabSyncHooks,
  options: { locks?: TabLocksLike; electionMs: number; waitMs: number; lockName: string },
): TabSync {
  const id = `${env.scheduler.now().toString(36)}-${Math.floor(env.random() * 2 ** 48).toString(36)}`;
  const pending = new Set<Pending>();
  const recent = new Map<string, Answer>();
  let closed = false;

  const post = (message: Message): void => {
    if (closed) return;
    try {
      channel.postMessage({ p: PROTOCOL, ...message });
    } catch {
      // A closed or broken channel: this tab carries on alone.
    }
  };

  const remember = (answer: Answer): void => {
    recent.delete(answer.fp);
    recent.set(answer.fp, answer);
    if (recent.size > RECENT) recent.delete(recent.keys().next().value!);
  };

  const onMessage = (event: { readonly data: unknown }): void => {
    const message = parseMessage(event.data);
    if (message === undefined || closed) return;
    switch (message.t) {
      case 'claim': {
        const known = recent.get(message.fp);
        if (known !== undefined) return post(known); // answered already: the late tab takes that answer
        for (const p of pending) {
          if (p.fp !== message.fp) continue;
          // A lock holder is as good as leading: the rival is queued for the lock (or lost it) and must
          // wait; were it to beat the holder, each would wait for the other until waitMs.
          if (p.phase === 'leading' || p.locked) post({ t: 'busy', fp: p.fp });
          else if (p.phase === 'electing') {
            if (message.at < p.at || (message.at === p.at && message.id < id)) p.beaten = true;
            // Ours is earlier: say so again, the later tab may have opened after our claim went out.
            else post({ t: 'claim', fp: p.fp, id, at: p.at });
          }
        }
        return;
      }
      case 'busy':
        for (const p of pending) if (p.fp === message.fp && p.phase === 'electing' && !p.locked) p.beaten = true;
        return;
      case 'refreshed':
      case 'refresh-failed': {
        remember(message);
        let waited = false;
        for (const p of [...pending]) {
          if (p.fp === message.fp && p.phase !== 'leading') {
            waited = true;
            p.settle(message);
          }
        }
        if (!waited && message.t === 'refreshed' && hooks.currentFingerprint() === message.fp) hooks.refreshed(message.fp, message.tokens);
        return;
      }
      case 'session':
        return hooks.session({ tokens: message.tokens, ...(message.reason !== undefined ? { reason: message.reason } : {}) });
    }
  };
  channel.addEventListener('message', onMessage);

  const coordinate = (refreshToken: string, call: Observable<AuthTokens>): Observable<AuthTokens> =>
    new Observable<AuthTokens>((subscriber) => {
      const fp = fingerprint(refreshToken);
      const subs: Subscription[] = [];
      let release: (() => void) | undefined;
      const deliver = (answer: Answer): void => {
        pending.delete(entry);
        release?.();
        if (answer.t === 'refreshed') {
          subscriber.next(answer.tokens);
          subscriber.complete();
        } else subscriber.error(new TabRefreshFailed(answer.verdict, `the refresh was ${answer.verdict === 'rejected' ? 'rejected' : 'unavailable'}`));
      };
      const entry: Pending = { fp, at: env.scheduler.now(), phase: 'electing', beaten: false, locked: false, settle: deliver };
      const known = recent.get(fp);
      if (known !== undefined) {
        deliver(known);
        return undefined;
      }
      pending.add(entry);

      const lead = (): void => {
        entry.phase = 'leading';
        subs.push(
          call.subscribe({
            next: (tokens) => {
              const answer: Answer = { t: 'refreshed', fp, tokens };
              remember(answer);
              post(answer);
              deliver(answer);
            },
            error: (error: unknown) => {
              const answer: Answer = { t: 'refresh-failed', fp, verdict: refreshVerdict(error) };
              remember(answer);
              post(answer);
              pending.delete(entry);
              release?.();
              subscriber.error(error); // the caller maps its own error (with its cause)
            },
          }),
        );
      };
      const elect = (locked: boolean): void => {
        // Holding the lock, nobody else is refreshing: an earlier rival's claim is over (its answer, if any, comes back to the claim).
        if (locked) {
          entry.beaten = false;
          entry.locked = true;
        }
        post({ t: 'claim', fp, id, at: entry.at });
        subs.push(
          env.scheduler.schedule(() => {
            if (!pending.has(entry)) return;
            if (!entry.beaten) return lead();
            entry.phase = 'waiting';
          }, options.electionMs),
        );
      };
      // Bounded: nobody answered (the leader's tab was closed mid-refresh): unavailable, session kept.
      subs.push(
        env.scheduler.schedule(() => {
          if (pending.has(entry) && entry.phase !== 'leading') deliver({ t: 'refresh-failed', fp, verdict: 'unavailable' });
        }, options.waitMs),
      );

      if (options.locks === undefined) elect(false);
      else {
        options.locks
          .request(options.lockName, () =>
            pending.has(entry) && !closed
              ? new Promise<void>((resolve) => {
                  release = resolve;
                  elect(true);
                })
              : Promise.resolve(),
          )
          .catch(() => {
            if (pending.has(entry) && entry.phase === 'electing') elect(false); // no lock after all: the channel decides
          });
      }
      return () => {
        pending.delete(entry);
        release?.();
        for (const sub of subs) sub.unsubscribe();
      };
    });

  return {
    coordinate,
    announce: (change) => post({ t: 'session', tokens: change.tokens, ...(change.reason !== undefined ? { reason: change.reason } : {}) }),
    close: () => {
      if (closed) return;
      closed = true;
      channel.removeEventListener('message', onMessage);
      for (const p of pending) p.settle({ t: 'refresh-failed', fp: p.fp, verdict: 'unavailable' });
      try {
        channel.close();
      } catch {
        // already closed
      }
    },
  };
}

/** The channel `tabSync: true` uses: a `BroadcastChannel` where one exists (unref'd in Node, so it never keeps a process alive). */
export function defaultTabChannel(name: string): TabChannelLike | undefined {
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => TabChannelLike & { unref?: () => void } }).BroadcastChannel;
  if (typeof Channel !== 'function') return undefined;
  const channel = new Channel(name);
  channel.unref?.();
  return channel;
}

/** `navigator.locks` where the platform has it (browsers in a secure context; not Node 20). */
export function defaultTabLocks(): TabLocksLike | undefined {
  const locks = (globalThis as { navigator?: { locks?: TabLocksLike } }).navigator?.locks;
  return typeof locks?.request === 'function' ? locks : undefined;
}

/**
 * A fingerprint of a refresh token (two FNV-1a 32-bit hashes): tabs match refreshes by it, so the
 * spent token itself is never posted. Not a security boundary; tabs of one origin share the store.
 */
export function fingerprint(token: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ token.length;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** Reads a channel message; anything else on the channel (another version, another library) is ignored. */
function parseMessage(data: unknown): Message | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as Record<string, unknown>;
  if (m.p !== PROTOCOL || typeof m.t !== 'string') return undefined;
  const fp = typeof m.fp === 'string' ? m.fp : undefined;
  switch (m.t) {
    case 'claim':
      return fp !== undefined && typeof m.id === 'string' && typeof m.at === 'number' ? { t: 'claim', fp, id: m.id, at: m.at } : undefined;
    case 'busy':
      return fp !== undefined ? { t: 'busy', fp } : undefined;
    case 'refreshed': {
      const tokens = parseAuthTokens(m.tokens);
      return fp !== undefined && tokens !== undefined ? { t: 'refreshed', fp, tokens } : undefined;
    }
    case 'refresh-failed':
      return fp !== undefined && (m.verdict === 'rejected' || m.verdict === 'unavailable') ? { t: 'refresh-failed', fp, verdict: m.verdict } : undefined;
    case 'session': {
      const tokens = m.tokens === null ? null : parseStoredTokens(m.tokens);
      if (tokens === undefined) return undefined;
      return { t: 'session', tokens, ...(typeof m.reason === 'string' ? { reason: m.reason } : {}) };
    }
    default:
      return undefined;
  }
}
