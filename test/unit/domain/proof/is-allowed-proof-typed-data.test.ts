import { buildAuditCheckpointTypedData } from '../../../../lambdas/domain/proof/audit-checkpoint';
import { buildAuthorizationTypedData } from '../../../../lambdas/domain/proof/authorization-proof';
import { isAllowedProofTypedData } from '../../../../lambdas/domain/proof/is-allowed-proof-typed-data';
import { DOMAIN, PERMIT, SAMPLE_CHECKPOINT, sampleProof } from './proof-fixtures';

const { deploymentId } = DOMAIN;
const authorization = () => buildAuthorizationTypedData(DOMAIN, sampleProof());
const checkpoint = () => buildAuditCheckpointTypedData(DOMAIN, SAMPLE_CHECKPOINT);

describe('isAllowedProofTypedData', () => {
  it('allows this deployment’s authorizations and audit checkpoints', () => {
    expect(isAllowedProofTypedData(authorization(), deploymentId)).toBe(true);
    expect(isAllowedProofTypedData(checkpoint(), deploymentId)).toBe(true);
  });

  it('allows the types written in another key order (they hash the same)', () => {
    const typed = authorization();
    const types = {
      Eip1559Transaction: typed.types.Eip1559Transaction,
      Authorization: typed.types.Authorization.map(({ type, name }) => ({ type, name })),
    };
    expect(
      isAllowedProofTypedData(
        { message: typed.message, primaryType: typed.primaryType, types, domain: typed.domain },
        deploymentId,
      ),
    ).toBe(true);
  });

  it.each<[string, () => unknown]>([
    ['a permit', () => PERMIT],
    [
      'another deployment’s authorization',
      () => buildAuthorizationTypedData({ ...DOMAIN, deploymentId: 'elsewhere' }, sampleProof()),
    ],
    [
      'another deployment’s checkpoint',
      () => ({
        ...checkpoint(),
        domain: buildAuthorizationTypedData({ ...DOMAIN, deploymentId: 'elsewhere' }, sampleProof()).domain,
      }),
    ],
    [
      'a domain with a verifying contract',
      () => ({
        ...authorization(),
        domain: { ...authorization().domain, verifyingContract: PERMIT.domain.verifyingContract },
      }),
    ],
    [
      'a domain chain other than the transaction’s',
      () => ({ ...authorization(), domain: { ...authorization().domain, chainId: 1 } }),
    ],
    ['an extra type', () => ({ ...authorization(), types: { ...authorization().types, Permit: PERMIT.types.Permit } })],
    [
      'a changed field type',
      () => ({
        ...authorization(),
        types: {
          ...authorization().types,
          Authorization: [...authorization().types.Authorization.slice(0, 6), { name: 'validUntil', type: 'uint64' }],
        },
      }),
    ],
    [
      'an extra message field',
      () => ({ ...authorization(), message: { ...authorization().message, spender: PERMIT.message.spender } }),
    ],
    [
      'a checkpoint of the former shape (a global sequence, no Merkle root chain)',
      () => ({
        ...checkpoint(),
        types: {
          AuditCheckpoint: [
            { name: 'checkpointId', type: 'string' },
            { name: 'globalSequence', type: 'uint256' },
            { name: 'recordCount', type: 'uint256' },
            { name: 'headsRoot', type: 'bytes32' },
            { name: 'at', type: 'uint256' },
          ],
        },
        message: {
          checkpointId: 'cp-1',
          globalSequence: 10n,
          recordCount: 10n,
          headsRoot: checkpoint().message.headsRoot,
          at: checkpoint().message.at,
        },
      }),
    ],
    [
      'a missing message field',
      () => {
        const { at: _at, ...message } = checkpoint().message;
        return { ...checkpoint(), message };
      },
    ],
    [
      'an extra transaction field',
      () => ({
        ...authorization(),
        message: {
          ...authorization().message,
          transaction: { ...authorization().message.transaction, accessList: [] },
        },
      }),
    ],
    [
      'a value that does not encode',
      () => ({ ...authorization(), message: { ...authorization().message, from: '0x1234' } }),
    ],
    ['the domain itself as primary type', () => ({ ...authorization(), primaryType: 'EIP712Domain' })],
    ['the nested struct as primary type', () => ({ ...authorization(), primaryType: 'Eip1559Transaction' })],
    ['an extra top-level key', () => ({ ...authorization(), account: '0x1111111111111111111111111111111111111111' })],
    ['a raw digest', () => `0x${'ab'.repeat(32)}`],
    ['null', () => null],
  ])('refuses %s', (_name, typedData) => {
    expect(isAllowedProofTypedData(typedData(), deploymentId)).toBe(false);
  });
});
