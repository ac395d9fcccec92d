import type { Hex } from 'viem';
import { challengeOfDigest, transferApprovalDigest } from '../../../../lambdas/domain/passkeys/approval-digest';
import type { PasskeyDecision } from '../../../../lambdas/domain/passkeys/approval-digest';
import type { TransferState } from '../../../../lambdas/domain/lifecycle/transfer-state';
import type { StoredApprovalRequest } from '../../../../lambdas/ports/approval-store';
import {
  recheckApprovals,
  transferDigestFor,
  verifyDecisionAssertion,
  type PasskeyEvidence,
} from '../../../../lambdas/use-cases/passkeys/passkey-decision';
import type { SoftwareAuthenticator } from '../../../../local/passkeys/software-authenticator';
import { passkeyFixture, refusalOf, RP } from './passkey-fixture';

const DEPLOYMENT = 'acct-111122223333/strongroom-test';
const FROM = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

const TRANSFER: TransferState = {
  id: 'tr-1',
  seq: 5,
  status: 'PENDING_AUTHORIZATION',
  submittedAt: new Date('2026-12-01T09:59:00.000Z'),
  updatedAt: new Date('2026-12-01T10:00:00.000Z'),
  walletId: 'w-1',
  from: FROM,
  initiatorId: 'ops-agent',
  traceId: 'trace-1',
  chainId: 1,
  to: TO,
  asset: TOKEN,
  amount: 2_500_000n,
  data: '0x',
  feeAllowance: 10n ** 15n,
  reserved: { asset: TOKEN, amount: 2_500_000n },
  approvalRequestId: 'apr-tr-1',
  attempts: [],
  replacementRequested: false,
  fundsReleased: false,
  reconciliation: [],
};

const REQUEST: StoredApprovalRequest = {
  id: 'apr-tr-1',
  transferId: 'tr-1',
  initiatorId: 'ops-agent',
  requirement: { quorum: 2, groups: [{ group: 'treasury', quorum: 2 }], timeoutSeconds: 3600 },
  createdAt: new Date('2026-12-01T10:00:00.000Z'),
  expiresAt: new Date('2026-12-01T11:00:00.123Z'),
};

const digestOf = (decision: PasskeyDecision, transfer = TRANSFER, request = REQUEST): Hex =>
  transferDigestFor({ deploymentId: DEPLOYMENT, request, transfer, decision });

const OTHER_TRANSFER: TransferState = { ...TRANSFER, id: 'tr-2', amount: 9_000_000n, approvalRequestId: 'apr-tr-2' };
const OTHER_REQUEST: StoredApprovalRequest = { ...REQUEST, id: 'apr-tr-2', transferId: 'tr-2' };

const sign = (device: SoftwareAuthenticator, digest: Hex, overrides: { counter?: number } = {}) =>
  device.assert({ challenge: challengeOfDigest(digest), origin: RP.origin, rpId: RP.rpId, ...overrides });

describe('transferDigestFor', () => {
  it("is transferApprovalDigest of the transfer's submitted intent under the request's id and expiry", () => {
    expect(digestOf('approve')).toBe(
      transferApprovalDigest({
        deploymentId: DEPLOYMENT,
        chainId: 1,
        decision: 'approve',
        approvalRequestId: 'apr-tr-1',
        transferId: 'tr-1',
        walletId: 'w-1',
        from: FROM,
        to: TO,
        asset: TOKEN,
        amount: 2_500_000n,
        data: '0x',
        expiresAt: new Date('2026-12-01T11:00:00.123Z'),
      }),
    );
  });

  it('changes with the decision and with every field it covers', () => {
    const base = digestOf('approve');
    const variants: Hex[] = [
      digestOf('reject'),
      transferDigestFor({ deploymentId: `${DEPLOYMENT}-2`, request: REQUEST, transfer: TRANSFER, decision: 'approve' }),
      digestOf('approve', { ...TRANSFER, chainId: 10 }),
      digestOf('approve', { ...TRANSFER, walletId: 'w-2' }),
      digestOf('approve', { ...TRANSFER, from: TO }),
      digestOf('approve', { ...TRANSFER, to: FROM }),
      digestOf('approve', { ...TRANSFER, asset: 'native' }),
      digestOf('approve', { ...TRANSFER, amount: 2_500_001n }),
      digestOf('approve', { ...TRANSFER, data: '0x00' }),
      digestOf('approve', TRANSFER, { ...REQUEST, id: 'apr-tr-1b' }),
      digestOf('approve', TRANSFER, { ...REQUEST, expiresAt: new Date('2026-12-01T11:00:00.124Z') }),
      digestOf('approve', OTHER_TRANSFER, OTHER_REQUEST),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    // What the digest does not cover (the note, the fee allowance, the status) leaves it alone.
    expect(digestOf('approve', { ...TRANSFER, note: 'x', feeAllowance: 1n, status: 'SUBMITTED' })).toBe(base);
  });

  it('refuses a request of another transfer and a transfer whose address was never recorded', async () => {
    expect(await refusalOf(Promise.resolve().then(() => digestOf('approve', TRANSFER, OTHER_REQUEST)))).toMatchObject({
      code: 'PROOF.MALFORMED',
      details: { field: 'request.transferId' },
    });
    const { from: _from, ...withoutFrom } = TRANSFER;
    expect(await refusalOf(Promise.resolve().then(() => digestOf('approve', withoutFrom)))).toMatchObject({
      code: 'PROOF.MALFORMED',
      details: { field: 'transfer.from' },
    });
  });
});

describe('verifyDecisionAssertion', () => {
  async function setup() {
    const f = passkeyFixture();
    const alice = await f.enrolledDevice('alice');
    const bob = await f.enrolledDevice('bob');
    const verify = (memberId: string, assertion: unknown, digest = digestOf('approve')) =>
      verifyDecisionAssertion(f.deps, { memberId, digest, assertion, relyingParty: RP, at: f.now(), ref: REQUEST.id });
    return { f, alice, bob, verify };
  }

  it("returns the evidence of a valid assertion and records the passkey's counter", async () => {
    const { f, alice, verify } = await setup();
    const assertion = sign(alice, digestOf('approve'));
    const evidence = await verify('alice', { ...assertion, extra: 'dropped' });
    // Stored as verified: the fields WebAuthn defines, without what the client added.
    const { authenticatorAttachment: _attachment, ...verified } = assertion;
    expect(evidence).toEqual({ credentialId: alice.credentialId, assertion: verified, digest: digestOf('approve') });
    expect(JSON.parse(JSON.stringify(evidence))).toEqual(evidence);
    expect((await f.passkeys.credentialsOf('alice'))[0]?.counter).toBe(1);
  });

  it("refuses an assertion over another transfer's digest, or over the other decision", async () => {
    const { alice, verify } = await setup();
    expect(
      await refusalOf(verify('alice', sign(alice, digestOf('approve', OTHER_TRANSFER, OTHER_REQUEST)))),
    ).toMatchObject({
      code: 'PASSKEY.ASSERTION_INVALID',
      kind: 'forbidden',
      details: { reason: 'challenge-mismatch' },
    });
    expect(await refusalOf(verify('alice', sign(alice, digestOf('reject'))))).toMatchObject({
      details: { reason: 'challenge-mismatch' },
    });
  });

  it("refuses another member's passkey: only the deciding member's credentials are looked at", async () => {
    const { bob, verify } = await setup();
    expect(await refusalOf(verify('alice', sign(bob, digestOf('approve'))))).toMatchObject({
      code: 'PASSKEY.ASSERTION_INVALID',
      details: { reason: 'credential-mismatch', memberId: 'alice' },
    });
  });

  it("refuses a replay: the same assertion again has a counter that did not rise; two at once, one is 'replayed'", async () => {
    const { alice, verify } = await setup();
    const assertion = sign(alice, digestOf('approve'));
    await verify('alice', assertion);
    expect(await refusalOf(verify('alice', assertion))).toMatchObject({
      code: 'PASSKEY.ASSERTION_INVALID',
      details: { reason: 'counter-not-increased' },
    });

    // Two decisions racing with one assertion both read the counter before either records it.
    const racing = sign(alice, digestOf('approve'));
    const outcomes = await Promise.allSettled([verify('alice', racing), verify('alice', racing)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failed = outcomes.find((o) => o.status === 'rejected');
    expect(await refusalOf(Promise.reject(failed?.reason))).toMatchObject({
      code: 'PASSKEY.ASSERTION_INVALID',
      details: { reason: 'replayed' },
    });
  });

  it('is NOT_ENROLLED for a member without a passkey (never enrolled, or all revoked)', async () => {
    const { f, alice, verify } = await setup();
    const stranger = await refusalOf(verify('carol', sign(alice, digestOf('approve'))));
    expect(stranger).toMatchObject({ code: 'PASSKEY.NOT_ENROLLED', kind: 'forbidden' });
    await f.passkeys.revoke('alice', alice.credentialId);
    expect(await refusalOf(verify('alice', sign(alice, digestOf('approve'))))).toMatchObject({
      code: 'PASSKEY.NOT_ENROLLED',
    });
  });

  it('refuses what is not an assertion, and one without user verification', async () => {
    const { alice, verify } = await setup();
    for (const junk of [undefined, 'x', {}, { id: alice.credentialId }])
      expect(await refusalOf(verify('alice', junk))).toMatchObject({ details: { reason: 'malformed' } });
    const unverified = alice.assert({
      challenge: challengeOfDigest(digestOf('approve')),
      origin: RP.origin,
      rpId: RP.rpId,
      userVerified: false,
    });
    expect(await refusalOf(verify('alice', unverified))).toMatchObject({ details: { reason: 'user-not-verified' } });
  });
});

describe('recheckApprovals', () => {
  interface Row {
    readonly approverId: string;
    readonly decision: PasskeyDecision;
    readonly evidence?: PasskeyEvidence;
  }

  async function setup() {
    const f = passkeyFixture();
    const devices = {
      alice: await f.enrolledDevice('alice'),
      bob: await f.enrolledDevice('bob'),
      carol: await f.enrolledDevice('carol'),
    };
    /** A decision as the decision path records it: verified and counted at the time. */
    const decide = async (
      approverId: keyof typeof devices,
      decision: PasskeyDecision = 'approve',
      digest = digestOf(decision),
    ): Promise<Row> => {
      const evidence = await verifyDecisionAssertion(f.deps, {
        memberId: approverId,
        digest,
        assertion: sign(devices[approverId], digest),
        relyingParty: RP,
        at: f.now(),
        ref: REQUEST.id,
      });
      return { approverId, decision, evidence };
    };
    const recheck = (decisions: readonly Row[], passkeyRequired = true) =>
      recheckApprovals(f.deps, {
        decisions,
        expectedDigest: (row) => digestOf(row.decision),
        relyingParty: RP,
        passkeyRequired,
      });
    return { f, devices, decide, recheck };
  }

  it('counts valid approvals and returns their digests in order, reading only', async () => {
    const { f, decide, recheck } = await setup();
    const rows = [await decide('bob'), await decide('alice'), await decide('carol', 'reject')];
    const writes = f.passkeys.writes;
    expect(await recheck(rows)).toEqual({
      counted: ['bob', 'alice', 'carol'],
      digests: [digestOf('approve'), digestOf('approve'), digestOf('reject')],
      refused: [],
    });
    expect(f.passkeys.writes).toBe(writes);
  });

  it('does not count a row without an assertion when passkeys are required', async () => {
    const { decide, recheck } = await setup();
    const rows: Row[] = [{ approverId: 'bob', decision: 'approve' }, await decide('alice')];
    expect(await recheck(rows)).toEqual({
      counted: ['alice'],
      digests: [digestOf('approve')],
      refused: [{ approverId: 'bob', reason: 'no-assertion' }],
    });
  });

  it('does not count an assertion over another transfer, whatever digest the row claims', async () => {
    const { decide, recheck } = await setup();
    const elsewhere = await decide('bob', 'approve', digestOf('approve', OTHER_TRANSFER, OTHER_REQUEST));
    const relabelled: Row = {
      ...elsewhere,
      evidence: { ...(elsewhere.evidence as PasskeyEvidence), digest: digestOf('approve') },
    };
    expect(await recheck([elsewhere, relabelled])).toEqual({
      counted: [],
      digests: [],
      refused: [
        { approverId: 'bob', reason: 'digest-mismatch' },
        { approverId: 'bob', reason: 'challenge-mismatch' },
      ],
    });
  });

  it("does not count a rejection's assertion as an approval", async () => {
    const { decide, recheck } = await setup();
    const rejected = await decide('bob', 'reject');
    expect((await recheck([{ ...rejected, decision: 'approve' }])).refused).toEqual([
      { approverId: 'bob', reason: 'digest-mismatch' },
    ]);
  });

  it('does not count a credential revoked since the decision', async () => {
    const { f, devices, decide, recheck } = await setup();
    const rows = [await decide('alice'), await decide('bob')];
    await f.passkeys.revoke('alice', devices.alice.credentialId);
    expect(await recheck(rows)).toEqual({
      counted: ['bob'],
      digests: [digestOf('approve')],
      refused: [{ approverId: 'alice', reason: 'credential-not-enrolled' }],
    });
  });

  it("does not count another member's credential on an approver's row", async () => {
    const { decide, recheck } = await setup();
    const bobs = await decide('bob');
    expect(
      await recheck([
        { ...bobs, approverId: 'alice' },
        { ...bobs, approverId: 'dave' },
      ]),
    ).toEqual({
      counted: [],
      digests: [],
      refused: [
        { approverId: 'alice', reason: 'credential-not-enrolled' },
        { approverId: 'dave', reason: 'credential-not-enrolled' },
      ],
    });
  });

  it('counts one credential once', async () => {
    const { decide, recheck } = await setup();
    const first = await decide('alice');
    const second = await decide('alice');
    expect(await recheck([first, second, await decide('bob')])).toEqual({
      counted: ['alice', 'bob'],
      digests: [digestOf('approve'), digestOf('approve')],
      refused: [{ approverId: 'alice', reason: 'credential-counted-already' }],
    });
  });

  it('when passkeys are not required, counts rows without one but still refuses a forged one', async () => {
    const { decide, recheck } = await setup();
    const genuine = await decide('alice');
    const evidence = genuine.evidence as PasskeyEvidence;
    const signature = evidence.assertion.response.signature;
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    const forged: Row = {
      approverId: 'alice',
      decision: 'approve',
      evidence: {
        ...evidence,
        assertion: { ...evidence.assertion, response: { ...evidence.assertion.response, signature: flipped } },
      },
    };
    expect(await recheck([{ approverId: 'bob', decision: 'approve' }, forged], false)).toEqual({
      counted: ['bob'],
      digests: [],
      refused: [{ approverId: 'alice', reason: 'signature-invalid' }],
    });
    expect(await recheck([{ approverId: 'bob', decision: 'approve' }, genuine], false)).toEqual({
      counted: ['bob', 'alice'],
      digests: [digestOf('approve')],
      refused: [],
    });
  });
});
