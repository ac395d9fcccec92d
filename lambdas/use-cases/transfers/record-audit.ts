import { digestOf } from '../../domain/audit/audit-chain';
import type { AuditLog } from '../../ports/audit-log';

/** Appends one audit record: the inputs are digested, never stored, since they may be sensitive. */
export async function recordAudit(
  audit: AuditLog,
  entry: {
    readonly traceId: string;
    readonly actor: string;
    readonly action: string;
    readonly inputs: unknown;
    readonly result: string;
    readonly at: Date;
  },
): Promise<void> {
  await audit.append({
    traceId: entry.traceId,
    actor: entry.actor,
    action: entry.action,
    inputsDigest: digestOf(entry.inputs),
    result: entry.result,
    at: entry.at,
  });
}
