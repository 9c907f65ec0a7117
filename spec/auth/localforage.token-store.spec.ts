import 'fake-indexeddb/auto';
import localforage from 'localforage';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { localforageTokenStore } from '../../lib/auth/localforage.token-store';

let database = 0;
/** A fresh IndexedDB database per test; a second instance on the same name is "after a restart". */
function freshDatabase(): { name: string; open: () => LocalForage } {
  const name = `rxsync-auth-spec-${database++}`;
  return { name, open: () => localforage.createInstance({ name }) };
}

const save = (store: ReturnType<typeof localforageTokenStore>, tokens: Parameters<ReturnType<typeof localforageTokenStore>['save']>[0]) =>
  lastValueFrom(store.save(tokens), { defaultValue: undefined });

describe('localforageTokenStore', () => {
  it('survives a restart: a new store on the same database loads what the first saved', async () => {
    const db = freshDatabase();
    await save(localforageTokenStore({ instance: db.open() }), { accessToken: 'a1', refreshToken: 'r1' });

    const afterRestart = localforageTokenStore({ instance: db.open() });
    await expect(firstValueFrom(afterRestart.load())).resolves.toEqual({ accessToken: 'a1', refreshToken: 'r1' });
  });

  it('loads null when nothing was stored', async () => {
    await expect(firstValueFrom(localforageTokenStore({ instance: freshDatabase().open() }).load())).resolves.toBeNull();
  });

  it('forgets the session on save(null)', async () => {
    const store = localforageTokenStore({ instance: freshDatabase().open() });
    await save(store, { accessToken: 'a1' });
    await save(store, null);
    await expect(firstValueFrom(store.load())).resolves.toBeNull();
  });

  it('stores only the token fields and the partition', async () => {
    const instance = freshDatabase().open();
    const tokens = { accessToken: 'a1', refreshToken: 'r1', partition: 'session:p1', password: 'hunter2' };
    await save(localforageTokenStore({ instance }), tokens);
    await expect(instance.getItem('rxsync:auth-tokens')).resolves.toEqual({ accessToken: 'a1', refreshToken: 'r1', partition: 'session:p1' });
  });

  it('reads the partition back after a restart, so an opaque-token user finds their cache again', async () => {
    const db = freshDatabase();
    await save(localforageTokenStore({ instance: db.open() }), { accessToken: 'a1', partition: 'session:p1' });
    await expect(firstValueFrom(localforageTokenStore({ instance: db.open() }).load())).resolves.toEqual({ accessToken: 'a1', partition: 'session:p1' });
  });

  it('drops a partition that is not a non-empty string but keeps the tokens (the session then gets a fresh one)', async () => {
    const instance = freshDatabase().open();
    await instance.setItem('rxsync:auth-tokens', { accessToken: 'a1', partition: 42 });
    await expect(firstValueFrom(localforageTokenStore({ instance }).load())).resolves.toEqual({ accessToken: 'a1' });
  });

  it('keeps entries apart by key', async () => {
    const instance = freshDatabase().open();
    await save(localforageTokenStore({ instance, key: 'app-a' }), { accessToken: 'a' });
    await expect(firstValueFrom(localforageTokenStore({ instance, key: 'app-b' }).load())).resolves.toBeNull();
  });

  it.each([
    ['a string', 'garbage'],
    ['a number', 42],
    ['an array', [1, 2]],
    ['an object without accessToken', { refreshToken: 'r1' }],
    ['an empty accessToken', { accessToken: '' }],
    ['an accessToken that is not a string', { accessToken: 42 }],
  ])('loads a garbage entry (%s) as null instead of crashing', async (_what, garbage) => {
    const instance = freshDatabase().open();
    await instance.setItem('rxsync:auth-tokens', garbage);
    await expect(firstValueFrom(localforageTokenStore({ instance }).load())).resolves.toBeNull();
  });

  it('drops a refreshToken of the wrong type but keeps the access token', async () => {
    const instance = freshDatabase().open();
    await instance.setItem('rxsync:auth-tokens', { accessToken: 'a1', refreshToken: 7 });
    await expect(firstValueFrom(localforageTokenStore({ instance }).load())).resolves.toEqual({ accessToken: 'a1' });
  });

  it('is cold: nothing touches storage before subscribe', async () => {
    const instance = freshDatabase().open();
    const getItem = jest.spyOn(instance, 'getItem');
    const setItem = jest.spyOn(instance, 'setItem');
    const store = localforageTokenStore({ instance });
    store.load();
    store.save({ accessToken: 'a1' });
    expect(getItem).not.toHaveBeenCalled();
    expect(setItem).not.toHaveBeenCalled();
  });

  it('reports a driver failure on the error channel (the session turns it into an event)', async () => {
    const instance = freshDatabase().open();
    jest.spyOn(instance, 'getItem').mockRejectedValue(new Error('QuotaExceededError'));
    await expect(firstValueFrom(localforageTokenStore({ instance }).load())).rejects.toThrow('QuotaExceededError');
  });
});
