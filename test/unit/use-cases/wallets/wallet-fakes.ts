import { x25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, getAddress, keccak256, toHex, type Hex } from 'viem';
import type {
  CoSignerRegistrationAnswer,
  CoSignerRetireAnswer,
  CreatedMpcKey,
} from '../../../../enclave-host/contract';
import { encodeBase64url } from '../../../../enclave-host/shares';
import { ConflictError, DependencyUnavailableError, StrongroomError } from '../../../../lambdas/domain/errors';
import type { Wallet } from '../../../../lambdas/domain/wallets/wallet';
import type { WalletEvent } from '../../../../lambdas/domain/wallets/wallet-events';
import { foldWalletEvents } from '../../../../lambdas/domain/wallets/wallet-lifecycle';
import type { AgentKeys, CreatedAgentKey } from '../../../../lambdas/ports/agent-keys';
import type { ChainRegistry } from '../../../../lambdas/ports/chain-registry';
import type { CoSignerRegistration, CoSignerRegistry } from '../../../../lambdas/ports/co-signer-registry';
import type { WalletStore } from '../../../../lambdas/ports/wallet-store';
import type { CreateWalletDeps } from '../../../../lambdas/use-cases/wallets/create-wallet';
import { agentKeyAnswer, mpcKeyAnswer } from '../../../support/enclave-answers';
import { MemoryKeyVault } from '../../../support/memory-key-vault';
import { configOnlyChains, MemoryAuditEntries } from '../../../support/transfer-fakes';

export const DEPLOYMENT = 'strongroom-test';

/** A customer's X25519 recovery public key, as the API takes it (32 bytes, base64url). */
export const RECOVERY_PUBLIC_KEY = encodeBase64url(x25519.getPublicKey(new Uint8Array(32).fill(9)));
export const OTHER_RECOVERY_PUBLIC_KEY = encodeBase64url(x25519.getPublicKey(new Uint8Array(32).fill(10)));

/** Wallet streams in memory: creating one that exists is a ConflictError, as the conditional put is. */
export class MemoryWallets implements Pick<WalletStore, 'append' | 'get'> {
  readonly streams = new Map<string, WalletEvent[]>();
  async append(current: Wallet | undefined, events: readonly WalletEvent[]): Promise<Wallet> {
    const id = events[0]!.walletId;
    // A turn of the event loop between the read and the write, as a round trip to DynamoDB has.
    await new Promise((resolve) => setImmediate(resolve));
    if (current === undefined && this.streams.has(id)) throw new ConflictError('STORE.CONFLICT', `${id} exists`);
    const stream = [...(this.streams.get(id) ?? []), ...events];
    const wallet = foldWalletEvents(stream);
    this.streams.set(id, stream);
    return wallet;
  }
  async get(id: string): Promise<Wallet | undefined> {
    const stream = this.streams.get(id);
    return stream === undefined ? undefined : foldWalletEvents(stream);
  }
  asStore(): WalletStore {
    return this as unknown as WalletStore;
  }
}

/** A fake attestation document: the user data it vouches for, as JSON (the real one is COSE). */
const fakeAttestation = (userData: Uint8Array): Uint8Array =>
  Buffer.from(JSON.stringify({ userData: bytesToHex(userData) }));

/** A key's address per wallet, distinct per wallet (checksummed, as the enclave answers it). */
function addressOf(walletId: string): Hex {
  // A hash, so the checksum has upper and lower case letters and a lower-cased address differs.
  return getAddress(`0x${keccak256(toHex(walletId)).slice(-40)}`);
}

/**
 * The enclave: answers a key per wallet id, or is down when told. Its attestation vouches for exactly
 * the user data it was made over (the fake verifier compares), so a tampered answer fails as it would.
 * `tamper` edits the mpc answer on its way out (a host that is not trusted).
 */
export class FakeAgentKeys implements AgentKeys {
  readonly asked: string[] = [];
  readonly askedMpc: { walletId: string; recoveryPublicKey: string }[] = [];
  down = false;
  tamper: (answer: CreatedMpcKey) => CreatedMpcKey = (answer) => answer;

  async createAgentKey(walletId: string): Promise<CreatedAgentKey> {
    this.asked.push(walletId);
    if (this.down) throw new DependencyUnavailableError('ENCLAVE.UNAVAILABLE', 'the enclave has not answered');
    return agentKeyAnswer({ deployment: DEPLOYMENT, walletId, address: addressOf(walletId) }, fakeAttestation);
  }

  async createMpcKey(walletId: string, recoveryPublicKey: string): Promise<CreatedMpcKey> {
    this.askedMpc.push({ walletId, recoveryPublicKey });
    if (this.down) throw new DependencyUnavailableError('ENCLAVE.UNAVAILABLE', 'the enclave has not answered');
    const answer = await mpcKeyAnswer(
      {
        deployment: DEPLOYMENT,
        walletId,
        address: addressOf(walletId),
        coSignerCiphertext: Buffer.from(`share-2-of-${walletId}-under-the-co-signer-key`),
        // Share 3 depends on the recovery key, as HPKE's would.
        recoveryCiphertext: Buffer.from(`share-3-of-${walletId}-to-${recoveryPublicKey}`).subarray(0, 49),
      },
      fakeAttestation,
    );
    return this.tamper(answer);
  }

  async verifyAttestation(document: Uint8Array, userData: Hex): Promise<void> {
    let vouched: unknown;
    try {
      vouched = (JSON.parse(Buffer.from(document).toString()) as { userData?: unknown }).userData;
    } catch {
      vouched = undefined;
    }
    if (vouched !== userData)
      throw new StrongroomError('ENCLAVE.ATTESTATION_INVALID', 'the attestation does not carry this user data');
  }
}

/** The co-signer: registers and retires as told (`ok`, a refusal, or down), recording every call. */
export class FakeCoSigner implements CoSignerRegistry {
  readonly registered: CoSignerRegistration[] = [];
  readonly retired: { walletId: string; epoch: string; reason: string }[] = [];
  mode: 'ok' | 'refuse' | 'down' | 'broken' = 'ok';

  async register(registration: CoSignerRegistration): Promise<CoSignerRegistrationAnswer> {
    this.registered.push(registration);
    this.fail();
    if (this.mode === 'refuse')
      return { ok: false, code: 'COSIGNER.ATTESTATION_INVALID', message: "the key's attestation does not vouch" };
    const { walletId, epoch } = registration.coSignerShare.context;
    return { ok: true, outcome: 'registered', walletId, epoch };
  }

  async retire(walletId: string, epoch: string, reason: string): Promise<CoSignerRetireAnswer> {
    this.retired.push({ walletId, epoch, reason });
    this.fail();
    return { ok: true, outcome: 'retired' };
  }

  private fail(): void {
    if (this.mode === 'down')
      throw new DependencyUnavailableError('COSIGNER.UNAVAILABLE', 'the co-signer did not answer');
    if (this.mode === 'broken') throw new Error('socket hang up');
  }
}

/**
 * createWallet's ports, in memory and on `chains` (by default the local chain only, its config alone),
 * with the fakes behind them for a test to look into or to make fail.
 */
export function fakeCreateWalletDeps(chains: ChainRegistry = configOnlyChains(31337)) {
  const wallets = new MemoryWallets();
  const keyVault = new MemoryKeyVault();
  const agentKeys = new FakeAgentKeys();
  const coSigner = new FakeCoSigner();
  const audit = new MemoryAuditEntries();
  const deps: CreateWalletDeps = {
    wallets: wallets.asStore(),
    chains,
    keyVault,
    agentKeys,
    coSigner,
    deploymentId: DEPLOYMENT,
    audit: audit.asAuditLog(),
    clock: () => new Date('2026-12-06T03:00:00Z'),
  };
  return { deps, wallets, keyVault, agentKeys, coSigner, audit };
}
