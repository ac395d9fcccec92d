import { readFileSync } from 'node:fs';
import { erc20Abi, type AbiEvent, type AbiFunction } from 'viem';
import { artifactPath, compileContract, serializeArtifact } from '../../../scripts/compile-solidity';

// Compiling loads solc's 9 MB emscripten build.
jest.setTimeout(60_000);

describe('contracts/TestToken.json', () => {
  const fresh = compileContract('TestToken');
  const committed = readFileSync(artifactPath('TestToken'), 'utf8');

  it('is exactly what the pinned solc makes of contracts/TestToken.sol (run `npx tsx scripts/compile-contracts.ts` after editing it)', () => {
    const parsed = JSON.parse(committed) as typeof fresh;
    expect(parsed.bytecode).toBe(fresh.bytecode);
    expect(parsed.abi).toEqual(fresh.abi);
    expect(parsed.solcVersion).toBe(fresh.solcVersion);
    expect(parsed.settings).toEqual(fresh.settings);
    expect(committed).toBe(serializeArtifact(fresh));
  });

  it('is compiled with the optimizer, for cancun, by solc 0.8.37', () => {
    expect(fresh.settings).toEqual({ optimizer: { enabled: true, runs: 200 }, evmVersion: 'cancun' });
    expect(fresh.solcVersion).toMatch(/^0\.8\.37\+/);
  });

  it('has every function and event of the ERC-20 interface, with the same outputs and mutability', () => {
    // Types, indexed flags, mutability and outputs: what a caller's ABI encoding and log decoding depend on.
    const signature = (item: AbiFunction | AbiEvent): string =>
      item.type === 'event'
        ? `event ${item.name}(${item.inputs.map((input) => `${input.type}${input.indexed ? ' indexed' : ''}`).join(',')})`
        : `function ${item.name}(${item.inputs.map((input) => input.type).join(',')}) ${item.stateMutability} returns (${item.outputs.map((output) => output.type).join(',')})`;
    const ours = new Set(
      fresh.abi
        .filter((item) => item.type === 'function' || item.type === 'event')
        .map((item) => signature(item as AbiFunction | AbiEvent)),
    );
    for (const item of erc20Abi) expect(ours).toContain(signature(item));
  });
});
