// A live node's permission source: asks the registry contract (`allows`) with eth_call on the
// chain node at `registry.url`. Core's PermissionCache in front of it keeps answers for its TTL
// and makes questions about the same permission share one call; this bounds calls in flight and
// counts what failed (a failed lookup is a refusal that is not cached).

import type { Address } from '../../core/message-layer/identity.ts'
import type { Permission, PermissionSource } from '../../core/security/stream-registry.ts'
import type { LivePermissions } from '../live-message-layer.ts'
import type { RegistryConfig } from '../node-config.ts'
import { JsonRpcClient } from './rpc-client.ts'
import { DEFAULT_REGISTRY_ADDRESS, registryCalls, registryResult } from './registry-contract.ts'

/** eth_calls one node has in flight at once; beyond it a lookup fails at once (counted). */
export const MAX_REGISTRY_CALLS_IN_FLIGHT = 64
/** A node's calls answer in milliseconds on a healthy chain node; a message waits at most this long for one. */
export const DEFAULT_REGISTRY_TIMEOUT_MS = 3_000

export interface RegistryClientStats {
  calls: number
  /** Calls that failed: no answer in time, a refused connection, a JSON-RPC error, a bad result. */
  errors: number
  /** Lookups refused because MAX_REGISTRY_CALLS_IN_FLIGHT were in flight. */
  overloaded: number
  lastError: string | undefined
}

export interface RegistryClientOptions {
  url: string
  address?: string
  timeoutMs?: number
}

export class RegistryPermissionSource implements PermissionSource {
  readonly stats: RegistryClientStats = { calls: 0, errors: 0, overloaded: 0, lastError: undefined }
  readonly address: string
  private readonly rpc: JsonRpcClient
  private inFlight = 0

  constructor(options: RegistryClientOptions) {
    this.address = options.address ?? DEFAULT_REGISTRY_ADDRESS
    this.rpc = new JsonRpcClient(options.url, options.timeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS)
  }

  lookup(streamId: string, address: Address, permission: Permission, answer: (allowed: boolean | undefined) => void): void {
    if (this.inFlight >= MAX_REGISTRY_CALLS_IN_FLIGHT) {
      this.stats.overloaded++
      answer(undefined)
      return
    }
    this.inFlight++
    this.stats.calls++
    this.rpc.request('eth_call', [{ to: this.address, data: registryCalls.allows(streamId, address, permission) }, 'latest']).then(
      (result) => {
        if (typeof result !== 'string') throw new Error(`eth_call: expected hex data, got ${typeof result}`)
        return registryResult('allows', result) === true
      },
    ).then(
      (allowed) => this.settle(answer, allowed),
      (error: unknown) => {
        this.stats.errors++
        this.stats.lastError = error instanceof Error ? error.message : String(error)
        this.settle(answer, undefined)
      },
    )
  }

  /** For a node's stats line. */
  summary(): string {
    const s = this.stats
    return `registry ${s.calls} calls, ${s.errors} failed${s.overloaded > 0 ? `, ${s.overloaded} over the in-flight bound` : ''}${s.lastError !== undefined ? ` (last: ${s.lastError.slice(0, 120)})` : ''}`
  }

  private settle(answer: (allowed: boolean | undefined) => void, allowed: boolean | undefined): void {
    this.inFlight--
    answer(allowed)
  }
}

/** A node process's permissions: from its config's registry, or undefined (every stream open). */
export function registryPermissions(config: RegistryConfig | undefined): { source: RegistryPermissionSource; permissions: LivePermissions } | undefined {
  if (config === undefined) return undefined
  const source = new RegistryPermissionSource({ url: config.url, timeoutMs: config.timeoutMs, ...(config.address !== undefined ? { address: config.address } : {}) })
  return { source, permissions: { source, cacheTtlMs: config.cacheTtlMs } }
}
