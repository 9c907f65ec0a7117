import type { TestScheduler } from 'rxjs/testing';
import { createEnv } from '../../lib/core/env';
import { NetworkError, OfflineError, OutcomeUnknownError, TimeoutError } from '../../lib/core/errors';
import { chain } from '../../lib/core/layer';
import type { ApiResponse } from '../../lib/core/response';
import { createConnectivity } from '../../lib/offline/connectivity';
import { manualConnectivity } from '../../lib/offline/connectivity-source';
import { OFFLINE_READ, OUTBOX_SEND, connectivityEvidenceLayer, offlineGateLayer, pauseWhileOffline } from '../../lib/offline/offline.layers';
import { retryLayer } from '../../lib/retry/retry.layer';
import { sequenceHandler } from '../../lib/testing/sequence-handler';
import { createTestScheduler } from '../helpers/marbles';
import { request, response } from '../retry/fixtures';
import { RequestContext } from '../../lib/core/context';

describe('offline layers', () => {
  let rx: TestScheduler;
  const ok = response(200);
  const get = request('GET');

  beforeEach(() => {
    rx = createTestScheduler();
  });

  describe('retries pause while offline', () => {
    it('a failure while offline pauses the retries until back online and costs no attempt', () => {
      rx.run(({ cold, hot, expectObservable }) => {
        const env = createEnv({ scheduler: rx }).env;
        const hints = hot('t-f 5000ms t', { t: true, f: false });
        const connectivity = createConnectivity({ sources: [hints] }, env);
        // maxAttempts 2: without the pause, attempt 2's failure would end the request.
        const send = chain(
          [retryLayer({ maxAttempts: 2, baseDelayMs: 1000, jitter: 'none' }, env, undefined, { pause: pauseWhileOffline(connectivity) })],
          sequenceHandler(
            cold<ApiResponse>('----#', undefined, new NetworkError(get, 'not-sent')), // fails at 4, offline since 2
            cold<ApiResponse>('-#', undefined, new TimeoutError(get, 10)), // back online at 5003: fails at 5004, counted
            cold('-r|', { r: ok }), // after the 1 s backoff: 6005
          ),
        );
        expectObservable(send(get)).toBe('6005ms r|', { r: ok });
      });
    });

    it('a failure while online counts as usual', () => {
      rx.run(({ cold, expectObservable }) => {
        const env = createEnv({ scheduler: rx }).env;
        const connectivity = createConnectivity({ sources: [cold('t', { t: true })], unreachableAfter: 5 }, env);
        const error = new NetworkError(get, 'not-sent');
        const send = chain(
          [retryLayer({ maxAttempts: 2, baseDelayMs: 10, jitter: 'none' }, env, undefined, { pause: pauseWhileOffline(connectivity) })],
          sequenceHandler(cold<ApiResponse>('-#', undefined, error), cold<ApiResponse>('-#', undefined, error)),
        );
        expectObservable(send(get)).toBe('12ms #', undefined, Object.assign(error, { attempts: 2 }));
      });
    });

    it('an error that is never retried does not pause either (a POST without a key whose answer was lost)', () => {
      rx.run(({ cold, expectObservable }) => {
        const env = createEnv({ scheduler: rx }).env;
        const network = manualConnectivity(false);
        const connectivity = createConnectivity({ sources: [network.source] }, env);
        const post = request('POST');
        const lost = new OutcomeUnknownError(post, new TimeoutError(post, 10));
        const send = chain(
          [retryLayer({ maxAttempts: 3 }, env, undefined, { pause: pauseWhileOffline(connectivity) })],
          sequenceHandler(cold<ApiResponse>('-#', undefined, lost)),
        );
        expectObservable(send(post)).toBe('-#', undefined, lost);
      });
    });

    it('unsubscribing during a pause cancels it: no further attempt', () => {
      rx.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const env = createEnv({ scheduler: rx }).env;
        const connectivity = createConnectivity({ sources: [hot('f 100ms t', { t: true, f: false })] }, env);
        const attempt2 = cold('-r|', { r: ok });
        const send = chain(
          [retryLayer({ maxAttempts: 2 }, env, undefined, { pause: pauseWhileOffline(connectivity) })],
          sequenceHandler(cold<ApiResponse>('-#', undefined, new NetworkError(get, 'not-sent')), attempt2),
        );
        expectObservable(send(get), '^ 50ms !').toBe('');
        expectSubscriptions(attempt2.subscriptions).toBe([]);
      });
    });
  });

  describe('offlineGateLayer', () => {
    it('fails fast with OfflineError while offline; passes through while online', () => {
      rx.run(({ cold, expectObservable }) => {
        const env = createEnv({ scheduler: rx }).env;
        const network = manualConnectivity(false);
        const connectivity = createConnectivity({ sources: [network.source] }, env);
        const send = chain([offlineGateLayer(connectivity)], () => cold('-r|', { r: ok }));
        expectObservable(send(get)).toBe('#', undefined, new OfflineError(get, 'offline'));
        rx.schedule(() => network.set(true), 4);
        expectObservable(send(get), '-----^').toBe('------r|', { r: ok });
      });
    });

    it("'wait' holds the request until back online, then sends it", () => {
      rx.run(({ cold, expectObservable }) => {
        const env = createEnv({ scheduler: rx }).env;
        const network = manualConnectivity(false);
        rx.schedule(() => network.set(true), 10);
        const connectivity = createConnectivity({ sources: [network.source] }, env);
        const send = chain([offlineGateLayer(connectivity)], () => cold('-r|', { r: ok }));
        const waiting = { ...get, context: RequestContext.empty().set(OFFLINE_READ, 'wait') };
        expectObservable(send(waiting)).toBe('11ms r|', { r: ok });
      });
    });

    it("never holds the outbox's own sends (the outbox decides when to send)", () => {
      rx.run(({ cold, expectObservable }) => {
        const env = createEnv({ scheduler: rx }).env;
        const connectivity = createConnectivity({ sources: [manualConnectivity(false).source] }, env);
        const send = chain([offlineGateLayer(connectivity)], () => cold('-r|', { r: ok }));
        expectObservable(send({ ...get, context: RequestContext.empty().set(OUTBOX_SEND, true) })).toBe('-r|', { r: ok });
      });
    });
  });

  describe('connectivityEvidenceLayer', () => {
    it('turns two refused connections into offline, and a 503 back into online', () => {
      rx.run(({ cold, expectObservable }) => {
        const env = createEnv({ scheduler: rx }).env;
        const connectivity = createConnectivity({ recheckDelayMs: 60_000 }, env);
        const handler = sequenceHandler(
          cold<ApiResponse>('-#', undefined, new NetworkError(get, 'not-sent')),
          cold<ApiResponse>('-#', undefined, new NetworkError(get, 'not-sent')),
          cold<ApiResponse>('-#', undefined, require('../retry/fixtures').httpError(get, 503)),
        );
        const send = chain([connectivityEvidenceLayer(connectivity)], handler);
        rx.schedule(() => send(get).subscribe({ error: () => undefined }), 0);
        rx.schedule(() => send(get).subscribe({ error: () => undefined }), 2);
        rx.schedule(() => send(get).subscribe({ error: () => undefined }), 4);
        expectObservable(connectivity.online$).toBe('t--f-t', { t: true, f: false });
      });
    });
  });
});
