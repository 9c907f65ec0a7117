import { strongEtag } from './http';

export interface Item {
  id: string;
  name: string;
  price: number;
  /** ISO 8601, whole seconds: HTTP dates (Last-Modified) have one-second resolution. */
  updatedAt: string;
}

const NAMES = ['Apple', 'Banana', 'Cherry', 'Date', 'Elderberry', 'Fig', 'Grape', 'Honeydew', 'Kiwi', 'Lemon'];
/** A fixed start time: the same item count gives byte-identical bodies (and ETags) on every run. */
const EPOCH_MS = Date.UTC(2024, 0, 1);

/**
 * The in-memory item collection. Every mutation bumps `version` (which invalidates the memoized
 * list body and its ETag) and moves the clock forward by at least a second, so Last-Modified
 * changes whenever the content does and If-Modified-Since never answers 304 for a changed list.
 */
export class ItemStore {
  private readonly items = new Map<string, Item>();
  private nextId: number;
  private lastModifiedMs = EPOCH_MS;
  private version = 0;
  private listCache: { version: number; body: string; etag: string } | undefined;

  constructor(count: number) {
    for (let i = 1; i <= count; i++) {
      const id = String(i);
      this.lastModifiedMs = EPOCH_MS + i * 1000;
      this.items.set(id, {
        id,
        name: `${NAMES[(i - 1) % NAMES.length]} ${Math.ceil(i / NAMES.length)}`,
        price: ((i * 7919) % 10_000) / 100,
        updatedAt: new Date(this.lastModifiedMs).toISOString(),
      });
    }
    this.nextId = count + 1;
  }

  get size(): number {
    return this.items.size;
  }

  get lastModified(): Date {
    return new Date(this.lastModifiedMs);
  }

  list(): Item[] {
    return [...this.items.values()];
  }

  /** The whole collection serialized once per version: the benchmarks GET it in tight loops. */
  listRepresentation(): { body: string; etag: string } {
    if (this.listCache?.version !== this.version) {
      const body = JSON.stringify(this.list());
      this.listCache = { version: this.version, body, etag: strongEtag(body) };
    }
    return this.listCache;
  }

  get(id: string): Item | undefined {
    return this.items.get(id);
  }

  create(fields: { name: string; price: number }): Item {
    const item = { id: String(this.nextId++), ...fields, updatedAt: this.touch() };
    this.items.set(item.id, item);
    return item;
  }

  update(id: string, fields: { name?: string; price?: number }): Item | undefined {
    const existing = this.items.get(id);
    if (!existing) return undefined;
    const item = { ...existing, ...fields, id, updatedAt: this.touch() };
    this.items.set(id, item);
    return item;
  }

  remove(id: string): boolean {
    if (!this.items.has(id)) return false;
    this.items.delete(id);
    this.touch();
    return true;
  }

  private touch(): string {
    const nowSec = Math.floor(Date.now() / 1000) * 1000;
    this.lastModifiedMs = Math.max(nowSec, this.lastModifiedMs + 1000);
    this.version++;
    return new Date(this.lastModifiedMs).toISOString();
  }
}
