// Compiles the Solidity contracts in contracts/ and writes their committed artifacts.
// usage: npx tsx scripts/compile-contracts.ts
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { artifactPath, compileContract, serializeArtifact } from './compile-solidity';

const CONTRACTS = ['TestToken'];

for (const name of CONTRACTS) {
  const artifact = compileContract(name);
  const path = artifactPath(name);
  writeFileSync(path, serializeArtifact(artifact));
  console.log(
    `${relative(process.cwd(), path)}: ${(artifact.bytecode.length - 2) / 2} bytes of init code (solc ${artifact.solcVersion}, ${artifact.settings.evmVersion})`,
  );
}
