import type { Address, Chain, HttpTransport, PrivateKeyAccount, PublicClient, WalletClient } from 'viem';
import type { ContractArtifact } from '../../scripts/compile-solidity';
import artifact from '../../contracts/TestToken.json';

/**
 * The committed TestToken artifact (contracts/TestToken.json, checked against its source by
 * test/unit/contracts/test-token-bytecode.test.ts). Its ABI is the standard ERC-20 one plus a
 * constructor, so tests can talk to a deployed token with viem's typed `erc20Abi`.
 */
export const testTokenArtifact = artifact as unknown as ContractArtifact;

export interface DeployTestTokenOptions {
  /** Minted to the deployer, in base units. */
  readonly initialSupply: bigint;
  readonly name?: string;
  readonly symbol?: string;
  readonly decimals?: number;
}

/**
 * Deploys a TestToken from the wallet client's account and returns its address once the deployment
 * is mined (on a chain without automine, mine a block meanwhile).
 */
export async function deployTestToken(
  walletClient: WalletClient<HttpTransport, Chain, PrivateKeyAccount>,
  publicClient: PublicClient<HttpTransport, Chain>,
  options: DeployTestTokenOptions,
): Promise<Address> {
  const hash = await walletClient.deployContract({
    abi: testTokenArtifact.abi,
    bytecode: testTokenArtifact.bytecode,
    args: [options.name ?? 'Test Token', options.symbol ?? 'TST', options.decimals ?? 18, options.initialSupply],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress)
    throw new Error(`TestToken deployment ${hash} failed (status ${receipt.status})`);
  return receipt.contractAddress;
}
