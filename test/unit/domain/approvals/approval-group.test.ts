import { parseApprovalGroup } from '../../../../lambdas/domain/approvals/approval-group';
import { ValidationError } from '../../../../lambdas/domain/errors';

const member = (id: string, notify?: Record<string, unknown>) => ({
  id,
  name: `Member ${id}`,
  ...(notify === undefined ? {} : { notify }),
});

const VALID = {
  name: 'Treasury signers',
  members: [
    member('alice', { email: 'alice@example.com' }),
    member('bob', { sms: '+14155550100' }),
    member('carol', { https: 'https://hooks.example.com/approvals' }),
    member('dave'),
  ],
};

function refusal(input: unknown, id = 'treasury'): ValidationError {
  try {
    parseApprovalGroup(input, id);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected the group to be refused');
}

const withMember = (m: unknown) => ({ ...VALID, members: [...VALID.members, m] });

describe('parseApprovalGroup', () => {
  it('parses a group with one channel or none per member', () => {
    expect(parseApprovalGroup(VALID, 'treasury')).toEqual({
      id: 'treasury',
      name: 'Treasury signers',
      members: [
        { id: 'alice', name: 'Member alice', notify: { email: 'alice@example.com' } },
        { id: 'bob', name: 'Member bob', notify: { sms: '+14155550100' } },
        { id: 'carol', name: 'Member carol', notify: { https: 'https://hooks.example.com/approvals' } },
        { id: 'dave', name: 'Member dave' },
      ],
      // Passkeys unless the group says otherwise.
      requirePasskeys: true,
    });
    expect(parseApprovalGroup({ ...VALID, requirePasskeys: false }, 'treasury').requirePasskeys).toBe(false);
  });

  it('accepts 50 members and refuses 51', () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => member(`m${i}`));
    expect(parseApprovalGroup({ name: 'big', members: members(50) }, 'big').members).toHaveLength(50);
    expect(refusal({ name: 'big', members: members(51) })).toMatchObject({
      code: 'APPROVAL.INVALID_GROUP',
      field: 'members',
    });
  });

  it.each<[string, unknown, string, string]>([
    ['not an object', [], '', 'REQUEST.INVALID_BODY'],
    ['an unknown field', { ...VALID, quorum: 2 }, 'quorum', 'REQUEST.UNKNOWN_FIELD'],
    [
      'requirePasskeys that is not a boolean',
      { ...VALID, requirePasskeys: 'yes' },
      'requirePasskeys',
      'REQUEST.INVALID_FIELD',
    ],
    ['no name', { members: VALID.members }, 'name', 'REQUEST.MISSING_FIELD'],
    ['a name of 129 characters', { ...VALID, name: 'x'.repeat(129) }, 'name', 'REQUEST.INVALID_FIELD'],
    ['no members', { name: 'empty' }, 'members', 'REQUEST.MISSING_FIELD'],
    ['members that are not an array', { ...VALID, members: {} }, 'members', 'REQUEST.INVALID_FIELD'],
    ['an empty member list', { ...VALID, members: [] }, 'members', 'APPROVAL.INVALID_GROUP'],
    ['a member that is not an object', withMember('erin'), 'members[4]', 'REQUEST.INVALID_BODY'],
    [
      'a member with an unknown field',
      withMember({ ...member('erin'), role: 'admin' }),
      'members[4].role',
      'REQUEST.UNKNOWN_FIELD',
    ],
    ['a member id that is not an id', withMember(member('erin smith')), 'members[4].id', 'REQUEST.INVALID_FIELD'],
    ['a member without a name', withMember({ id: 'erin' }), 'members[4].name', 'REQUEST.MISSING_FIELD'],
    ['a member listed twice', withMember(member('alice')), 'members[4].id', 'APPROVAL.INVALID_GROUP'],
    [
      'two channels for one member',
      withMember(member('erin', { email: 'erin@example.com', sms: '+14155550101' })),
      'members[4].notify',
      'APPROVAL.INVALID_GROUP',
    ],
    ['an empty notify', withMember(member('erin', {})), 'members[4].notify', 'APPROVAL.INVALID_GROUP'],
    [
      'an unknown channel',
      withMember(member('erin', { slack: '#approvals' })),
      'members[4].notify.slack',
      'REQUEST.UNKNOWN_FIELD',
    ],
    [
      'an email without a domain',
      withMember(member('erin', { email: 'erin@localhost' })),
      'members[4].notify.email',
      'REQUEST.INVALID_FIELD',
    ],
    [
      'an email with spaces',
      withMember(member('erin', { email: 'erin smith@example.com' })),
      'members[4].notify.email',
      'REQUEST.INVALID_FIELD',
    ],
    [
      'a phone number without +',
      withMember(member('erin', { sms: '14155550101' })),
      'members[4].notify.sms',
      'REQUEST.INVALID_FIELD',
    ],
    [
      'a phone number with spaces',
      withMember(member('erin', { sms: '+1 415 555 0101' })),
      'members[4].notify.sms',
      'REQUEST.INVALID_FIELD',
    ],
    [
      'a phone number of 16 digits',
      withMember(member('erin', { sms: '+1415555010112345' })),
      'members[4].notify.sms',
      'REQUEST.INVALID_FIELD',
    ],
    [
      'a plain http endpoint',
      withMember(member('erin', { https: 'http://hooks.example.com/a' })),
      'members[4].notify.https',
      'REQUEST.INVALID_FIELD',
    ],
    [
      'an endpoint with credentials',
      withMember(member('erin', { https: 'https://user:secret@hooks.example.com/a' })),
      'members[4].notify.https',
      'REQUEST.INVALID_FIELD',
    ],
    [
      'an endpoint that is not a URL',
      withMember(member('erin', { https: 'https://' })),
      'members[4].notify.https',
      'REQUEST.INVALID_FIELD',
    ],
  ])('refuses %s, naming the field', (_name, input, field, code) => {
    expect(refusal(input)).toMatchObject({ code, field });
  });

  it('refuses a group id that is not an id', () => {
    expect(refusal(VALID, '../treasury')).toMatchObject({ code: 'REQUEST.INVALID_FIELD', field: 'id' });
  });
});
