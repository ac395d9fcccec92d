import { field, invalid, readInteger, readString } from './policy-fields';
import { MAX_APPROVAL_TIMEOUT_SECONDS, type ApprovalSpec, type PolicyContext } from './policy';

/** Reads quorum, approver group and timeout from an object whose keys the caller has checked. */
export function parseApproval(
  raw: Readonly<Record<string, unknown>>,
  path: string,
  context: PolicyContext,
): ApprovalSpec {
  const approverGroup = readString(raw.approverGroup, field(path, 'approverGroup'));
  const group = context.groups.get(approverGroup);
  if (group === undefined) invalid(field(path, 'approverGroup'), `names no known approval group ("${approverGroup}")`);
  const quorum = readInteger(raw.quorum, field(path, 'quorum'), 1);
  if (quorum > group.size) {
    invalid(field(path, 'quorum'), `must not exceed the ${group.size} members of group "${approverGroup}"`);
  }
  const timeoutSeconds = readInteger(
    raw.timeoutSeconds,
    field(path, 'timeoutSeconds'),
    1,
    MAX_APPROVAL_TIMEOUT_SECONDS,
  );
  return { quorum, approverGroup, timeoutSeconds };
}
