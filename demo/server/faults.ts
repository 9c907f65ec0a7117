import { mulberry32 } from './prng';
import type { FaultKind, FaultKnobs } from './types';

const RATE_KEYS = ['resetRate', 'hangRate', 'errorRate', 'rateLimitRate', 'truncateRate', 'captivePortalRate'] as const;

/** A network fault decided for one request before it reaches its route. */
export type NetworkFault = Exclude<FaultKind, 'refreshFails' | 'refreshGarbage'>;

export const NO_FAULTS: Readonly<FaultKnobs> = {
  errorRate: 0,
  resetRate: 0,
  hangRate: 0,
  rateLimitRate: 0,
  retryAfterSec: 1,
  burst503: 0,
  truncateRate: 0,
  captivePortalRate: 0,
  loseMutationAnswers: 0,
  outage: false,
  refreshFails: false,
  refreshGarbage: false,
  faultsOnAuth: false,
};

/**
 * Decides which fault (if any) a request suffers. One PRNG draw per request picks among
 * disjoint outcomes, so `errorRate: 0.2, resetRate: 0.05` means exactly those shares over a long
 * run, and the same seed replays the same sequence.
 */
export class FaultInjector {
  private readonly random: () => number;
  private current: FaultKnobs = { ...NO_FAULTS };
  private burstLeft = 0;
  private lostAnswersLeft = 0;
  private totalRate = 0;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  get knobs(): Readonly<FaultKnobs> {
    return this.current;
  }

  set(faults: Partial<FaultKnobs>): void {
    const next = { ...this.current, ...faults };
    for (const key of [...RATE_KEYS, 'retryAfterSec', 'burst503', 'loseMutationAnswers'] as const) {
      const value = next[key];
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`${key} must be a finite number ≥ 0, got ${value}`);
    }
    const total = RATE_KEYS.reduce((sum, key) => sum + next[key], 0);
    if (total > 1 + 1e-9) throw new RangeError(`fault rates are exclusive outcomes of one draw; their sum must be ≤ 1, got ${total}`);
    this.current = next;
    this.totalRate = total;
    if (faults.burst503 !== undefined) this.burstLeft = Math.floor(faults.burst503);
    if (faults.loseMutationAnswers !== undefined) this.lostAnswersLeft = Math.floor(faults.loseMutationAnswers);
  }

  /** Whether network faults apply to this path: API routes always, /auth/* only on request. */
  appliesTo(path: string): boolean {
    return this.current.faultsOnAuth || !path.startsWith('/auth/');
  }

  /** Whether the answer of a mutation just applied is to be cut off (see `loseMutationAnswers`). */
  takeLostAnswer(): boolean {
    if (this.lostAnswersLeft === 0) return false;
    this.lostAnswersLeft--;
    return true;
  }

  decide(): NetworkFault | undefined {
    if (this.current.outage) return 'outage';
    if (this.burstLeft > 0) {
      this.burstLeft--;
      return 'burst503';
    }
    // No draw when no rate is set: the fault-free hot path stays a couple of comparisons.
    if (this.totalRate === 0) return undefined;
    let r = this.random();
    if ((r -= this.current.resetRate) < 0) return 'reset';
    if ((r -= this.current.hangRate) < 0) return 'hang';
    if ((r -= this.current.errorRate) < 0) return 'error';
    if ((r -= this.current.rateLimitRate) < 0) return 'rateLimit';
    if ((r -= this.current.truncateRate) < 0) return 'truncate';
    if (r - this.current.captivePortalRate < 0) return 'captivePortal';
    return undefined;
  }
}
