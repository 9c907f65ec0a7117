import { defer, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import {
  CircuitOpenError,
  createApiClient,
  memoryFleetStore,
  RetryBudgetExhaustedError,
  type ApiClientConfig,
  type ApiRequest,
  type ApiResponse,
  type ClientEvent,
  type FleetConfig,
} from 'rxsync';
import { httpError, okResponse } from 'rxsync/testing';
import { createTestScheduler } from '../helpers/marbles';

const API = 'https://api.example.com';
const ok = okResponse({ ok: true });
const requestOf = (path: string): Pick<ApiRequest, 'method' | 'url'> => ({ method: 'GET', url: `${API}${path}` });

/** A backend answering by a script, recording every request it received. */
function backend(answer: (req: ApiRequest) => Observable<ApiResponse>) {
  const seen: ApiRequest[] = [];
  return { seen, handler: (req: ApiRequest) => defer(() => (seen.push(req), answer(req))) };
}

/** A client in virtual time with exact waits: no retry jitter, no break jitter. */
function clientFor(
  rx: TestScheduler,
  handler: ApiClientConfig['transport'],
  fleet: FleetConfig,
  retry: ApiClientConfig['retry'] = { jitter: 'none' },
  extra: Partial<ApiClientConfig> = {},
) {
  // These specs exercise the mechanisms with A6's 10-token bucket (the default until the fleet simulation chose 4); an own budget wins.
  const client = createApiClient({
    baseUrl: API,
    scheduler: rx,
    transport: handler,
    cache: false,
    dedupe: false,
    retry,
    fleet: { budget: { maxTokens: 10 }, ...fleet },
    ...extra,
  });
  const events: ClientEvent[] = [];
  client.events$.subscribe((e) => events.push(e));
  return { client, events };
}

const fleetEvents = (events: ClientEvent[]) =>
  events
    .filter((e) => e.type === 'circuit-state' || e.type === 'retry-budget' || e.type === 'pushback')
    .map((e) => {
      if (e.type === 'circuit-state') return `${e.at} ${e.state}${e.nextProbeAt === undefined ? '' : ` probe@${e.nextProbeAt}`}`;
      if (e.type === 'retry-budget') return `${e.at} budget ${e.retriesAllowed ? 'refilled' : 'spent'} (${e.tokens})`;
      return `${e.at} pushback ${e.status} until ${e.pausedUntil}`;
    });

describe('fleet safety through createApiClient (virtual time)', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  describe('circuit breaker', () => {
    it('opens after consecutive failures, fails fast saying when the probe is due, lets exactly one probe through, closes on its success; a request meeting the probe in flight waits for its verdict', () => {
      rx.run(({ cold, expectObservable }) => {
        // Down until 1000 ms, then answering after 10 ms.
        const server = backend((req) =>
          rx.now() < 1000 ? cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)) : cold('----------(r|)', { r: ok }),
        );
        const { client, events } = clientFor(
          rx,
          server.handler,
          { budget: false, breaker: { failureThreshold: 3, openMs: 1000, jitter: 'none' } },
          { maxAttempts: 1 },
        );

        const failure = httpError(503, null, {}, requestOf('/a'));
        expectObservable(client.get('/a')).toBe('-#', undefined, failure);
        expectObservable(client.get('/b')).toBe('-#', undefined, httpError(503, null, {}, requestOf('/b')));
        expectObservable(client.get('/c')).toBe('-#', undefined, httpError(503, null, {}, requestOf('/c'))); // third failure at 1: open until 1001
        expectObservable(client.get('/d'), '500ms ^').toBe('500ms #', undefined, new CircuitOpenError(requestOf('/d'), API, 'open', 1001, 501));
        expectObservable(client.get('/probe'), '1001ms ^').toBe('1011ms (r|)', { r: ok.body });
        // Half-open at 1005: /e waits for the probe's verdict (closed at 1011), then goes out.
        expectObservable(client.get('/e'), '1005ms ^').toBe('1021ms (r|)', { r: ok.body });
        expectObservable(client.get('/f'), '1020ms ^').toBe('1030ms (r|)', { r: ok.body });

        rx.flush();
        expect(server.seen.map((r) => r.url.slice(API.length))).toEqual(['/a', '/b', '/c', '/probe', '/e', '/f']);
        expect(fleetEvents(events)).toEqual(['1 open probe@1001', '1001 half-open', '1011 closed']);
      });
    });

    it('the retry layer waits for the probe instead of burning attempts, and the probe recovers the request', () => {
      rx.run(({ cold, expectObservable }) => {
        const server = backend((req) => (rx.now() < 1000 ? cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)) : cold('-(r|)', { r: ok })));
        const { client } = clientFor(
          rx,
          server.handler,
          { budget: false, breaker: { failureThreshold: 2, openMs: 1000, jitter: 'none' } },
          { jitter: 'none', baseDelayMs: 100 },
        );
        // attempt 1 fails at 1; waits 100; attempt 2 fails at 102 → open until 1102; waits 200;
        // attempt 3 at 302 is refused (probe in 800 ms), so it waits 800, not its 400 backoff;
        // attempt 4 at 1102 is the probe, answered at 1103.
        expectObservable(client.get('/items')).toBe('1103ms (r|)', { r: ok.body });
        rx.flush();
        expect(server.seen).toHaveLength(3);
      });
    });

    it("while the probe is in flight, the others wait for its verdict: its failure fails them fast with the next probe's time, sending nothing", () => {
      rx.run(({ cold, expectObservable }) => {
        const server = backend((req) => cold<ApiResponse>('-----#', undefined, httpError(503, null, {}, req)));
        const { client, events } = clientFor(
          rx,
          server.handler,
          { budget: false, breaker: { failureThreshold: 1, openMs: 1000, jitter: 'none' } },
          { maxAttempts: 1 },
        );
        expectObservable(client.get('/a')).toBe('-----#', undefined, httpError(503, null, {}, requestOf('/a'))); // open at 5, probe due at 1005
        expectObservable(client.get('/probe'), '1005ms ^').toBe('1010ms #', undefined, httpError(503, null, {}, requestOf('/probe')));
        const refused = (path: string) => new CircuitOpenError(requestOf(path), API, 'open', 2010, 1000);
        expectObservable(client.get('/w1'), '1006ms ^').toBe('1010ms #', undefined, refused('/w1'));
        expectObservable(client.get('/w2'), '1009ms ^').toBe('1010ms #', undefined, refused('/w2'));
        rx.flush();
        expect(server.seen.map((r) => r.url.slice(API.length))).toEqual(['/a', '/probe']);
        expect(fleetEvents(events)).toEqual(['5 open probe@1005', '1005 half-open', '1010 open probe@2010']);
      });
    });

    it("the wait for the verdict is bounded by the waiting request's own timeout (per request, else the client's)", () => {
      rx.run(({ cold, expectObservable }) => {
        let n = 0;
        // The first attempt fails, the probe never answers (a transport without a timeout of its own).
        const server = backend((req) => (++n === 1 ? cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)) : cold<ApiResponse>('-')));
        const { client } = clientFor(
          rx,
          server.handler,
          { budget: false, breaker: { failureThreshold: 1, openMs: 100, jitter: 'none' } },
          { maxAttempts: 1 },
          { timeoutMs: 50 },
        );
        client.get('/a').subscribe({ error: () => undefined }); // open at 1, probe due at 101
        expectObservable(client.get('/probe', { timeoutMs: 5000 }), '101ms ^').toBe(''); // never answers
        expectObservable(client.get('/w1'), '110ms ^').toBe(
          '160ms #',
          undefined,
          new CircuitOpenError(requestOf('/w1'), API, 'half-open', undefined, undefined),
        );
        expectObservable(client.get('/w2', { timeoutMs: 20 }), '110ms ^').toBe(
          '130ms #',
          undefined,
          new CircuitOpenError(requestOf('/w2'), API, 'half-open', undefined, undefined),
        );
        rx.flush();
        expect(server.seen.map((r) => r.url.slice(API.length))).toEqual(['/a', '/probe']);
      });
    });

    it('unsubscribing while waiting for the verdict cancels the wait: nothing is sent later', () => {
      rx.run(({ cold, expectObservable }) => {
        let n = 0;
        const server = backend((req) => (++n === 1 ? cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)) : cold('-----(r|)', { r: ok })));
        const { client } = clientFor(rx, server.handler, { budget: false, breaker: { failureThreshold: 1, openMs: 100, jitter: 'none' } }, { maxAttempts: 1 });
        client.get('/a').subscribe({ error: () => undefined });
        expectObservable(client.get('/probe'), '101ms ^').toBe('106ms (r|)', { r: ok.body });
        expectObservable(client.get('/gone'), '102ms ^-!').toBe('');
        expectObservable(client.get('/stays'), '102ms ^').toBe('111ms (r|)', { r: ok.body });
        rx.flush();
        expect(server.seen.map((r) => r.url.slice(API.length))).toEqual(['/a', '/probe', '/stays']);
      });
    });

    it('a waiting request becomes the probe when the probe in flight is cancelled', () => {
      rx.run(({ cold, expectObservable }) => {
        let n = 0;
        const server = backend((req) => (++n === 1 ? cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)) : cold('-----(r|)', { r: ok })));
        const { client, events } = clientFor(
          rx,
          server.handler,
          { budget: false, breaker: { failureThreshold: 1, openMs: 100, jitter: 'none' } },
          { maxAttempts: 1 },
        );
        client.get('/a').subscribe({ error: () => undefined });
        expectObservable(client.get('/probe'), '101ms ^-!').toBe(''); // cancelled at 103
        expectObservable(client.get('/w1'), '102ms ^').toBe('108ms (r|)', { r: ok.body }); // probes at 103
        expectObservable(client.get('/w2'), '102ms ^').toBe('113ms (r|)', { r: ok.body }); // waits for /w1's verdict at 108
        rx.flush();
        expect(server.seen.map((r) => r.url.slice(API.length))).toEqual(['/a', '/probe', '/w1', '/w2']);
        expect(fleetEvents(events)).toEqual(['1 open probe@101', '101 half-open', '103 open probe@103', '103 half-open', '108 closed']);
      });
    });

    it('a probe cancelled before its answer frees the probe slot at once (never stuck half-open)', () => {
      rx.run(({ cold, expectObservable }) => {
        let n = 0;
        const server = backend((req) =>
          ++n <= 2 ? cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)) : n === 3 ? cold('-----(r|)', { r: ok }) : cold('-(r|)', { r: ok }),
        );
        const { client, events } = clientFor(
          rx,
          server.handler,
          { budget: false, breaker: { failureThreshold: 2, openMs: 100, jitter: 'none' } },
          { maxAttempts: 1 },
        );
        expectObservable(client.get('/a')).toBe('-#', undefined, httpError(503, null, {}, requestOf('/a')));
        expectObservable(client.get('/b')).toBe('-#', undefined, httpError(503, null, {}, requestOf('/b')));
        expectObservable(client.get('/probe'), '101ms ^!').toBe(''); // unsubscribed at 102, before its answer at 106
        expectObservable(client.get('/next'), '104ms ^').toBe('105ms (r|)', { r: ok.body }); // probes at once, closes
        rx.flush();
        expect(fleetEvents(events)).toEqual(['1 open probe@101', '101 half-open', '102 open probe@102', '104 half-open', '105 closed']);
      });
    });

    it('a 404 proves the origin is up: only retryable failures count', () => {
      rx.run(({ cold, expectObservable }) => {
        let n = 0;
        const server = backend((req) => cold<ApiResponse>('-#', undefined, httpError(++n % 2 === 0 ? 404 : 503, null, {}, req)));
        const { client, events } = clientFor(rx, server.handler, { budget: false, breaker: { failureThreshold: 2, jitter: 'none' } }, { maxAttempts: 1 });
        for (let i = 0; i < 6; i++)
          expectObservable(client.get(`/x${i}`), `${i * 10}ms ^`).toBe(
            `${i * 10 + 1}ms #`,
            undefined,
            httpError(i % 2 === 1 ? 404 : 503, null, {}, requestOf(`/x${i}`)),
          );
        rx.flush();
        expect(fleetEvents(events)).toEqual([]);
      });
    });
  });

  describe('retry budget', () => {
    it('the defaults, for one request alone: a retry after an answered attempt always, but a streak of failures stops after 1 retry (4 tokens); 10 tokens give the 1 s, 2 s, 4 s streak', () => {
      rx.run(({ cold, expectObservable }) => {
        const failAll = (req: ApiRequest) => cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req));
        // The client's own defaults, only without jitter: 4 tokens, the breaker at 5 failures in a row.
        const lone = backend(failAll);
        const defaults = createApiClient({ baseUrl: API, scheduler: rx, transport: lone.handler, cache: false, retry: { jitter: 'none' } });
        const spent = new RetryBudgetExhaustedError(requestOf('/a'), API, httpError(503, null, {}, requestOf('/a')));
        spent.attempts = 2;
        expectObservable(defaults.get('/a')).toBe('1002ms #', undefined, spent); // 4 → 3 (retry) → 2 (spent)

        // The same streak with A6's bucket of 10: every step of the schedule, then the retry layer's own error.
        const streak = backend(failAll);
        const { client } = clientFor(rx, streak.handler, { breaker: false }, { jitter: 'none' });
        const exhausted = httpError(503, null, {}, requestOf('/b'));
        exhausted.attempts = 4;
        expectObservable(client.get('/b')).toBe('7004ms #', undefined, exhausted);

        rx.flush();
        expect(lone.seen).toHaveLength(2);
        expect(streak.seen).toHaveLength(4);
      });
    });

    it('the defaults, on a lossy link: answers between the failures keep the bucket full, so each failure gets its retry', () => {
      rx.run(({ cold, expectObservable }) => {
        // Every other attempt fails: fail, answer, fail, answer… for 20 requests in a row.
        let n = 0;
        const server = backend((req) => (n++ % 2 === 0 ? cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)) : cold('-(r|)', { r: ok })));
        const client = createApiClient({ baseUrl: API, scheduler: rx, transport: server.handler, cache: false, retry: { jitter: 'none' } });
        for (let i = 0; i < 20; i++) expectObservable(client.get(`/x${i}`), `${i * 2000}ms ^`).toBe(`${i * 2000 + 1002}ms (r|)`, { r: ok.body });
        rx.flush();
        expect(server.seen).toHaveLength(40);
        expect(client.fleet.state(API)).toMatchObject({ tokens: 4, retriesAllowed: true, circuit: 'closed' });
      });
    });

    it('is shared by every request to the origin: once spent, a retryable failure fails at once with RetryBudgetExhaustedError carrying the failure', () => {
      rx.run(({ cold, expectObservable }) => {
        let failing = true;
        const server = backend((req) => (failing ? cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)) : cold('-(r|)', { r: ok })));
        const { client, events } = clientFor(
          rx,
          server.handler,
          { breaker: false, budget: { maxTokens: 4, tokenRatio: 0.5 } },
          { jitter: 'none', baseDelayMs: 100 },
        );

        // /a: fails (4 → 3 tokens, retry allowed), waits 100, fails again (3 → 2: spent).
        const spentA = new RetryBudgetExhaustedError(requestOf('/a'), API, httpError(503, null, {}, requestOf('/a')));
        spentA.attempts = 2;
        expectObservable(client.get('/a')).toBe('102ms #', undefined, spentA);
        // /b, a request of its own, gets no retry at all (2 → 1).
        const spentB = new RetryBudgetExhaustedError(requestOf('/b'), API, httpError(503, null, {}, requestOf('/b')));
        expectObservable(client.get('/b'), '200ms ^').toBe('201ms #', undefined, spentB);
        // Answers refill it: 1 → 1.5 → 2 → 2.5 (> 2: retries allowed again).
        rx.schedule(() => (failing = false), 300);
        for (const t of [300, 310, 320]) expectObservable(client.get(`/ok${t}`), `${t}ms ^`).toBe(`${t + 1}ms (r|)`, { r: ok.body });

        rx.flush();
        expect(server.seen).toHaveLength(6);
        expect(fleetEvents(events)).toEqual(['102 budget spent (2)', '321 budget refilled (2.5)']);
        expect(client.fleet.state(API)).toMatchObject({ tokens: 2.5, retriesAllowed: true, circuit: 'closed' });
      });
    });

    it("starts over full when the breaker's probe proves the origin is back (the outage had drained it)", () => {
      rx.run(({ cold, expectObservable }) => {
        const server = backend((req) => (rx.now() < 1000 ? cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)) : cold('-(r|)', { r: ok })));
        const { client, events } = clientFor(rx, server.handler, { breaker: { failureThreshold: 6, openMs: 1000, jitter: 'none' } }, { maxAttempts: 1 });
        for (let i = 0; i < 6; i++)
          expectObservable(client.get(`/x${i}`), `${i * 10}ms ^`).toBe(`${i * 10 + 1}ms #`, undefined, httpError(503, null, {}, requestOf(`/x${i}`)));
        expectObservable(client.get('/probe'), '1051ms ^').toBe('1052ms (r|)', { r: ok.body });
        rx.flush();
        expect(fleetEvents(events)).toEqual(['41 budget spent (5)', '51 open probe@1051', '1051 half-open', '1052 closed', '1052 budget refilled (10)']);
        expect(client.fleet.state(API)).toMatchObject({ tokens: 10, retriesAllowed: true });
      });
    });

    it('the failure that empties the bucket opens the breaker (more failures than answers by a whole bucket is an outage), and the probe refills it', () => {
      rx.run(({ cold, expectObservable }) => {
        const server = backend((req) => (rx.now() < 1000 ? cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)) : cold('-(r|)', { r: ok })));
        const { client, events } = clientFor(
          rx,
          server.handler,
          { budget: { maxTokens: 4 }, breaker: { failureThreshold: 5, openMs: 1000, jitter: 'none' } },
          { jitter: 'none', baseDelayMs: 100 },
        );
        const spent = (path: string, attempts: number) => {
          const error = new RetryBudgetExhaustedError(requestOf(path), API, httpError(503, null, {}, requestOf(path)));
          error.attempts = attempts;
          return error;
        };
        expectObservable(client.get('/a')).toBe('102ms #', undefined, spent('/a', 2)); // 4 → 3 → 2 tokens
        expectObservable(client.get('/b'), '200ms ^').toBe('201ms #', undefined, spent('/b', 1)); // 1
        expectObservable(client.get('/c'), '300ms ^').toBe('301ms #', undefined, spent('/c', 1)); // 0: open, probe due at 1301
        // /d is refused (nothing sent), waits for the probe and is the probe: the origin is back.
        expectObservable(client.get('/d'), '400ms ^').toBe('1302ms (r|)', { r: ok.body });
        rx.flush();
        expect(server.seen.map((r) => r.url.slice(API.length))).toEqual(['/a', '/a', '/b', '/c', '/d']);
        expect(fleetEvents(events)).toEqual(['102 budget spent (2)', '301 open probe@1301', '1301 half-open', '1302 closed', '1302 budget refilled (4)']);
      });
    });

    it('the failed request is reported with its own error kind in request-failed', () => {
      rx.run(({ cold }) => {
        const server = backend((req) => cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)));
        const { client, events } = clientFor(rx, server.handler, { breaker: false, budget: { maxTokens: 2 } }, { jitter: 'none' });
        client.get('/a').subscribe({ error: () => undefined });
        rx.flush();
        expect(events.filter((e) => e.type === 'request-failed')).toEqual([expect.objectContaining({ errorKind: 'retry-budget', attempts: 1 })]);
      });
    });
  });

  describe('server pushback', () => {
    it('a Retry-After on a 503 holds back the retries of every request to the origin, not only its own', () => {
      rx.run(({ cold, expectObservable }) => {
        let n = 0;
        const server = backend((req) => {
          n++;
          if (n === 1) return cold<ApiResponse>('-#', undefined, httpError(503, null, { 'retry-after': '5' }, req));
          if (n === 2) return cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)); // no Retry-After of its own
          return cold('-(r|)', { r: ok });
        });
        const { client, events } = clientFor(rx, server.handler, { breaker: false }, { jitter: 'none', baseDelayMs: 100 });
        expectObservable(client.get('/a')).toBe('5002ms (r|)', { r: ok.body }); // waits the 5 s it was told
        // /b fails at 101; its own backoff would resend at 201, but the origin is paused until 5001.
        expectObservable(client.get('/b'), '100ms ^').toBe('5002ms (r|)', { r: ok.body });
        rx.flush();
        expect(server.seen.map((r) => r.url.slice(API.length))).toEqual(['/a', '/b', '/a', '/b']);
        expect(fleetEvents(events)).toEqual(['1 pushback 429 until 5001'.replace('429', '503')]);
        expect(
          events.filter((e) => e.type === 'retry-scheduled').map((e) => e.type === 'retry-scheduled' && `${e.url.slice(API.length)} ${e.delayMs} ${e.reason}`),
        ).toEqual(['/a 5000 HTTP 503, Retry-After', '/b 4900 HTTP 503, paused by Retry-After']);
      });
    });

    it('pushback: false keeps each request to its own Retry-After', () => {
      rx.run(({ cold, expectObservable }) => {
        let n = 0;
        const server = backend((req) => {
          n++;
          if (n === 1) return cold<ApiResponse>('-#', undefined, httpError(429, null, { 'retry-after': '5' }, req));
          if (n === 2) return cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req));
          return cold('-(r|)', { r: ok });
        });
        const { client } = clientFor(rx, server.handler, { breaker: false, pushback: false }, { jitter: 'none', baseDelayMs: 100 });
        expectObservable(client.get('/a')).toBe('5002ms (r|)', { r: ok.body });
        expectObservable(client.get('/b'), '100ms ^').toBe('202ms (r|)', { r: ok.body });
      });
    });
  });

  describe('jitter', () => {
    it('defaults to full jitter, drawn from the client random source', () => {
      rx.run(({ cold, expectObservable }) => {
        let n = 0;
        const server = backend((req) => (++n <= 2 ? cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)) : cold('-(r|)', { r: ok })));
        const client = createApiClient({
          baseUrl: API,
          scheduler: rx,
          transport: server.handler,
          cache: false,
          random: () => 0.5,
          fleet: { budget: { maxTokens: 10 } },
        });
        // two retries need more than the default bucket of 4 allows in a row
        // waits 500 (½ of 1 s) then 1000 (½ of 2 s)
        expectObservable(client.get('/items')).toBe('1503ms (r|)', { r: ok.body });
      });
    });
  });

  describe('available$ (for the offline outbox)', () => {
    it('is false while the breaker is open and turns true by itself when the probe is due', () => {
      rx.run(({ cold, expectObservable }) => {
        const server = backend((req) => cold<ApiResponse>('-#', undefined, httpError(503, null, {}, req)));
        const { client } = clientFor(rx, server.handler, { budget: false, breaker: { failureThreshold: 1, openMs: 1000, jitter: 'none' } }, { maxAttempts: 1 });
        expectObservable(client.fleet.available$(API)).toBe('tf 999ms t', { t: true, f: false }); // open at 1, probe due at 1001;
        client.get('/a').subscribe({ error: () => undefined });
      });
    });

    it('is false during a pushback pause', () => {
      rx.run(({ cold, expectObservable }) => {
        const server = backend((req) => cold<ApiResponse>('-#', undefined, httpError(503, null, { 'retry-after': '2' }, req)));
        const { client } = clientFor(rx, server.handler, { budget: false, breaker: false }, { maxAttempts: 1 });
        client.get('/a').subscribe({ error: () => undefined });
        expectObservable(client.fleet.available$(API)).toBe('tf 1999ms t', { t: true, f: false });
      });
    });
  });
});

describe('fleet state across restarts', () => {
  const flushPromises = () => new Promise((resolve) => setImmediate(resolve));

  it('a restarted client loads the open breaker before it sends anything: no new storm', async () => {
    const rx = createTestScheduler();
    const store = memoryFleetStore({ version: 1, origins: { [API]: { tokens: 3, breaker: { kind: 'open', opens: 1, nextProbeAt: 5000 }, pausedUntil: 0 } } });
    const server = backend(() => rx.createColdObservable('-(r|)', { r: ok }));
    const client = createApiClient({
      baseUrl: API,
      scheduler: rx,
      transport: server.handler,
      cache: false,
      retry: { maxAttempts: 1 },
      fleet: { store, budget: { maxTokens: 10 } },
    });
    const seen: unknown[] = [];
    client.get('/a').subscribe({ error: (e: unknown) => seen.push(e) }); // subscribed before the store answered
    await flushPromises();
    rx.flush();
    expect(server.seen).toHaveLength(0);
    expect(seen).toEqual([expect.any(CircuitOpenError)]);
    expect(client.fleet.state(API)).toMatchObject({ circuit: 'open', nextProbeAt: 5000, tokens: 3, retriesAllowed: false });
  });

  it('saves the breaker when it opens, for the next start', async () => {
    const rx = createTestScheduler();
    const store = memoryFleetStore();
    const server = backend((req) => rx.createColdObservable<ApiResponse>('-#', undefined, httpError(503, null, {}, req)));
    const client = createApiClient({
      baseUrl: API,
      scheduler: rx,
      transport: server.handler,
      cache: false,
      retry: { maxAttempts: 1 },
      fleet: { store, budget: { maxTokens: 10 }, breaker: { failureThreshold: 1, jitter: 'none' } },
    });
    await flushPromises();
    client.get('/a').subscribe({ error: () => undefined });
    rx.flush();
    await flushPromises();
    expect(store.snapshot?.origins[API]).toEqual({ tokens: 9, breaker: { kind: 'open', opens: 1, nextProbeAt: 10 + 3000 }, pausedUntil: 0 });
  });

  it('a store that never answers holds requests back storeTimeoutMs at most, then the client goes on in memory with an event', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const server = backend(() => cold('-(r|)', { r: ok }));
      const client = createApiClient({
        baseUrl: API,
        scheduler: rx,
        transport: server.handler,
        cache: false,
        fleet: { store: { load: () => new Promise(() => undefined), save: () => Promise.resolve() }, storeTimeoutMs: 300 },
      });
      const events: ClientEvent[] = [];
      client.events$.subscribe((e) => events.push(e));
      expectObservable(client.get('/a')).toBe('301ms (r|)', { r: ok.body });
      rx.flush();
      expect(events.filter((e) => e.type === 'fleet-store-error')).toEqual([expect.objectContaining({ operation: 'load', at: 300 })]);
    });
  });

  it('a garbled stored value starts fresh', async () => {
    const rx = createTestScheduler();
    const server = backend(() => rx.createColdObservable('-(r|)', { r: ok }));
    const client = createApiClient({
      baseUrl: API,
      scheduler: rx,
      transport: server.handler,
      cache: false,
      fleet: { store: { load: async () => ({ version: 1, origins: { [API]: { tokens: 'x' } } }), save: async () => undefined } },
    });
    await flushPromises();
    const got: unknown[] = [];
    client.get('/a').subscribe((v) => got.push(v));
    rx.flush();
    expect(got).toEqual([{ ok: true }]);
  });
});
