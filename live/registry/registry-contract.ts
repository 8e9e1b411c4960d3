// The StreamRegistry contract as callers see it: its committed artifact, where the registry
// process puts it, and the calldata of each function (live/registry/abi.ts encodes it).

import { readFileSync } from 'node:fs'
import type { Permission } from '../../core/security/stream-registry.ts'
import { type AbiValue, decodeResult, encodeCall } from './abi.ts'
import type { ContractArtifact } from './contract-build.ts'

export const registryArtifact = JSON.parse(readFileSync(new URL('../../contracts/StreamRegistry.json', import.meta.url), 'utf8')) as ContractArtifact

/**
 * Where the registry process puts the contract at genesis (a genesis allocation, as chains place
 * system contracts), so nodes and the CLI know it without being told. Any other address must
 * be given (`registry.address`, `--address`).
 */
export const DEFAULT_REGISTRY_ADDRESS = '0x5743000000000000000000000000000000000001'

/** The contract's `Permission` enum. */
const PERMISSION_CODE: Record<Permission, bigint> = { publish: 0n, subscribe: 1n }

/** The contract's NEVER_EXPIRES: a grant without an expiry. */
export const NEVER_EXPIRES = (1n << 64n) - 1n

const abi = registryArtifact.abi

export const registryCalls = {
  createStream: (streamId: string) => encodeCall(abi, 'createStream', [streamId]),
  grant: (streamId: string, user: string, permission: Permission, expiresAtS: bigint) => encodeCall(abi, 'grant', [streamId, user, PERMISSION_CODE[permission], expiresAtS]),
  revoke: (streamId: string, user: string, permission: Permission) => encodeCall(abi, 'revoke', [streamId, user, PERMISSION_CODE[permission]]),
  makePublic: (streamId: string) => encodeCall(abi, 'makePublic', [streamId]),
  allows: (streamId: string, user: string, permission: Permission) => encodeCall(abi, 'allows', [streamId, user, PERMISSION_CODE[permission]]),
  ownerOf: (streamId: string) => encodeCall(abi, 'ownerOf', [streamId]),
}

/** The first value a view function returned. */
export function registryResult(name: 'allows' | 'ownerOf', data: string): AbiValue {
  return decodeResult(abi, name, data)[0]
}
