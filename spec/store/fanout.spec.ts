import { type Item, storeWith } from './store.fixtures';

describe('fan-out at scale (counts, not time)', () => {
  const N = 10_000;

  it('10,000 entities × 10,000 select(id) subscribers: one update → exactly one emission', () => {
    const store = storeWith(N);
    const counts = new Int32Array(N + 1);
    const last: Array<Item | undefined> = [];
    const subs = Array.from({ length: N }, (_, i) =>
      store.select(i + 1).subscribe((e) => {
        counts[i + 1]++;
        last[i + 1] = e;
      }),
    );
    let listEmissions = 0;
    const all = store.selectAll().subscribe(() => listEmissions++);
    counts.fill(0);
    listEmissions = 0;

    store.update(4242, { title: 'changed' });
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(counts[4242]).toBe(1);
    expect(last[4242]?.title).toBe('changed');
    expect(listEmissions).toBe(1);

    store.update(4242, { title: 'changed' }); // equal data
    store.upsert({ id: 17, title: 'item 17', done: false }); // equal data
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(listEmissions).toBe(1);

    store.transaction(() => {
      for (let id = 1; id <= 10; id++) store.update(id, { done: true });
      store.update(1, { title: 'twice in one transaction' });
    });
    expect(counts.reduce((a, b) => a + b, 0)).toBe(11);
    expect(counts.slice(1, 11).every((c) => c === 1)).toBe(true);
    expect(listEmissions).toBe(2);

    subs.forEach((s) => s.unsubscribe());
    all.unsubscribe();
  });
});
