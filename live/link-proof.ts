// Who is at the other end of a live link: before a link reaches core, or replaces a link core
// already holds, each side proves it holds the key behind the id it claims. Without this, the id
// a peer declares in its WebSocket hello or WebRTC signalling would be believed, and a second
// process saying "I am s1" would take s1's place on every link it opened (issue 15's impostor).
//
// Both sides send a challenge (32 fresh random bytes) as soon as the channel is up and answer the
// other's with a signature, personal_sign style as messages are signed, over
// "brtc-link-proof/1:" + challenge + ":" + signer id + ":" + verifier id: a proof answers one
// challenge for one pair of ids, so it cannot be replayed on another link or to another node.
// The verifier recovers the signer's address and checks it against the id:
//   - ids that are addresses (Tatum nodes): the address must be the id;
//   - named ids (tracker-era nodes "a", "s1", trackers "t0"): the id is bound to the first key
//     that proved it here, and later links claiming it must prove the same key. A node that
//     restarts with its key file keeps its id; one that lost its key needs a new id (or the
//     peer's restart). The binding is first come, first served: an attacker who claims an id
//     before its owner has ever linked to this peer gets it (README, "Security model").
// What this does not give: binding to the channel's DTLS or TLS keys, so a node that relays both
// directions unchanged between two others could sit between them, seeing only what they send.

import { type KeyPair, keyPairFromPrivateKey } from '../core/message-layer/identity.ts'
import { personalMessageHash, recoverAddress, signHash } from '../core/message-layer/signing.ts'
import type { NodeId } from '../core/ports.ts'
import { randomHex } from './random-hex.ts'

/**
 * A link that has not proved its peer by then is closed. The reference authenticates nothing at
 * this layer; 5 s is its handshake's budget on an open connection (RpcRemote.ts
 * EXISTING_CONNECTION_TIMEOUT, dht 103.3.1).
 */
export const DEFAULT_PROOF_TIMEOUT_MS = 5_000
/**
 * Named ids remembered with the key that proved them; past it the longest unused binding goes.
 * Ours: well above any node's peers over a run, so only a flood of made-up ids evicts a real one.
 */
export const MAX_ID_BINDINGS = 10_000

export const CHALLENGE_BYTES = 32
export const PROOF_BYTES = 65
const DOMAIN = 'brtc-link-proof/1'
const encoder = new TextEncoder()

export function newChallenge(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(CHALLENGE_BYTES))
}

/** A key for a transport given none: it still proves a key, one that lasts as long as the process. */
export function ephemeralIdentity(): KeyPair {
  return keyPairFromPrivateKey(randomHex(32))
}

/** Our answer to `challenge` from `verifier`. */
export function proveTo(identity: KeyPair, challenge: Uint8Array, signer: NodeId, verifier: NodeId): Uint8Array {
  return signHash(proofHash(challenge, signer, verifier), identity.privateKey)
}

/** The address that signed `proof` for our `challenge`, or undefined for a proof that does not recover. */
export function proverOf(proof: Uint8Array, challenge: Uint8Array, signer: NodeId, verifier: NodeId): string | undefined {
  const recovered = recoverAddress(proofHash(challenge, signer, verifier), proof)
  return recovered.ok ? recovered.value : undefined
}

function proofHash(challenge: Uint8Array, signer: NodeId, verifier: NodeId): Uint8Array {
  let hex = ''
  for (const b of challenge) hex += b.toString(16).padStart(2, '0')
  return personalMessageHash(encoder.encode(`${DOMAIN}:${hex}:${signer}:${verifier}`))
}

/** Named ids and the key that proved each, least recently proved first. */
export class IdBindings {
  private readonly bound = new Map<NodeId, string>()

  constructor(private readonly capacity = MAX_ID_BINDINGS) {}

  get size(): number {
    return this.bound.size
  }

  get(id: NodeId): string | undefined {
    return this.bound.get(id)
  }

  bind(id: NodeId, address: string): void {
    this.bound.delete(id)
    this.bound.set(id, address)
    if (this.bound.size > this.capacity) this.bound.delete(this.bound.keys().next().value!)
  }
}
