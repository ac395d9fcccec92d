import { AuthError } from '../../../domain/errors';
import type { Principal, Role } from '../../../domain/principal';

/**
 * The principal, if it holds at least one of `roles`; otherwise AUTH.FORBIDDEN naming the roles that
 * would do (or AUTH.MISSING_TOKEN when the request was not authenticated at all).
 */
export function requireRole(principal: Principal | undefined, ...roles: readonly [Role, ...Role[]]): Principal {
  if (principal === undefined) throw new AuthError('AUTH.MISSING_TOKEN', 'this route needs a bearer token');
  if (roles.some((role) => principal.roles.includes(role))) return principal;
  const needed = roles.join(' or ');
  throw new AuthError('AUTH.FORBIDDEN', `this route needs the role ${needed}`, {
    details: { requiredRoles: [...roles] },
  });
}
