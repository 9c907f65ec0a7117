import { finalize } from 'rxjs';
import { eachValueFrom } from 'rxjs-for-await';
import { item, storeWith } from './store.fixtures';

describe('async iteration with rxjs-for-await', () => {
  it('iterates select(id) with for await, and breaking out unsubscribes', async () => {
    const store = storeWith(42);
    let finalized = false;
    const titles: string[] = [];
    const reading = (async () => {
      for await (const entity of eachValueFrom(store.select('42').pipe(finalize(() => (finalized = true))))) {
        titles.push(entity?.title ?? 'absent');
        if (entity === undefined) break;
      }
    })();
    await Promise.resolve();
    store.update(42, { title: 'renamed' });
    store.upsert(item(42, 'renamed')); // equal data: no value
    store.remove(42);
    await reading;
    expect(titles).toEqual(['item 42', 'renamed', 'absent']);
    expect(finalized).toBe(true);
  });
});
