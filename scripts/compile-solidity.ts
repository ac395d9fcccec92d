import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import solc from 'solc';
import type { Abi, Hex } from 'viem';

/** The repository root: source unit names are relative to it, so the metadata hash does not depend on the checkout. */
const ROOT = resolve(__dirname, '..');

/**
 * Compiler settings for every committed contract artifact. The EVM version is pinned rather than
 * left to the compiler's default so that the bytecode also deploys on chains that are not at the
 * latest fork (anvil 1.7 runs a later one by default, which accepts cancun code).
 */
export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
} as const;

/** What `contracts/<Name>.json` holds. */
export interface ContractArtifact {
  readonly abi: Abi;
  readonly bytecode: Hex;
  readonly solcVersion: string;
  readonly settings: typeof SOLC_SETTINGS;
}

interface SolcOutput {
  readonly errors?: readonly { readonly severity: string; readonly formattedMessage: string }[];
  readonly contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
}

/**
 * Compiles `contracts/<name>.sol` (no imports) with the pinned `solc` npm package and returns the
 * artifact for contract `<name>`. Warnings fail the compilation as errors do.
 */
export function compileContract(name: string): ContractArtifact {
  const sourceUnit = `contracts/${name}.sol`;
  const input = {
    language: 'Solidity',
    sources: { [sourceUnit]: { content: readFileSync(join(ROOT, sourceUnit), 'utf8') } },
    settings: { ...SOLC_SETTINGS, outputSelection: { [sourceUnit]: { [name]: ['abi', 'evm.bytecode.object'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)) as string) as SolcOutput;
  const problems = (output.errors ?? []).map((error) => `${error.severity}: ${error.formattedMessage}`);
  if (problems.length > 0)
    throw new Error(`solc ${solc.version() as string} rejected ${sourceUnit}:\n${problems.join('\n')}`);
  const contract = output.contracts?.[sourceUnit]?.[name];
  if (!contract) throw new Error(`solc produced no contract ${name} from ${sourceUnit}`);
  return {
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
    solcVersion: solc.version() as string,
    settings: SOLC_SETTINGS,
  };
}

/** The committed artifact's path for contract `<name>`. */
export function artifactPath(name: string): string {
  return join(ROOT, 'contracts', `${name}.json`);
}

/** The artifact as written to disk (stable formatting, so a recompilation without changes leaves no diff). */
export function serializeArtifact(artifact: ContractArtifact): string {
  return `${JSON.stringify(artifact, null, 2)}\n`;
}
