import { digestOf, type AuditEntry } from '../../domain/audit/audit-chain';
import type { AuditLog } from '../../ports/audit-log';

/** What a step reports; the inputs are digested, never stored, since they may be sensitive. */
export interface AuditReport {
  readonly traceId: string;
  readonly actor: string;
  readonly action: string;
  readonly inputs: unknown;
  readonly result: string;
  readonly at: Date;
}

/** The audit entry of a report: what a step commits with its events. */
export function auditEntry(report: AuditReport): AuditEntry {
  return {
    traceId: report.traceId,
    actor: report.actor,
    action: report.action,
    inputsDigest: digestOf(report.inputs),
    result: report.result,
    at: report.at,
  };
}

/** Appends one audit record on its own (for what is not a transfer step's write). */
export async function recordAudit(audit: AuditLog, report: AuditReport): Promise<void> {
  await audit.append(auditEntry(report));
}
