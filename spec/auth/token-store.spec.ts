import { firstValueFrom, lastValueFrom } from 'rxjs';
import { memoryTokenStore } from '../../lib/auth/token-store';

describe('memoryTokenStore', () => {
  it('loads what it was created with, synchronously', () => {
    const seen: unknown[] = [];
    memoryTokenStore({ accessToken: 'a1', refreshToken: 'r1' })
      .load()
      .subscribe((tokens) => seen.push(tokens));
    expect(seen).toEqual([{ accessToken: 'a1', refreshToken: 'r1' }]);
  });

  it('loads null when empty', async () => {
    await expect(firstValueFrom(memoryTokenStore().load())).resolves.toBeNull();
  });

  it('is cold: nothing is saved before subscribe', async () => {
    const store = memoryTokenStore({ accessToken: 'a1' });
    const save = store.save({ accessToken: 'a2' });
    await expect(firstValueFrom(store.load())).resolves.toEqual({ accessToken: 'a1' });
    await lastValueFrom(save, { defaultValue: undefined });
    await expect(firstValueFrom(store.load())).resolves.toEqual({ accessToken: 'a2' });
  });

  it('forgets the session on save(null)', async () => {
    const store = memoryTokenStore({ accessToken: 'a1' });
    await lastValueFrom(store.save(null), { defaultValue: undefined });
    await expect(firstValueFrom(store.load())).resolves.toBeNull();
  });
});
