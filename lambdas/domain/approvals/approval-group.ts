import { ValidationError } from '../errors';
import { describe } from '../money';
import {
  checkString,
  expectObject,
  ID_RULE,
  join,
  optionalString,
  rejectUnknownFields,
  requireString,
  type StringRule,
} from '../validation';

/**
 * Where an approver is told that a transfer waits for them: one SNS subscription of that protocol.
 * At most one channel per member, so each approver has exactly one subscription (with its own filter
 * policy) and nobody has to guess which of several addresses a link was sent to.
 */
export interface NotifyChannel {
  readonly email?: string;
  readonly sms?: string;
  readonly https?: string;
}

/** A person (or service) who may approve, as a group lists them. */
export interface ApprovalGroupMember {
  readonly id: string;
  readonly name: string;
  readonly notify?: NotifyChannel;
}

/** A named set of approvers; a policy's approval requirement names groups and a quorum in each. */
export interface ApprovalGroup {
  readonly id: string;
  readonly name: string;
  readonly members: readonly ApprovalGroupMember[];
  /** As stored: 1 when created, one more per member list set since (what a membership change is conditioned on). */
  readonly version?: number;
  /**
   * Whether its members approve only with their passkey: each decision a WebAuthn assertion over the
   * exact transfer, verified when made and again by Authorize. Set when the group is created: true
   * unless the request says `false` (absent on a stored group: not required).
   */
  readonly requirePasskeys?: boolean;
}

export const MAX_GROUP_MEMBERS = 50;

const NAME_RULE: StringRule = { maxLength: 128 };
const EMAIL_RULE: StringRule = {
  maxLength: 254,
  pattern: /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/,
  patternHint: 'an email address',
};
const SMS_RULE: StringRule = {
  maxLength: 16,
  pattern: /^\+[1-9][0-9]{6,14}$/,
  patternHint: 'a phone number in E.164 form, e.g. +14155550100',
};
const HTTPS_RULE: StringRule = { maxLength: 2048, pattern: /^https:\/\/[^\s]+$/, patternHint: 'an https:// URL' };

/**
 * Parses an approval group strictly: closed objects, 1–50 members with unique ids, names of 1–128
 * characters, and at most one well-formed notification channel per member. Every refusal is a
 * ValidationError naming the field, e.g. `members[2].notify.sms`.
 */
export function parseApprovalGroup(input: unknown, id: string): ApprovalGroup {
  const groupId = checkString(id, 'id', ID_RULE);
  const raw = expectObject(input, '');
  rejectUnknownFields(raw, ['name', 'members', 'requirePasskeys'], '');
  // Passkeys by default: a group whose approvals are plain rows has to say so.
  const requirePasskeys = raw.requirePasskeys ?? true;
  if (typeof requirePasskeys !== 'boolean')
    throw new ValidationError(
      'REQUEST.INVALID_FIELD',
      'requirePasskeys',
      `must be true or false, got ${describe(requirePasskeys)}`,
    );
  return {
    id: groupId,
    name: requireString(raw, 'name', '', NAME_RULE),
    members: parseMembers(raw.members),
    requirePasskeys,
  };
}

function parseMembers(value: unknown): ApprovalGroupMember[] {
  if (value === undefined) throw new ValidationError('REQUEST.MISSING_FIELD', 'members', 'is required');
  if (!Array.isArray(value))
    throw new ValidationError('REQUEST.INVALID_FIELD', 'members', `must be an array, got ${describe(value)}`);
  if (value.length === 0 || value.length > MAX_GROUP_MEMBERS) {
    throw new ValidationError(
      'APPROVAL.INVALID_GROUP',
      'members',
      `must list 1 to ${MAX_GROUP_MEMBERS} members, has ${value.length}`,
    );
  }
  const members = value.map((member, index) => parseMember(member, `members[${index}]`));
  const seen = new Set<string>();
  members.forEach((member, index) => {
    if (seen.has(member.id))
      throw new ValidationError('APPROVAL.INVALID_GROUP', `members[${index}].id`, `"${member.id}" is listed twice`);
    seen.add(member.id);
  });
  return members;
}

function parseMember(value: unknown, path: string): ApprovalGroupMember {
  const raw = expectObject(value, path);
  rejectUnknownFields(raw, ['id', 'name', 'notify'], path);
  const member = { id: requireString(raw, 'id', path, ID_RULE), name: requireString(raw, 'name', path, NAME_RULE) };
  return raw.notify === undefined ? member : { ...member, notify: parseNotify(raw.notify, join(path, 'notify')) };
}

function parseNotify(value: unknown, path: string): NotifyChannel {
  const raw = expectObject(value, path);
  rejectUnknownFields(raw, ['email', 'sms', 'https'], path);
  const channels = Object.keys(raw).filter((key) => raw[key] !== undefined);
  if (channels.length !== 1) {
    throw new ValidationError(
      'APPROVAL.INVALID_GROUP',
      path,
      `must name exactly one channel (email, sms or https), names ${channels.length}`,
    );
  }
  const email = optionalString(raw, 'email', path, EMAIL_RULE);
  if (email !== undefined) return { email };
  const sms = optionalString(raw, 'sms', path, SMS_RULE);
  if (sms !== undefined) return { sms };
  return { https: parseHttpsEndpoint(raw.https, join(path, 'https')) };
}

/**
 * An https endpoint must parse as a URL with a host and no user name or password: credentials in
 * the URL would be a secret stored and shown in plaintext.
 */
function parseHttpsEndpoint(value: unknown, field: string): string {
  const text = checkString(value, field, HTTPS_RULE);
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || url.protocol !== 'https:' || url.hostname === '') {
    throw new ValidationError('REQUEST.INVALID_FIELD', field, 'must be an https:// URL with a host');
  }
  if (url.username !== '' || url.password !== '') {
    throw new ValidationError('REQUEST.INVALID_FIELD', field, 'must not carry a user name or password');
  }
  return text;
}
