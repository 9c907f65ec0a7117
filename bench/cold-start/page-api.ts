/**
 * What each contestant's page (`*.page.ts`, bundled for the browser) puts on `window.__coldStart`,
 * and what `cold-start.bench.ts` calls through Playwright. Types only, plus the one helper every
 * page uses to fetch an item, so the pages differ only in the library they drive.
 */

/** What a seeding page reports once the library says everything is persisted. */
export interface SeedOutcome {
  /** Responses the library holds in IndexedDB, counted through the library's own storage (never by format guessing). */
  readonly persisted: number;
  readonly ms: number;
}

/** One cold start: from creating the client to the first cached answer. */
export interface FirstAnswer {
  /** `performance.now()` from just before the client is created to the answer in hand. */
  readonly ms: number;
  /** The `id` of the body answered (the bench checks it is the one asked for). */
  readonly id: number;
  /** What the library says about where the answer came from, for the notes. */
  readonly source: string;
}

export interface ColdStartPage {
  /** Fetches `/api/items/1..count` through the library and waits until it has persisted them in database `db`. */
  seed(db: string, count: number): Promise<SeedOutcome>;
  /** A new client over database `db` asks for `/api/items/{id}`; resolves with the first answer. */
  firstAnswer(db: string, id: number): Promise<FirstAnswer>;
}

declare global {
  interface Window {
    __coldStart?: ColdStartPage;
    __coldStartError?: string;
  }
}

/** The path of item `id` on the bench server. */
export const itemPath = (id: number): string => `/api/items/${id}`;

let fetches = 0;
/** How many times {@link fetchItem} ran in this page: 0 means every answer came from storage. */
export const fetchCount = (): number => fetches;

/** A plain fetch of one item, the query function of the TanStack pages (rxsync fetches through its own client). */
export async function fetchItem(id: number): Promise<{ id: number }> {
  fetches++;
  const response = await fetch(itemPath(id));
  if (!response.ok) throw new Error(`GET ${itemPath(id)}: ${response.status}`);
  return (await response.json()) as { id: number };
}

/** Runs `task(1..count)` with at most `concurrency` in flight (what a list screen's prefetch would do). */
export async function forEachItem(count: number, concurrency: number, task: (id: number) => Promise<unknown>): Promise<void> {
  let next = 1;
  const worker = async (): Promise<void> => {
    while (next <= count) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Puts a page's API on `window`, or the reason it could not start. */
export function expose(page: ColdStartPage): void {
  window.__coldStart = page;
}
