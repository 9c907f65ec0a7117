/**
 * What the cache does to a body it keeps: measure it for the byte bounds and make it the cache's
 * own, so that what one screen does to the object it received never changes what the next hit
 * returns or what is written to the persistent store.
 *
 * Decision (issue #7): **structural sharing with frozen objects**. JSON data (objects, arrays) is
 * deep-frozen once, when it is stored (or loaded from the persistent tier), and then shared by
 * every hit: a memory hit pays nothing per read, which a copy per hit (`structuredClone`, 1–3 µs
 * for a small body, the whole cost of a hit) or a copy-on-write Proxy (a trap per property read,
 * for the life of the data) cannot say. The response that was stored is delivered frozen too, so
 * a body behaves the same on the first answer and on every hit. An app that wants to edit a body
 * copies it (`structuredClone(body)`, `{ ...body }`). Binary bodies cannot be frozen (a typed
 * array's bytes stay writable), so the cache keeps its own copy and each hit gets a copy of it;
 * strings and Blobs are immutable already.
 *
 * Both jobs are one walk on an explicit stack: a body nested thousands of levels deep is measured
 * and frozen without a `RangeError`.
 */

/**
 * Approximate size in bytes (JSON characters, binary by byte length). A body that cannot be
 * measured (a cycle, a throwing getter) is `Infinity`: larger than any bound, so it is never
 * stored rather than stored for free.
 */
export function bodySize(body: unknown): number {
  return walk(body, false);
}

/**
 * Makes `body` fit to keep, and returns it with its size: JSON data deep-frozen in place (the
 * same object, so the response being delivered carries it frozen), binary data copied.
 */
export function ownBody(body: unknown): { readonly body: unknown; readonly size: number } {
  if (body instanceof ArrayBuffer) return { body: body.slice(0), size: body.byteLength };
  if (ArrayBuffer.isView(body)) return { body: copyView(body), size: body.byteLength };
  return { body, size: walk(body, true) };
}

/** What a hit hands out: the shared frozen body, or a copy of a binary one. */
export function servedBody(body: unknown): unknown {
  if (body instanceof ArrayBuffer) return body.slice(0);
  if (ArrayBuffer.isView(body)) return copyView(body);
  return body;
}

/** Freezes JSON data loaded from a store (a new object graph each time). */
export function freezeBody(body: unknown): unknown {
  return ownBody(body).body;
}

function copyView(view: ArrayBufferView): ArrayBufferView {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
  if (view instanceof DataView) return new DataView(bytes.buffer);
  const Ctor = view.constructor as new (buffer: ArrayBufferLike) => ArrayBufferView;
  return new Ctor(bytes.buffer);
}

function walk(root: unknown, freeze: boolean): number {
  let size = 0;
  const stack: unknown[] = [root];
  const open = new Set<object>();
  try {
    while (stack.length > 0) {
      const value = stack.pop();
      size += scalarSize(value);
      if (typeof value !== 'object' || value === null) continue;
      if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
        size += value.byteLength;
        continue;
      }
      if (typeof Blob !== 'undefined' && value instanceof Blob) {
        size += value.size;
        continue;
      }
      if (value instanceof Date) {
        size += 26;
        continue;
      }
      // A value met twice is a cycle or a shared subtree; both are unusual in a parsed body, and
      // a cycle cannot be stored as JSON: unmeasurable.
      if (open.has(value)) return Number.POSITIVE_INFINITY;
      open.add(value);
      if (Array.isArray(value)) {
        size += 2 + value.length;
        for (let i = 0; i < value.length; i++) stack.push(value[i]);
      } else {
        size += 2;
        const record = value as Record<string, unknown>;
        for (const key of Object.keys(record)) {
          size += key.length + 4;
          stack.push(record[key]);
        }
      }
      if (freeze) Object.freeze(value);
    }
  } catch {
    return Number.POSITIVE_INFINITY;
  }
  return size;
}

function scalarSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
      return 8;
    case 'boolean':
      return 5;
    case 'bigint':
      return value.toString().length;
    case 'object':
      return value === null ? 4 : 0;
    default:
      return 0; // undefined, functions, symbols: JSON leaves them out
  }
}
