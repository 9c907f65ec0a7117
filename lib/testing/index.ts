/**
 * `rxsync/testing`: test your own flows against rxsync in virtual time. Plug a backend into
 * `createApiClient({ transport })`, pass a `TestScheduler` as `scheduler`, and retries, refreshes
 * and cache expiry run on the marble clock.
 */
export { createMockBackend } from './mock-backend';
export type { MockBackend, RequestMatch, TestRequest } from './mock-backend';
export { sequenceHandler } from './sequence-handler';
export type { SequenceHandler } from './sequence-handler';
export { httpError, networkError, okResponse } from './responses';
