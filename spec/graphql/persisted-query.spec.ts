import { createHash } from 'node:crypto';
import { firstValueFrom, Observable, of, throwError } from 'rxjs';
import { GraphQLError } from '../../lib/core/errors';
import { memoizeHash, persistedQueryExtensions, persistedQueryFailure, sha256Hex } from '../../lib/graphql/persisted-query';
import { httpError } from '../../lib/testing/responses';
import { createTestScheduler } from '../helpers/marbles';

const req = { method: 'GET' as const, url: 'https://api.test/graphql' };

describe('sha256Hex', () => {
  it('hashes with node:crypto synchronously (the FIPS 180-2 "abc" vector)', () => {
    let hash: string | undefined;
    sha256Hex('abc').subscribe((h) => (hash = h));
    expect(hash).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('matches the hash the server checks, for non-ASCII documents too', async () => {
    const query = 'query Ünïcode { me { id } } # ✓';
    await expect(firstValueFrom(sha256Hex(query))).resolves.toBe(createHash('sha256').update(query).digest('hex'));
  });

  it('falls back to crypto.subtle when node:crypto is unavailable (browsers)', async () => {
    jest.resetModules();
    const getBuiltinModule = process.getBuiltinModule;
    (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
    const digest = jest.spyOn(globalThis.crypto.subtle, 'digest');
    try {
      const fresh = await import('../../lib/graphql/persisted-query');
      await expect(firstValueFrom(fresh.sha256Hex('abc'))).resolves.toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(digest).toHaveBeenCalledTimes(1);
    } finally {
      process.getBuiltinModule = getBuiltinModule;
      digest.mockRestore();
    }
  });
});

describe('memoizeHash', () => {
  it('hashes each document once; later calls answer synchronously', () => {
    const hash = jest.fn((q: string) => of(`h(${q})`));
    const memo = memoizeHash(hash);
    const seen: string[] = [];
    memo('a').subscribe((h) => seen.push(h));
    memo('a').subscribe((h) => seen.push(h));
    memo('b').subscribe((h) => seen.push(h));
    expect(seen).toEqual(['h(a)', 'h(a)', 'h(b)']);
    expect(hash).toHaveBeenCalledTimes(2);
  });

  it('shares one asynchronous computation between concurrent first calls', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const computation = cold('--h|', { h: 'abc123' });
      const memo = memoizeHash(() => computation);
      expectObservable(memo('q')).toBe('--(h|)', { h: 'abc123' });
      expectObservable(memo('q'), '-^').toBe('--(h|)', { h: 'abc123' });
      expectObservable(memo('q'), '----^').toBe('----(h|)', { h: 'abc123' }); // from memory
      expectSubscriptions(computation.subscriptions).toBe('^-!');
    });
  });

  it('is lazy: nothing is hashed before subscribe', () => {
    const hash = jest.fn(() => of('h'));
    memoizeHash(hash)('q');
    expect(hash).not.toHaveBeenCalled();
  });

  it('does not remember a failure: the next call hashes again', () => {
    let calls = 0;
    const memo = memoizeHash(() => (++calls === 1 ? throwError(() => new Error('no crypto')) : of('h')));
    const errors: unknown[] = [];
    memo('q').subscribe({ error: (e) => errors.push(e) });
    let hash: string | undefined;
    memo('q').subscribe((h) => (hash = h));
    expect(errors).toHaveLength(1);
    expect(hash).toBe('h');
  });

  it('errors (instead of completing silently) when the hash function emits nothing', () => {
    const errors: unknown[] = [];
    memoizeHash(() => new Observable<string>((s) => s.complete()))('q').subscribe({ error: (e) => errors.push(e) });
    expect(String(errors[0])).toMatch(/RXSYNC-1302/);
  });
});

describe('persistedQueryFailure', () => {
  it.each([
    [
      'code PERSISTED_QUERY_NOT_FOUND asks to register',
      new GraphQLError(req, [{ message: 'x', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }], undefined),
      'register',
    ],
    [
      'the message PersistedQueryNotFound (older servers) asks to register',
      new GraphQLError(req, [{ message: 'PersistedQueryNotFound' }], undefined),
      'register',
    ],
    [
      'PERSISTED_QUERY_NOT_SUPPORTED disables APQ',
      new GraphQLError(req, [{ message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } }], undefined),
      'disable',
    ],
    ['a 400/404 HttpError whose body says not found asks to register', httpError(404, { errors: [{ message: 'PersistedQueryNotFound' }] }), 'register'],
    [
      'other GraphQL errors are not APQ failures',
      new GraphQLError(req, [{ message: 'unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }], null),
      undefined,
    ],
    ['a 5xx is never read as an APQ answer (retry and the cache deal with it)', httpError(503, { errors: [{ message: 'PersistedQueryNotFound' }] }), undefined],
    ['a plain error is not an APQ failure', new Error('PersistedQueryNotFound'), undefined],
  ])('%s', (_rule, error, expected) => {
    expect(persistedQueryFailure(error)).toBe(expected);
  });

  it('builds the Apollo version-1 extensions', () => {
    expect(persistedQueryExtensions('ab')).toEqual({ persistedQuery: { version: 1, sha256Hash: 'ab' } });
  });
});
