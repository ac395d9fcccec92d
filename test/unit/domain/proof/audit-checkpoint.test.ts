import { recoverAddress, type Hex } from 'viem';
import { ProofError } from '../../../../lambdas/domain/errors';
import {
  buildAuditCheckpointTypedData,
  hashAuditCheckpoint,
  verifyAuditCheckpoint,
  type AuditCheckpoint,
} from '../../../../lambdas/domain/proof/audit-checkpoint';
import { highSTwin, newAccount } from './proof-fixtures';

const auditKey = newAccount();
const DOMAIN = { deploymentId: 'acct-111122223333/strongroom-prod' };
const CHECKPOINT: AuditCheckpoint = {
  number: 123n,
  previousDigest: `0x${'ef'.repeat(32)}`,
  headsRoot: `0x${'ab'.repeat(32)}`,
  headCount: 98_765n,
  changedBeforeMs: 1_893_455_999_123n,
  at: new Date('2030-01-01T00:00:00.000Z'),
};

const sign = (checkpoint: AuditCheckpoint, domain = DOMAIN): Promise<Hex> =>
  auditKey.signTypedData(buildAuditCheckpointTypedData(domain, checkpoint));

async function refusalCode(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProofError);
  return (error as ProofError).code;
}

describe('audit checkpoints', () => {
  it('verify when signed by the audit key', async () => {
    const signature = await sign(CHECKPOINT);
    await expect(
      verifyAuditCheckpoint({ domain: DOMAIN, checkpoint: CHECKPOINT, signature, expectedSigner: auditKey.address }),
    ).resolves.toBe(CHECKPOINT);
    expect(await recoverAddress({ hash: hashAuditCheckpoint(DOMAIN, CHECKPOINT), signature })).toBe(auditKey.address);
  });

  it('accept a ProofDomain too: a checkpoint is bound to the deployment, not to a chain', async () => {
    const signature = await sign(CHECKPOINT);
    const domain = { ...DOMAIN, chainId: 1 };
    await expect(
      verifyAuditCheckpoint({ domain, checkpoint: CHECKPOINT, signature, expectedSigner: auditKey.address }),
    ).resolves.toBe(CHECKPOINT);
  });

  it.each<[string, Partial<AuditCheckpoint>]>([
    ['fewer heads', { headCount: 98_000n }],
    ['another number', { number: 124n }],
    ['another previous checkpoint', { previousDigest: `0x${'ee'.repeat(32)}` }],
    ['another heads root', { headsRoot: `0x${'cd'.repeat(32)}` }],
    ['another covered interval', { changedBeforeMs: 1_893_455_999_124n }],
    ['another time', { at: new Date('2030-01-01T00:00:01.000Z') }],
  ])('refuse a checkpoint with %s', async (_name, change) => {
    const signature = await sign(CHECKPOINT);
    const checkpoint = { ...CHECKPOINT, ...change };
    expect(
      await refusalCode(
        verifyAuditCheckpoint({ domain: DOMAIN, checkpoint, signature, expectedSigner: auditKey.address }),
      ),
    ).toBe('PROOF.INVALID');
  });

  it('refuse another key, another deployment and a high-s signature', async () => {
    const signature = await sign(CHECKPOINT);
    const params = { domain: DOMAIN, checkpoint: CHECKPOINT, signature, expectedSigner: auditKey.address };
    expect(await refusalCode(verifyAuditCheckpoint({ ...params, expectedSigner: newAccount().address }))).toBe(
      'PROOF.INVALID',
    );
    expect(await refusalCode(verifyAuditCheckpoint({ ...params, domain: { deploymentId: 'other' } }))).toBe(
      'PROOF.INVALID',
    );
    expect(await refusalCode(verifyAuditCheckpoint({ ...params, signature: highSTwin(signature) }))).toBe(
      'PROOF.INVALID',
    );
  });

  it('refuse a previous digest or heads root that is not 32 bytes, and an instant that is not a whole second', () => {
    expect(() => hashAuditCheckpoint(DOMAIN, { ...CHECKPOINT, headsRoot: '0xabcd' })).toThrow(ProofError);
    expect(() => hashAuditCheckpoint(DOMAIN, { ...CHECKPOINT, previousDigest: '0xabcd' })).toThrow(ProofError);
    expect(() => hashAuditCheckpoint(DOMAIN, { ...CHECKPOINT, at: new Date('2030-01-01T00:00:00.500Z') })).toThrow(
      /whole second/,
    );
  });
});
