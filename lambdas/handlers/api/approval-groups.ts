import type { PortsOf } from '../../composition/compose';
import { defineFunction } from '../../composition/define-function';
import { FUNCTIONS } from '../../composition/functions';
import { createApprovalGroup } from '../../use-cases/approval-groups/create-approval-group';
import { getApprovalGroup } from '../../use-cases/approval-groups/get-approval-group';
import { checkString, expectObject, ID_RULE, rejectUnknownFields } from '../../domain/validation';
import { inviteToEnroll } from '../../use-cases/passkeys/enroll-passkey';
import { setGroupMembers } from '../../use-cases/approval-groups/set-group-members';
import { apiHandler } from './http/api-handler';
import { governedResponse } from './http/governed-response';
import { pathId } from './http/request-params';
import { requireRole } from './http/require-role';
import { functionRoutes } from './api-routes';

const api = functionRoutes<PortsOf<typeof FUNCTIONS.approvalGroups>, 'approval-groups'>('approval-groups', {
  'POST /v1/approval-groups': async (r, deps) => {
    const group = await createApprovalGroup(deps, { principal: requireRole(r.principal, 'admin'), body: r.body });
    return { status: 201, body: group, headers: { location: `/v1/approval-groups/${group.id}` } };
  },
  'PUT /v1/approval-groups/{id}/members': async (r, deps) =>
    governedResponse(
      await setGroupMembers(deps, { principal: requireRole(r.principal, 'admin'), groupId: pathId(r), body: r.body }),
    ),
  // The link goes to the member through the notifier only: the inviting admin gets the id and the expiry.
  'POST /v1/passkeys/enrollments': async (r, deps) => {
    const principal = requireRole(r.principal, 'admin');
    const body = expectObject(r.body, 'body');
    rejectUnknownFields(body, ['memberId', 'memberName', 'validForSeconds'], '');
    const invitation = await inviteToEnroll(deps, {
      principal,
      memberId: checkString(body.memberId, 'memberId', ID_RULE),
      memberName: checkString(body.memberName, 'memberName', { maxLength: 128 }),
      ...(body.validForSeconds === undefined ? {} : { validForSeconds: body.validForSeconds as number }),
    });
    return { status: 201, body: invitation };
  },
  'GET /v1/approval-groups/{id}': async (r, deps) => {
    requireRole(r.principal, 'admin', 'auditor');
    return { status: 200, body: await getApprovalGroup(deps, { groupId: pathId(r) }) };
  },
});

/** Approval groups: create one, read one, change its members (additions go to governance); invite a member to enroll a passkey. */
export const approvalGroupsFunction = defineFunction(FUNCTIONS.approvalGroups, (ports) =>
  apiHandler({ name: 'approval-groups', auth: 'required', deps: ports }, api),
);

export const { handler } = approvalGroupsFunction;
