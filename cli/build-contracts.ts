// npm run build:contracts: compiles contracts/StreamRegistry.sol and writes its artifact
// (contracts/StreamRegistry.json), which the registry process deploys. Run it after editing the
// contract; test/registry-contract.test.ts fails while the committed artifact is stale.

import { writeFileSync } from 'node:fs'
import { CONTRACT_ARTIFACT, artifactText, compileStreamRegistry } from '../live/registry/contract-build.ts'
import { runCommand } from './options.ts'

const USAGE = 'usage: npm run build:contracts'

async function main(): Promise<number> {
  const artifact = await compileStreamRegistry()
  writeFileSync(CONTRACT_ARTIFACT, artifactText(artifact))
  console.log(`wrote ${CONTRACT_ARTIFACT} (${artifact.compiler.name} ${artifact.compiler.version}, ${(artifact.deployedBytecode.length - 2) / 2} bytes deployed)`)
  return 0
}

runCommand(main, USAGE)
