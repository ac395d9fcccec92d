import type { AgentKeys } from '../../ports/agent-keys';
import type { AuditLog } from '../../ports/audit-log';
import type { CoSignerRegistry } from '../../ports/co-signer-registry';
import type { EnclaveJobLedger } from '../../ports/enclave-job-ledger';
import type { ApprovalGroupStore } from '../../ports/approval-group-store';
import type { ApprovalStore } from '../../ports/approval-store';
import type { ChainRegistry } from '../../ports/chain-registry';
import type { KeyVault } from '../../ports/key-vault';
import type { LedgerStore } from '../../ports/ledger-store';
import type { NonceStore } from '../../ports/nonce-store';
import type { Notifier } from '../../ports/notifier';
import type { PasskeyStore } from '../../ports/passkey-store';
import type { ScreeningProvider } from '../../ports/screening-provider';
import type { TransferEventStore } from '../../ports/transfer-event-store';
import type { TransferSubmissionStore } from '../../ports/transfer-submission-store';
import type { WalletStore } from '../../ports/wallet-store';
import type { WorkflowEngine } from '../../ports/workflow-engine';
import type { Address } from '../../domain/address';
import type { ProofSigner } from '../../signing/proof-signer';

/**
 * Everything the transfer use cases may use. Each use case names the part it needs with `Pick`, so a
 * handler (a composition root) builds only those adapters, and a reader sees at a glance that, say,
 * the signer never touches the approvals table.
 */
export interface TransferDeps {
  readonly events: TransferEventStore;
  readonly submissions: TransferSubmissionStore;
  readonly ledger: LedgerStore;
  readonly wallets: WalletStore;
  readonly groups: ApprovalGroupStore;
  readonly approvals: ApprovalStore;
  readonly audit: AuditLog;
  readonly nonces: NonceStore;
  readonly chains: ChainRegistry;
  readonly keyVault: KeyVault;
  /** The enclave: makes and seals enclave wallets' keys, and verifies what it says about them. */
  readonly agentKeys: AgentKeys;
  /** The co-signer (issue 16): registers share 2 of a new mpc key, retires a revoked wallet's share. */
  readonly coSigner: CoSignerRegistry;
  /** The enclave job ledger: what became of a signing job whose task failed (voided, signed, refused, in flight). */
  readonly enclaveJobs: EnclaveJobLedger;
  /** The approval key: signs authorization proofs only. */
  readonly approvalSigner: ProofSigner;
  /** The approval key's address, from configuration: what signers verify proofs against. */
  readonly approvalKeyAddress: Address;
  readonly deploymentId: string;
  readonly screening: ScreeningProvider;
  /** Native amounts above which a travel-rule record is kept (per chain id), in base units. */
  readonly travelRuleThresholds: ReadonlyMap<number, bigint>;
  readonly notifier: Notifier;
  /** The API's public base URL (its stage URL, or your domain): where approvers' links point. */
  readonly publicBaseUrl: () => string;
  readonly workflow: WorkflowEngine;
  readonly clock: () => Date;
  /** How long an authorization proof stays valid. */
  readonly proofValiditySeconds: number;
  /** Seconds between confirmation checks. */
  readonly confirmationPollSeconds: number;
  /** Approvers' enrolled passkeys: what a passkey-signed decision is verified against, then and at Authorize. */
  readonly passkeys: PasskeyStore;
}
