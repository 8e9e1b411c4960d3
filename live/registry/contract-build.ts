// Compiles contracts/StreamRegistry.sol with solc (the official compiler's JS build) into the
// artifact the registry process deploys: ABI, creation and runtime bytecode, and the compiler
// version and settings that made them. The artifact is committed, so only `npm run
// build:contracts` and the test that checks the artifact is current need solc.

import { readFileSync } from 'node:fs'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'

export const CONTRACT_SOURCE = 'contracts/StreamRegistry.sol'
export const CONTRACT_ARTIFACT = 'contracts/StreamRegistry.json'
const CONTRACT_NAME = 'StreamRegistry'

/**
 * Cancun: the newest fork both the EVM we run (@ethereumjs/vm, hardfork set in local-chain.ts)
 * and Polygon PoS, where Streamr's registry lives, execute.
 */
export const EVM_VERSION = 'cancun'

export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: EVM_VERSION,
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
} as const

export interface AbiParameter {
  name: string
  type: string
  indexed?: boolean
}

export interface AbiEntry {
  type: string
  name?: string
  inputs?: AbiParameter[]
  outputs?: AbiParameter[]
  stateMutability?: string
  anonymous?: boolean
}

export interface ContractArtifact {
  contract: string
  source: string
  /** keccak256 of the source text, so a stale artifact is obvious. */
  sourceKeccak256: string
  compiler: { name: 'solc'; version: string }
  settings: typeof SOLC_SETTINGS
  abi: AbiEntry[]
  /** Creation code (0x...): constructor + runtime. */
  bytecode: string
  /** What lives at the contract's address (0x...). */
  deployedBytecode: string
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[]
  contracts?: Record<string, Record<string, { abi: AbiEntry[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>
}

/** The artifact solc makes of the source as it is now; throws with solc's messages on a compile error. */
export async function compileStreamRegistry(): Promise<ContractArtifact> {
  const solc = (await import('solc')).default as { compile(input: string): string; version(): string }
  const source = readFileSync(CONTRACT_SOURCE, 'utf8')
  const input = { language: 'Solidity', sources: { [CONTRACT_SOURCE]: { content: source } }, settings: SOLC_SETTINGS }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(`solc: ${errors.map((e) => e.formattedMessage).join('\n')}`)
  const compiled = output.contracts?.[CONTRACT_SOURCE]?.[CONTRACT_NAME]
  if (compiled === undefined) throw new Error(`solc: no ${CONTRACT_NAME} in ${CONTRACT_SOURCE}`)
  return {
    contract: CONTRACT_NAME,
    source: CONTRACT_SOURCE,
    sourceKeccak256: `0x${bytesToHex(keccak_256(utf8ToBytes(source)))}`,
    compiler: { name: 'solc', version: solc.version() },
    settings: SOLC_SETTINGS,
    abi: compiled.abi,
    bytecode: `0x${compiled.evm.bytecode.object}`,
    deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
  }
}

/** The artifact as committed (JSON, two-space indent, newline at the end). */
export function artifactText(artifact: ContractArtifact): string {
  return `${JSON.stringify(artifact, null, 2)}\n`
}
