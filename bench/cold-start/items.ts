/**
 * The cached responses of the cold-start benchmark: 1,000 product-like JSON documents of about
 * 5 KB each (≈ 5 MB in all), the same bytes for every contestant. Deterministic (a seeded
 * generator), so runs compare.
 */
const WORDS = (
  'battery charger cable adapter wireless portable compact rugged waterproof travel outdoor ' +
  'kitchen steel ceramic bamboo organic cotton leather wool recycled premium classic modern ' +
  'black white silver graphite ocean forest desert arctic sunset midnight coral amber'
).split(' ');

/** A small linear congruential generator: the same items every run. */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function words(next: () => number, count: number): string {
  return Array.from({ length: count }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
}

/** The JSON body served for `/api/items/{id}`: about 5 KB. */
export function itemJson(id: number): string {
  const next = generator(id);
  const item = {
    id,
    sku: `SKU-${String(id).padStart(6, '0')}`,
    title: words(next, 6),
    price: Math.round(next() * 50_000) / 100,
    description: words(next, 150),
    specs: Array.from({ length: 24 }, (_, i) => ({ name: `spec-${i}`, value: words(next, 3) })),
    reviews: Array.from({ length: 10 }, (_, i) => ({ author: `user${Math.floor(next() * 10_000)}`, stars: 1 + (i % 5), text: words(next, 30) })),
  };
  return JSON.stringify(item);
}
