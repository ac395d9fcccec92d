import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import type { PortsOf } from '../../composition/compose';
import { checkHealth } from '../../use-cases/health/check-health';
import { apiHandler } from './http/api-handler';
import { functionRoutes } from './api-routes';

const api = functionRoutes<PortsOf<typeof FUNCTIONS.health>, 'health'>('health', {
  'GET /v1/health': async (_r, ports) => {
    const health = await checkHealth(ports);
    return { status: health.status === 'ok' ? 200 : 503, body: health };
  },
});

/**
 * Liveness of the service's dependencies, without authentication: ok or fail per dependency, nothing
 * more. A function whose configuration is missing does not start at all (its cold start fails).
 */
export const healthFunction = defineFunction(FUNCTIONS.health, (ports) =>
  apiHandler({ name: 'health', auth: 'none', deps: ports }, api),
);

export const { handler } = healthFunction;
