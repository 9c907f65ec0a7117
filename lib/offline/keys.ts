/**
 * A fresh Idempotency-Key: a UUID (draft-ietf-httpapi-idempotency-key-header recommends one).
 * `crypto.randomUUID` where present (browsers in secure contexts, Node ≥ 19), otherwise 128
 * random bits from `random` (older WebViews served over http).
 */
export function newIdempotencyKey(random: () => number = Math.random): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(random() * 4)]}${hex.slice(17, 20)}-${hex.slice(20)}`;
}
