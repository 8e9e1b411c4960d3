// The message layer's ports on a live node: real cryptography with randomness from the
// platform's CSPRNG (crypto.getRandomValues, in Node and in browsers), no modelled CPU cost (the
// real CPU spends the time), and the permission registry: a chain's (`registry` in a node's
// config, live/registry/), or the node's own, where streams nobody registered (or declared on the
// node, local-permissions.ts) are open, so validation checks who signed a message, not whether
// they may publish.
// Live links carry signed messages only, so every live publisher goes through the Publisher.

import type { KeyPair } from '../core/message-layer/identity.ts'
import { keyPairFromPrivateKey, keyPairFromSeed } from '../core/message-layer/identity.ts'
import type { SecureRandom } from '../core/message-layer/secure-random.ts'
import type { NetworkNode } from '../core/network-node.ts'
import type { Clock, Random, Timers } from '../core/ports.ts'
import { CpuQueue } from '../core/security/cpu-queue.ts'
import { ZERO_CRYPTO_COSTS } from '../core/security/crypto-suite.ts'
import { Publisher } from '../core/security/publisher.ts'
import { RealCrypto } from '../core/security/real-crypto.ts'
import type { SecurityPorts } from '../core/security/security-ports.ts'
import { StreamMessageValidator } from '../core/security/stream-message-validator.ts'
import { PermissionCache, type PermissionSource, StreamRegistry } from '../core/security/stream-registry.ts'

/** How long a live node trusts a permission answer: the simulator's default cacheTtlS. */
export const PERMISSION_CACHE_TTL_MS = 60_000

/** Where a live node's permission answers come from, and how long it trusts one. */
export interface LivePermissions {
  source: PermissionSource
  cacheTtlMs: number
}

export const systemSecureRandom: SecureRandom = {
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    // getRandomValues fills at most 65,536 bytes per call.
    for (let i = 0; i < n; i += 65_536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65_536)))
    return out
  },
}

/** The registry a live node asks without a chain: what the node declares takes effect at once; undeclared streams are open. */
export function liveStreamRegistry(clock: Clock): StreamRegistry {
  return new StreamRegistry(clock, { confirmationDelayMs: 0, openUnknownStreams: true })
}

/**
 * With `permissions` (a node config's `registry`: live/registry/registry-client.ts) a message
 * waits for its publisher's answer from the chain, and a stream nobody created allows nothing;
 * else the node's own `registry` answers.
 */
export function liveSecurityPorts(clock: Clock, timers: Timers, registry = liveStreamRegistry(clock), permissions?: LivePermissions): SecurityPorts {
  const source = permissions?.source ?? registry
  return {
    clock, timers, cpu: new CpuQueue(clock, timers), suite: new RealCrypto(systemSecureRandom), costs: ZERO_CRYPTO_COSTS,
    permissions: new PermissionCache(source, clock, permissions?.cacheTtlMs ?? PERMISSION_CACHE_TTL_MS),
  }
}

export interface LiveKeyOptions {
  /** The key, hex. */
  privateKey?: string
  seed?: string | number
  /**
   * Derive the key from `seed` and the node's name: tests and scenario runs only, where every
   * node is ours. Anyone who knows the seed (a README example, a test) has the key and can sign
   * as the node; without this switch a seed never makes a key.
   */
  insecureTestKeys?: boolean
}

/** The node's key: the explicit private key, or (insecureTestKeys) one derived from the seed, or a fresh one. */
export function liveIdentity(options: LiveKeyOptions, name: string): KeyPair {
  if (options.privateKey !== undefined) return keyPairFromPrivateKey(options.privateKey)
  if (options.insecureTestKeys === true && options.seed !== undefined) return keyPairFromSeed(`${String(options.seed)}/${name}`)
  return new RealCrypto(systemSecureRandom).keyPair()
}

/**
 * Makes `node` check every receipt's signature and permission before its duplicate detector
 * sees it or it is relayed (the simulator's `relay` placement): a forgery that arrives first
 * cannot mark the genuine message seen, nor, dated ahead, close its publisher's chain. Call it
 * before the node joins any stream part. The validator's stats count what it refused.
 */
export function validateAtRelays(node: NetworkNode, ports: SecurityPorts): StreamMessageValidator {
  const validator = new StreamMessageValidator(ports)
  node.setRelayValidator(validator)
  return validator
}

/** A publisher that signs as `identity` on `node`, and encrypts with group keys if `encrypt`. */
export function livePublisher(node: NetworkNode, identity: KeyPair, ports: SecurityPorts, random: Random, encrypt = false): Publisher {
  const publisher = new Publisher(node, identity, ports, random, { encrypt })
  node.attach(publisher)
  return publisher
}
