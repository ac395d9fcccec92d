import { requireRole } from '../../../../lambdas/handlers/api/http/require-role';

describe('requireRole', () => {
  const operator = { id: 'u1', roles: ['operator', 'auditor'] as const };

  it('returns the principal when it holds one of the roles', () => {
    expect(requireRole(operator, 'admin', 'operator')).toBe(operator);
  });

  it('refuses with AUTH.FORBIDDEN naming the roles needed', () => {
    expect(() => requireRole(operator, 'admin', 'approver')).toThrow(
      expect.objectContaining({
        name: 'AuthError',
        code: 'AUTH.FORBIDDEN',
        kind: 'forbidden',
        details: { requiredRoles: ['admin', 'approver'] },
        message: expect.stringContaining('admin or approver'),
      }),
    );
  });

  it('refuses a principal without roles, and an unauthenticated request as AUTH.MISSING_TOKEN', () => {
    expect(() => requireRole({ id: 'u2', roles: [] }, 'auditor')).toThrow(
      expect.objectContaining({ code: 'AUTH.FORBIDDEN' }),
    );
    expect(() => requireRole(undefined, 'auditor')).toThrow(expect.objectContaining({ code: 'AUTH.MISSING_TOKEN' }));
  });
});
