import { hashTypedData } from 'viem';
import { canonicalJson } from '../audit/audit-chain';
import { AUDIT_CHECKPOINT_TYPES } from './audit-checkpoint';
import { AUTHORIZATION_TYPES } from './authorization-proof';
import { auditDomain, authorizationDomain } from './proof-domain';

type Types = Readonly<Record<string, readonly { readonly name: string; readonly type: string }[]>>;

/**
 * Whether `typedData` is one of the two statements the approval and audit keys may sign: an
 * Authorization or an AuditCheckpoint of this deployment, with exactly our types, domain and message
 * fields, and values that encode. A proof-signer adapter refuses anything else, so those keys can
 * never be made to sign a permit, an order or any other typed data a contract would honour.
 */
export function isAllowedProofTypedData(typedData: unknown, deploymentId: string): boolean {
  if (!isRecord(typedData) || !hasExactly(typedData, ['domain', 'types', 'primaryType', 'message'])) return false;
  const { domain, types, primaryType, message } = typedData;
  if (!isRecord(domain) || !isRecord(message)) return false;
  try {
    if (primaryType === 'Authorization') {
      const chainId = domain.chainId as number;
      return (
        sameJson(types, AUTHORIZATION_TYPES) &&
        sameJson(domain, authorizationDomain({ deploymentId, chainId })) &&
        hasTypedFields(message, AUTHORIZATION_TYPES, 'Authorization') &&
        (message.transaction as Record<string, unknown>).chainId === BigInt(chainId) &&
        encodes(typedData)
      );
    }
    if (primaryType === 'AuditCheckpoint') {
      return (
        sameJson(types, AUDIT_CHECKPOINT_TYPES) &&
        sameJson(domain, auditDomain({ deploymentId })) &&
        hasTypedFields(message, AUDIT_CHECKPOINT_TYPES, 'AuditCheckpoint') &&
        encodes(typedData)
      );
    }
    return false;
  } catch {
    // A domain or value that cannot even be encoded is not one of ours.
    return false;
  }
}

/** The message has exactly the fields of its type, recursively into struct fields. */
function hasTypedFields(message: unknown, types: Types, typeName: string): boolean {
  const fields = types[typeName] ?? [];
  if (
    !isRecord(message) ||
    !hasExactly(
      message,
      fields.map((f) => f.name),
    )
  )
    return false;
  return fields.every((f) => !(f.type in types) || hasTypedFields(message[f.name], types, f.type));
}

function encodes(typedData: Record<string, unknown>): boolean {
  hashTypedData(typedData as Parameters<typeof hashTypedData>[0]);
  return true;
}

const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

function hasExactly(value: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(value);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(value, k));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
