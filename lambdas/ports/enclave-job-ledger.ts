/**
 * The enclave job ledger as the workflow sees it (enclave-host/contract.ts `JobLedger`): shared by every
 * enclave host and the workflow, so a signing job is either claimed by a host or voided by the
 * workflow, never both. The workflow only voids; hosts claim and answer.
 */
export type { JobLedger as EnclaveJobLedger, VoidOutcome } from '../../enclave-host/contract';
