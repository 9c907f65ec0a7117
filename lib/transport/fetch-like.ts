/**
 * The slice of the WHATWG fetch API the transport uses, so any implementation plugs in:
 * the platform's, undici's, a Capacitor-patched one, or a fake in tests.
 */
export type FetchLike = (input: string, init: FetchInit) => Promise<FetchResponseLike>;

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: unknown;
  signal: AbortSignal;
  cache?: 'no-store' | 'default';
  redirect?: 'follow';
}

export interface FetchResponseLike {
  readonly status: number;
  readonly url: string;
  readonly headers: { get(name: string): string | null; forEach(cb: (value: string, name: string) => void): void };
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}
