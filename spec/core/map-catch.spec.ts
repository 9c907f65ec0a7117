import { catchError, isObservable, mergeMap, of, throwError, type Observable } from 'rxjs';
import { mapCatch } from '../../lib/core/map-catch';
import { createTestScheduler } from '../helpers/marbles';

/** The operator chain mapCatch replaces: both must give the same marbles. */
function reference<T, R>(source: Observable<T>, project: (v: T) => R | Observable<R>, recover: (e: unknown) => Observable<R>): Observable<R> {
  return source.pipe(
    mergeMap((v) => {
      const out = project(v);
      return isObservable(out) ? out : of(out);
    }),
    catchError(recover),
  );
}

describe('mapCatch (mergeMap + catchError in one subscriber)', () => {
  const cases: Array<{ name: string; source: string; inner?: string; recovery: string; unsub?: string }> = [
    { name: 'a plain value is emitted as it is', source: '--a--b--|', recovery: 'r|' },
    { name: 'a source error goes to recover', source: '--a--#', recovery: '--r|' },
    { name: 'an inner Observable is merged, completion waits for it', source: '--a|', inner: '---x--y|', recovery: 'r|' },
    { name: 'an inner error goes to recover and ends the source', source: '--a-----b--|', inner: '---#', recovery: '-r|' },
    { name: 'unsubscribing ends source, inners and recovery', source: '--a--#', inner: '--x-----y|', recovery: '--r--s|', unsub: '--------!' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      for (const impl of [reference, mapCatch]) {
        const rx = createTestScheduler();
        rx.run(({ cold, expectObservable, expectSubscriptions }) => {
          const source = cold<string>(c.source);
          const inner = c.inner === undefined ? undefined : cold<string>(c.inner);
          const recovery = cold<string>(c.recovery);
          const project = (v: string): string | Observable<string> => (inner && v === 'a' ? inner : v.toUpperCase());
          const result = impl(source, project, () => recovery);
          // Expected marbles are the reference's; recorded once per case below.
          expectObservable(result, c.unsub).toBe(expected[c.name].marbles, expected[c.name].values);
          expectSubscriptions(source.subscriptions).toBe(expected[c.name].sourceSubs);
        });
      }
    });
  }

  const expected: Record<string, { marbles: string; values?: Record<string, string>; sourceSubs: string }> = {
    'a plain value is emitted as it is': { marbles: '--A--B--|', values: { A: 'A', B: 'B' }, sourceSubs: '^-------!' },
    'a source error goes to recover': { marbles: '--A----r|', values: { A: 'A', r: 'r' }, sourceSubs: '^----!' },
    'an inner Observable is merged, completion waits for it': { marbles: '-----x--y|', sourceSubs: '^--!' },
    'an inner error goes to recover and ends the source': { marbles: '------r|', sourceSubs: '^----!' },
    'unsubscribing ends source, inners and recovery': { marbles: '----x--r', sourceSubs: '^----!' },
  };

  it('a throwing project goes to recover; a throwing recover errors the result', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const boom = (): never => {
        throw new Error('project');
      };
      expectObservable(mapCatch(cold('--a|'), boom, () => of('r'))).toBe('--(r|)');
      expectObservable(
        mapCatch(
          cold('--#'),
          (v) => v,
          (): Observable<string> => {
            throw new Error('recover');
          },
        ),
      ).toBe('--#', undefined, new Error('recover'));
    });
  });

  it('a synchronous source error unsubscribes nothing twice and recovers once', () => {
    const recovered: unknown[] = [];
    const values: string[] = [];
    mapCatch(
      throwError(() => 'sync'),
      (v: string) => v,
      (e) => {
        recovered.push(e);
        return of('r');
      },
    ).subscribe((v) => values.push(v));
    expect(recovered).toEqual(['sync']);
    expect(values).toEqual(['r']);
  });
});
