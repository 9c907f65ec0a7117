/**
 * Typed per-request options, as Angular's `HttpContext`: a layer reads its own token, other
 * layers never see it, and the `Layer` signature stays `(req, next)` forever.
 *
 * @example
 * const TRACE_ID = new ContextToken<string | undefined>('trace-id', () => undefined);
 * client.get('/items', { context: RequestContext.empty().set(TRACE_ID, 'abc') });
 */
export class ContextToken<T> {
  constructor(
    readonly name: string,
    readonly defaultValue: () => T,
  ) {}
}

/** An immutable map of {@link ContextToken} to value; `set` returns a new context. */
export class RequestContext {
  private static readonly EMPTY = new RequestContext(new Map());

  private constructor(private readonly values: ReadonlyMap<ContextToken<unknown>, unknown>) {}

  static empty(): RequestContext {
    return RequestContext.EMPTY;
  }

  get<T>(token: ContextToken<T>): T {
    return this.values.has(token) ? (this.values.get(token) as T) : token.defaultValue();
  }

  has(token: ContextToken<unknown>): boolean {
    return this.values.has(token);
  }

  /** How many tokens are set. */
  get size(): number {
    return this.values.size;
  }

  /** Visits every token set, in the order it was first set. */
  forEach(visit: (value: unknown, token: ContextToken<unknown>) => void): void {
    this.values.forEach(visit);
  }

  set<T>(token: ContextToken<T>, value: T): RequestContext {
    const next = new Map(this.values);
    next.set(token, value);
    return new RequestContext(next);
  }
}
