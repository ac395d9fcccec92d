import type { Hex } from 'viem';
import { SIGNING_SCHEMES, type Signer } from '../../domain/lifecycle/signing-scheme';
import { groupIdsOf } from '../../domain/approvals/required-groups-of';
import { tallyApprovals } from '../../domain/approvals/tally-approvals';
import { digestOf } from '../../domain/audit/audit-chain';
import { nonceFillTransaction } from '../../domain/chain/nonce-fill-transaction';
import { assertReplacement, replacementFees } from '../../domain/chain/replacement-fees';
import { wantedMaxFee } from '../../domain/chain/new-transaction-fees';
import { TransferHaltedError } from '../../domain/errors';
import type { PreparedTransaction } from '../../domain/lifecycle/transfer-events';
import type { TransferState } from '../../domain/lifecycle/transfer-state';
import { hashAuthorization, type AuthorizationProof } from '../../domain/proof/authorization-proof';
import { proofToJson, type AuthorizationProofJson } from '../../domain/proof/proof-json';
import { floorToSecond } from '../../domain/proof/unix-seconds';
import { ID_RULE } from '../../domain/validation';
import type { Wallet } from '../../domain/wallets/wallet';
import type { ChainGateway } from '../../ports/chain';
import { countableDecisions } from '../approvals/passkey-approvals';
import { prepareNonceFill } from '../prepare-nonce-fill';
import { prepareReplacement } from '../prepare-replacement';
import { decidePolicy } from './decide-policy';
import { policyEvaluatedEvent } from './policy-evaluated-event';
import { haltIfCancelled } from './halt-if-cancelled';
import { loadWallet } from './load-wallet';
import { auditEntry } from './record-audit';
import { runTransferStep, type StepInput, type StepOutput } from './run-transfer-step';
import type { TransferDeps } from './transfer-deps';
import { eventsAfter, type NewTransferEvent } from './transfer-events-builder';

export type AuthorizeTransferDeps = Pick<
  TransferDeps,
  | 'events'
  | 'ledger'
  | 'wallets'
  | 'groups'
  | 'approvals'
  | 'chains'
  | 'approvalSigner'
  | 'deploymentId'
  | 'audit'
  | 'clock'
  | 'proofValiditySeconds'
  | 'passkeys'
  | 'publicBaseUrl'
>;

export interface Authorization {
  readonly proof: AuthorizationProofJson;
  readonly signature: Hex;
  readonly keyScheme: string;
  /** Where the signature comes from (lambdas/domain/lifecycle/signing-scheme.ts): what ChooseSigner chooses on. */
  readonly signer: Signer;
}

const ACTOR = 'workflow:authorize';

/** The policy decision id a cancellation at the nonce is authorized under: it moves nothing. */
export const CANCELLATION_DECISION_ID = 'system.cancellation';

/**
 * Authorize (ARCHITECTURE.md §4.5): the last check before a key signs. For a first attempt it checks
 * the transfer is not cancelled, evaluates the policy again now and recounts the quorum from the
 * approvals table (never from the callback's output); then the approval key signs a short-lived proof
 * over the complete transaction. A replacement (stuck: fees raised ≥ 10%; cancellation: a zero-value
 * self-transfer at the nonce) is built here and gets a proof of its own, within the fee ceiling.
 */
export function authorizeTransfer(deps: AuthorizeTransferDeps, input: StepInput): Promise<StepOutput<Authorization>> {
  return runTransferStep(deps.events, input, (state) => authorize(deps, state));
}

async function authorize(
  deps: AuthorizeTransferDeps,
  state: TransferState,
): Promise<{ result: Authorization; state: TransferState }> {
  const wallet = await loadWallet(deps.wallets, state.walletId);
  if (state.transaction === undefined)
    throw new TransferHaltedError('TRANSFER.NOT_AUTHORIZED', `transfer ${state.id} has no prepared transaction`);
  const now = deps.clock();
  let transaction: PreparedTransaction;
  let policyDecisionId: string;
  let approvalDigests: readonly Hex[] = [];
  const before: NewTransferEvent[] = [];
  if (state.replacementRequested) {
    const chain = deps.chains.get(state.chainId);
    transaction = await replacementFor(chain, state);
    policyDecisionId =
      state.cancelling === true ? CANCELLATION_DECISION_ID : (state.policy?.decisionId ?? CANCELLATION_DECISION_ID);
  } else {
    haltIfCancelled(state);
    const { event: evaluated, digests } = await reevaluate(deps, state, wallet, now);
    before.push(evaluated);
    policyDecisionId = evaluated.data.decisionId;
    approvalDigests = digests;
    transaction = state.authorizedTransaction ?? state.transaction;
  }
  const proof: AuthorizationProof = {
    transferId: state.id,
    walletId: wallet.id,
    transaction,
    policyDecisionId,
    approvalIds: (state.approverIds ?? []).map(safeId),
    approvalDigests,
    validUntil: floorToSecond(new Date(now.getTime() + deps.proofValiditySeconds * 1000)),
  };
  const signature = await deps.approvalSigner.signAuthorization(proof);
  const proofId = hashAuthorization({ deploymentId: deps.deploymentId, chainId: transaction.chainId }, proof);
  // The proof leaves this step only once it is recorded: the append conditions on the stream being
  // exactly the state it was decided on.
  const next = await deps.events.append(
    state,
    eventsAfter(state, ACTOR, now, [
      ...before,
      { type: 'AUTHORIZED', data: { proofId, validUntil: proof.validUntil.toISOString(), transaction } },
    ]),
    {
      audit: auditEntry({
        traceId: state.traceId,
        actor: ACTOR,
        action: state.replacementRequested ? 'REPLACEMENT_AUTHORIZED' : 'AUTHORIZED',
        inputs: proofToJson(proof),
        result: `proof ${proofId} by the approval key until ${proof.validUntil.toISOString()}`,
        at: now,
      }),
    },
  );
  return {
    result: {
      proof: proofToJson(proof),
      signature,
      keyScheme: wallet.keyScheme,
      signer: SIGNING_SCHEMES[wallet.keyScheme].signer,
    },
    state: next,
  };
}

/**
 * The policy now, and the approvals recounted against what it requires now: only decisions whose
 * passkey assertions verify again count when a group requires passkeys (a row written into the table
 * does not), and the digests those approvals signed go into the proof.
 */
async function reevaluate(
  deps: AuthorizeTransferDeps,
  state: TransferState,
  wallet: Wallet,
  now: Date,
): Promise<{ event: NewTransferEvent & { type: 'POLICY_EVALUATED' }; digests: readonly Hex[] }> {
  // Velocity and cooldown as EvaluatePolicy read them: as of the reservation they cannot have grown.
  const { decision, activity } = await decidePolicy(deps, state, wallet, state.policy?.activity);
  const refuse = (reason: string): never => {
    throw new TransferHaltedError('TRANSFER.NOT_AUTHORIZED', `transfer ${state.id}: ${reason}`, {
      details: { transferId: state.id, ruleIds: decision.decidingRuleIds },
    });
  };
  if (decision.action === 'BLOCK') refuse(`the policy blocks it now: ${decision.reason}`);
  if (decision.action === 'REQUIRE_APPROVAL') {
    const requestId = state.approvalRequestId;
    const stored = requestId === undefined ? undefined : await deps.approvals.get(requestId);
    if (stored === undefined || decision.approval === undefined)
      return refuse('the policy requires an approval this transfer never had');
    const groups = await deps.groups.getMany(groupIdsOf(decision.approval));
    const counted = await countableDecisions(deps, {
      request: stored,
      transfer: state,
      groups,
      decisions: await deps.approvals.decisions(stored.id),
    });
    const tally = tallyApprovals({
      request: { ...stored, requirement: decision.approval },
      groups,
      decisions: counted.decisions,
      now,
    });
    if (tally.outcome !== 'APPROVED') {
      const refusedBy = counted.refused.map((r) => `${r.approverId}: ${r.reason}`).join(', ');
      refuse(
        `the approvals recorded do not meet what the policy requires now (${tally.outcome.toLowerCase()})` +
          (refusedBy === '' ? '' : `; not counted: ${refusedBy}`),
      );
    }
    return { event: policyEvaluatedEvent(state, decision, activity), digests: counted.digests };
  }
  return { event: policyEvaluatedEvent(state, decision, activity), digests: [] };
}

/** The next attempt at the transfer's nonce: a cancellation, or the same call with fees raised. */
async function replacementFor(chain: ChainGateway, state: TransferState): Promise<PreparedTransaction> {
  const signed = [...state.attempts].reverse().find((a) => a.txHash !== undefined && a.transaction !== undefined);
  const prepared = state.transaction as PreparedTransaction;
  if (signed?.transaction === undefined) {
    // Nothing was ever signed at this nonce: fill it with a cancellation at today's fees.
    return prepareNonceFill(chain, { from: prepared.from, nonce: prepared.nonce });
  }
  const previous = signed.transaction;
  if (state.cancelling === true || state.cancelRequested !== undefined) {
    const network = await chain.networkFees();
    const fees = replacementFees(
      previous,
      {
        maxFeePerGas: wantedMaxFee(network, network.maxPriorityFeePerGas),
        maxPriorityFeePerGas: network.maxPriorityFeePerGas,
      },
      chain.config.feeCeiling,
    );
    const cancellation = nonceFillTransaction(previous, fees);
    assertReplacement(previous, cancellation, chain.config.feeCeiling);
    return cancellation;
  }
  return prepareReplacement(chain, previous, 'STUCK');
}

/** Approver ids go into the signed proof; ids outside the id alphabet are named by their digest. */
const safeId = (id: string): string =>
  ID_RULE.pattern?.test(id) === true && id.length <= ID_RULE.maxLength ? id : `id-${digestOf(id).slice(2, 34)}`;
