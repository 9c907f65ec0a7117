import type { HeaderMap } from '../core/headers';
import type { StoredResponse } from './cache-entry';
import { urlKeyOf, varyMatches } from './cache-key';

/**
 * Several responses per URL (RFC 9111 §4.1): responses that differ by the request fields their
 * `Vary` names are stored side by side, each under its own {@link variantKey}, and a read selects
 * among them. Pure: the tiers keep the keys, this file chooses.
 */

/**
 * The stored response to reuse for a request with `headers`: among the candidates still in use
 * (`expiresAt > now`) whose Vary fields match the request, the most recent (§4.1: "the most
 * recent response (as determined by the Date header field)"); equal Dates go to the one received
 * (or revalidated) last. `undefined` when none matches.
 */
export function selectVariant(candidates: Iterable<StoredResponse | undefined>, headers: HeaderMap, now: number): StoredResponse | undefined {
  let best: StoredResponse | undefined;
  for (const candidate of candidates) {
    if (candidate !== undefined && candidate.expiresAt > now && selects(candidate, headers) && (best === undefined || moreRecent(candidate, best))) {
      best = candidate;
    }
  }
  return best;
}

/** §4.1: a stored response is selected when every field its Vary names matches the request. */
export function selects(stored: StoredResponse, headers: HeaderMap): boolean {
  return varyMatches(stored.facts.vary, stored.entry.varyHeaders, headers);
}

/** §4.1: by Date, then by receipt (or last validation). */
export function moreRecent(a: StoredResponse, b: StoredResponse): boolean {
  return a.facts.dateMs !== b.facts.dateMs ? a.facts.dateMs > b.facts.dateMs : a.entry.storedAt > b.entry.storedAt;
}

/**
 * Which keys hold the variants of each URL, oldest first (a key added again becomes the newest).
 * Bookkeeping only, beside a tier's own map: the tier adds and deletes as it stores and drops.
 */
export interface VariantGroups {
  add(key: string): void;
  delete(key: string): void;
  /** The variant keys of `urlKey`, oldest first, or `undefined` when it has none. Do not keep: it changes in place. */
  of(urlKey: string): readonly string[] | undefined;
  /** The oldest keys of `urlKey` beyond `max` variants, never `keep` (the one just stored). */
  excess(urlKey: string, max: number, keep: string | undefined): string[];
  clear(): void;
}

export function createVariantGroups(): VariantGroups {
  const groups = new Map<string, string[]>();
  const remove = (key: string, group: string[] | undefined): void => {
    const at = group?.indexOf(key) ?? -1;
    if (group === undefined || at === -1) return;
    group.splice(at, 1);
    if (group.length === 0) groups.delete(urlKeyOf(key));
  };
  return {
    add(key) {
      const urlKey = urlKeyOf(key);
      const group = groups.get(urlKey);
      if (group === undefined) return void groups.set(urlKey, [key]);
      if (group[group.length - 1] === key) return; // the common repeat: already the newest
      remove(key, group);
      if (group.length === 0) groups.set(urlKey, group);
      group.push(key);
    },
    delete: (key) => remove(key, groups.get(urlKeyOf(key))),
    of: (urlKey) => groups.get(urlKey),
    excess(urlKey, max, keep) {
      const group = groups.get(urlKey) ?? [];
      const over = group.length - Math.max(1, max);
      return over <= 0 ? [] : group.filter((key) => key !== keep).slice(0, over);
    },
    clear: () => groups.clear(),
  };
}
