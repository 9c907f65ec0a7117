import { DEFAULT_RETRYABLE_STATUSES } from '../retry/retry-config';
import { resolveFleetConfig } from '../fleet/fleet-config';
import { createFleetGuard } from '../fleet/fleet-guard';
import { fleetLayer, fleetRetryGate } from '../fleet/fleet.layer';
import type { ClientFeature, FleetFeature } from './client-feature';

/**
 * Fleet safety per origin: the retry budget, the circuit breaker, server pushback (`config.fleet`
 * of {@link composeApiClient}, its defaults without it). Leave it out only for a client that
 * never talks to a backend shared by many devices: without it retries are per request.
 *
 * @example
 * const client = composeApiClient({ baseUrl }, withFleet());
 */
export function withFleet(): ClientFeature<'fleet'> {
  const feature: FleetFeature = {
    ɵkind: 'fleet',
    ɵcreate(config, env, retryableStatuses, timeoutMs) {
      const guard = createFleetGuard(resolveFleetConfig(config), env);
      return {
        controls: guard,
        retryGate: fleetRetryGate(guard, env),
        layer: fleetLayer(guard, env, retryableStatuses ?? DEFAULT_RETRYABLE_STATUSES, timeoutMs),
      };
    },
  };
  return feature;
}
