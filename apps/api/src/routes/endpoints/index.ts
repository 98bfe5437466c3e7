import type { RouteTable } from '../../http/routes.ts';
import type { RouteDeps } from '../deps.ts';
import { endpointActionRoutes } from './actions.ts';
import { endpointCrudRoutes } from './crud.ts';
import { endpointHeaderRoutes } from './headers.ts';
import { endpointReplayRoutes } from './replay.ts';
import { endpointSecretRoutes } from './secrets.ts';

export { written } from './crud.ts';
export { rotate, secretMaterial, shownSecret } from './secrets.ts';

const tag = 'Endpoint';

/**
 * /api/v1/app/{app_id}/endpoint: the application's subscriber URLs. Every route acts on an
 * existing application, which the route table loads from `:app_id` before the handler runs.
 */
export function endpointRoutes(routes: RouteTable, deps: RouteDeps): void {
  endpointCrudRoutes(routes, deps, tag);
  endpointSecretRoutes(routes, deps, tag);
  endpointHeaderRoutes(routes, deps, tag);
  endpointActionRoutes(routes, deps, tag);
  endpointReplayRoutes(routes, deps, tag);
}
