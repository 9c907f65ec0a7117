import { Injectable } from '@angular/core';
import type { AuthTokens } from 'rxsync';

/** Server counters the page shows beside the timeline (from the demo server's /demo/stats). */
export interface ServerCounts {
  readonly requests: number;
  readonly refreshCalls: number;
  readonly requestsByRoute: Readonly<Record<string, number>>;
}

/**
 * The demo server's fault switches. Plain fetch on purpose: these calls are the demo's
 * remote control, not app traffic, and must not show in rxsync's timeline.
 */
@Injectable({ providedIn: 'root' })
export class DemoControls {
  private post(path: string, body: unknown = {}): Promise<Response> {
    return fetch(`/demo/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  burst503(count = 3): Promise<Response> {
    return this.post('faults', { burst503: count });
  }

  slowNetwork(latencyMs: number): Promise<Response> {
    return this.post('network', { latencyMs });
  }

  /** Drops every API connection at the proxy, as a lost mobile link would (the browser stays "online"). */
  setReachable(reachable: boolean): Promise<Response> {
    return this.post('network', { reachable });
  }

  /** A token pair whose access token has already expired, for the same user. */
  async expiredTokens(): Promise<AuthTokens> {
    return (await (await this.post('expired-tokens')).json()) as AuthTokens;
  }

  async counts(): Promise<ServerCounts> {
    return (await (await fetch('/demo/stats')).json()) as ServerCounts;
  }
}
