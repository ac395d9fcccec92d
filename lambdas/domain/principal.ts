/** The roles a bearer token can carry. */
export const ROLES = ['admin', 'operator', 'approver', 'auditor'] as const;

export type Role = (typeof ROLES)[number];

/** Who asks: the JWT subject and its roles. */
export interface Principal {
  readonly id: string;
  readonly roles: readonly Role[];
}

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);
