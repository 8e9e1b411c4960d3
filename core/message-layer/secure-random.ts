// Cryptographic randomness as a port, like Random in core/ports.ts: core never draws it itself.
// A live node implements it with crypto.getRandomValues; the simulator and tests use the
// deterministic stream below so that a run (keys, IVs, ephemeral ECIES keys) replays exactly.

import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'

export interface SecureRandom {
  /** `n` fresh bytes. Must be unpredictable to everyone else in a live network. */
  bytes(n: number): Uint8Array
}

/**
 * SHA-256 in counter mode over a seed: reproducible, and distinct seeds give unrelated streams.
 * FOR SIMULATIONS AND TESTS ONLY: anyone who knows the seed knows every key and IV it produced,
 * and two nodes given the same seed would reuse AES-GCM IVs.
 */
export function createDeterministicSecureRandom(seed: Uint8Array | string): SecureRandom {
  const key = sha256(typeof seed === 'string' ? utf8ToBytes(seed) : seed)
  const counter = new Uint8Array(8)
  const view = new DataView(counter.buffer)
  let block = 0
  let pool = new Uint8Array(0)
  let used = 0
  const refill = () => {
    view.setUint32(0, Math.floor(block / 2 ** 32))
    view.setUint32(4, block >>> 0)
    block++
    pool = sha256(concatBytes(key, counter))
    used = 0
  }
  return {
    bytes(n: number): Uint8Array {
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i++) {
        if (used === pool.length) refill()
        out[i] = pool[used++]
      }
      return out
    },
  }
}
