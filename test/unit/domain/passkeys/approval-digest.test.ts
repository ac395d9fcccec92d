import { concat, encodeAbiParameters, keccak256, stringToHex, toHex, zeroAddress, type Hex } from 'viem';
import { StrongroomError } from '../../../../lambdas/domain/errors';
import {
  challengeOfDigest,
  changeApprovalDigest,
  changePayloadHash,
  transferApprovalDigest,
  type ChangeApprovalInput,
  type TransferApprovalInput,
} from '../../../../lambdas/domain/passkeys/approval-digest';
import { DEPLOYMENT, INTENT } from './transfer-intent-fixture';

const CHANGE: ChangeApprovalInput = {
  deploymentId: DEPLOYMENT,
  decision: 'approve',
  changeId: 'chg-1',
  kind: 'policy.set',
  payload: { walletId: 'w-1', limit: 5n, rules: [{ id: 'r1', b: true, a: null }] },
};

/** EIP-712 by hand (typeHash, hashStruct, domain separator), independent of viem's hashTypedData. */
function handMadeTransferDigest(input: TransferApprovalInput): Hex {
  const domainType = keccak256(stringToHex('EIP712Domain(string name,string version,uint256 chainId,bytes32 salt)'));
  const domainSeparator = keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint256' }, { type: 'bytes32' }],
      [
        domainType,
        keccak256(stringToHex('strongroom')),
        keccak256(stringToHex('1')),
        BigInt(input.chainId),
        keccak256(toHex(input.deploymentId)),
      ],
    ),
  );
  const typeHash = keccak256(
    stringToHex(
      'TransferApproval(string decision,string approvalRequestId,string transferId,string walletId,address from,' +
        'address to,address asset,uint256 amount,bytes data,uint256 expiresAtMs)',
    ),
  );
  const structHash = keccak256(
    encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'address' },
        { type: 'address' },
        { type: 'address' },
        { type: 'uint256' },
        { type: 'bytes32' },
        { type: 'uint256' },
      ],
      [
        typeHash,
        keccak256(stringToHex(input.decision)),
        keccak256(stringToHex(input.approvalRequestId)),
        keccak256(stringToHex(input.transferId)),
        keccak256(stringToHex(input.walletId)),
        input.from,
        input.to,
        input.asset === 'native' ? zeroAddress : input.asset,
        input.amount,
        keccak256(input.data),
        BigInt(input.expiresAt.getTime()),
      ],
    ),
  );
  return keccak256(concat(['0x1901', domainSeparator, structHash]));
}

describe('transferApprovalDigest', () => {
  it('is the EIP-712 digest of TransferApproval under the proof domain (a known value, and by hand)', () => {
    const digest = transferApprovalDigest(INTENT);
    expect(digest).toBe('0x7fe32ab790b204e91009e69375c936c6e335cb708da01aabad2a74240b8b11f6');
    expect(digest).toBe(handMadeTransferDigest(INTENT));
    const token: TransferApprovalInput = {
      ...INTENT,
      asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      data: '0xa9059cbb',
    };
    expect(transferApprovalDigest(token)).toBe(handMadeTransferDigest(token));
  });

  const variants: readonly [keyof TransferApprovalInput, TransferApprovalInput[keyof TransferApprovalInput]][] = [
    ['deploymentId', 'acct-444455556666/strongroom-prod'],
    ['chainId', 11155111],
    ['decision', 'reject'],
    ['approvalRequestId', 'apr-2'],
    ['transferId', 'tr-2'],
    ['walletId', 'w-2'],
    ['from', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'],
    ['to', '0x90F79bf6EB2c4f870365E785982E1f101E93b906'],
    ['asset', '0x5FbDB2315678afecb367f032d93F642f64180aa3'],
    ['amount', 10n ** 18n + 1n],
    ['data', '0x00'],
    ['expiresAt', new Date('2026-12-02T10:00:00.124Z')],
  ];
  it.each(variants)('changes when %s changes', (field, value) => {
    expect(transferApprovalDigest({ ...INTENT, [field]: value })).not.toBe(transferApprovalDigest(INTENT));
  });

  it('is the same for the same intent, however the input was built', () => {
    const copy = JSON.parse(JSON.stringify({ ...INTENT, amount: INTENT.amount.toString() })) as Record<string, string>;
    const rebuilt: TransferApprovalInput = {
      ...INTENT,
      ...copy,
      amount: BigInt(copy.amount!),
      expiresAt: new Date(copy.expiresAt!),
    } as TransferApprovalInput;
    expect(transferApprovalDigest(rebuilt)).toBe(transferApprovalDigest(INTENT));
  });

  it('refuses a decision other than approve or reject, and an invalid expiry', () => {
    expect(() => transferApprovalDigest({ ...INTENT, decision: 'abstain' as 'approve' })).toThrow(StrongroomError);
    expect(() => transferApprovalDigest({ ...INTENT, expiresAt: new Date(Number.NaN) })).toThrow(StrongroomError);
    expect(() => transferApprovalDigest({ ...INTENT, chainId: 0 })).toThrow(StrongroomError);
  });
});

describe('changeApprovalDigest', () => {
  it('is a known value', () => {
    expect(changeApprovalDigest(CHANGE)).toBe('0x93073d1cbc37d54c5cb74b071ced2a069e46ac7f96a6c0ca5642005f7bf40107');
  });

  it('does not depend on the order of the payload keys', () => {
    const reordered = { rules: [{ a: null, b: true, id: 'r1' }], limit: 5n, walletId: 'w-1' };
    expect(changeApprovalDigest({ ...CHANGE, payload: reordered })).toBe(changeApprovalDigest(CHANGE));
  });

  it.each([
    ['deploymentId', 'acct-444455556666/strongroom-prod'],
    ['decision', 'reject'],
    ['changeId', 'chg-2'],
    ['kind', 'group.replace'],
    ['payload', { walletId: 'w-1', limit: 6n, rules: [{ id: 'r1', b: true, a: null }] }],
  ] as const)('changes when %s changes', (field, value) => {
    expect(changeApprovalDigest({ ...CHANGE, [field]: value })).not.toBe(changeApprovalDigest(CHANGE));
  });

  it('hashes the payload as keccak256 of its canonical JSON', () => {
    expect(changePayloadHash({ b: 1, a: [2n, 'x'] })).toBe(keccak256(stringToHex('{"a":["2","x"],"b":1}')));
  });
});

describe('challengeOfDigest', () => {
  it('is the 32 bytes in base64url, 43 characters', () => {
    const digest = transferApprovalDigest(INTENT);
    const challenge = challengeOfDigest(digest);
    expect(challenge).toBe('f-Mqt5CyBOkQCeaTdck2xuM1y3CNoBqrrSp0JAuLEfY');
    expect(`0x${Buffer.from(challenge, 'base64url').toString('hex')}`).toBe(digest);
  });

  it('refuses what is not 32 bytes of hex', () => {
    expect(() => challengeOfDigest('0x1234')).toThrow(StrongroomError);
  });
});
