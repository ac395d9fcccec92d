import { dependencies } from '../../composition/dependencies';
import { checkHealth, type Health } from '../../use-cases/health/check-health';
import { apiHandler } from './http/api-handler';
import { functionRoutes } from './api-routes';

const UNCONFIGURED: Health = { status: 'fail', checks: { dynamodb: 'fail', chains: {} } };

const api = functionRoutes<typeof dependencies, 'health'>('health', {
  'GET /v1/health': async (r, load) => {
    // A composition root that cannot be built (configuration, key vault) is a failed check, logged here, never shown;
    // `load` may throw before it returns a promise (configuration is read synchronously), so start from one.
    const health = await Promise.resolve()
      .then(load)
      .then(checkHealth, (error: unknown) => {
        r.logger.error('dependencies could not be built', { error: error instanceof Error ? error : String(error) });
        return UNCONFIGURED;
      });
    return { status: health.status === 'ok' ? 200 : 503, body: health };
  },
});

/** Liveness of the service's dependencies, without authentication: ok or fail per dependency, nothing more. */
export const handler = apiHandler({ name: 'health', auth: 'none', deps: dependencies }, api);
