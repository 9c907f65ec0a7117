import { NEVER, Observable, Subject, catchError, concat, isObservable, mergeMap, of, take, throwError } from 'rxjs';
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

  describe('an unsubscribe during a synchronous emission (take(1)), as the operator chain', () => {
    for (const [name, impl] of [
      ['mergeMap + catchError', reference],
      ['mapCatch', mapCatch],
    ] as const) {
      it(`${name}: releases an inner still open, projects and recovers nothing more`, () => {
        let live = 0;
        const open = new Observable<string>((s) => {
          live++;
          const sub = concat(of('x'), NEVER).subscribe(s);
          return () => {
            live--;
            sub.unsubscribe();
          };
        });
        const source = new Subject<number>();
        const got: string[] = [];
        impl(
          source,
          () => open,
          () => of('r'),
        )
          .pipe(take(1))
          .subscribe((v) => got.push(v));
        source.next(1);
        expect([got, live]).toEqual([['x'], 0]);

        const projected: number[] = [];
        let recovered = 0;
        const recover = (): Observable<number> => (recovered++, of(0));
        impl(of(1, 2, 3), (v: number) => (projected.push(v), v), recover)
          .pipe(take(1))
          .subscribe();
        impl(
          concat(
            of(1),
            throwError(() => 'late'),
          ),
          (v: number) => v,
          recover,
        )
          .pipe(take(1))
          .subscribe();
        expect([projected, recovered]).toEqual([[1], 0]);
      });

      it(`${name}: a synchronous failure is torn down before the recovery is subscribed`, () => {
        const log: string[] = [];
        const failing = new Observable<number>((s) => {
          s.error('boom');
          return () => log.push('source torn down');
        });
        impl(
          failing,
          (v: number) => v,
          () => new Observable<number>(() => void log.push('recovery subscribed')),
        ).subscribe();
        expect(log).toEqual(['source torn down', 'recovery subscribed']);
      });
    }
  });
});
