// Link authentication for live DHT nodes: a node's id is its Ethereum address, and no link
// reaches core until the peer has proved it holds that address's key. Without this, the id a
// peer declares in its WebSocket hello or its WebRTC signalling would be believed, and any peer
// could speak as any node (the RPC endpoint checks a request's sender against the link's id,
// which is only worth something once the link's id is).
//
// On every new link both sides at once send a challenge (32 random bytes); each answers the
// other's with a signature, personal_sign style as messages are signed, over
// "brtc-link-auth/1:" + challenge + ":" + signer id + ":" + verifier id. The verifier recovers
// the address and compares it with the link's id. Links are ordered, so a peer's proof arrives
// before anything it sends after it; anything else before the proof is dropped and counted. A
// link not proved within AUTH_TIMEOUT_MS, or with a wrong proof, is closed. What this does not
// give: binding to the channel's DTLS or TLS keys, so a node that relays both directions
// unchanged between two others could sit between them; it sees only what they send each other.

import { personalMessageHash, recoverAddress, signHash } from '../../core/message-layer/signing.ts'
import { isAddress, type KeyPair } from '../../core/message-layer/identity.ts'
import { FIRST_PROTOCOL_WIRE_KIND, type Connection, type NodeId, type ProtocolWireMessage, type Transport, type TransportHandler } from '../../core/ports.ts'
import { randomHex } from '../random-hex.ts'

/** The link authentication message: a challenge or a proof (JSON on the wire, wire-codec.ts). */
export const WIRE_LINK_AUTH = FIRST_PROTOCOL_WIRE_KIND + 30
/**
 * A link that has not proved its peer by then is closed. The reference authenticates nothing at
 * this layer; 5 s is its handshake's budget on an open connection (RpcRemote.ts
 * EXISTING_CONNECTION_TIMEOUT, dht 103.3.1).
 */
export const AUTH_TIMEOUT_MS = 5_000
/**
 * Messages a link may send before its proof before it is closed (a peer running our code sends
 * none). Ours: the reference's connection handshake carries descriptors and no proof
 * (Handshaker.ts, dht 103.3.1).
 */
export const MAX_UNAUTHENTICATED_MESSAGES = 8

const CHALLENGE_HEX = 64
const SIGNATURE_HEX = 130
const DOMAIN = 'brtc-link-auth/1'
const encoder = new TextEncoder()

interface LinkAuthMessage extends ProtocolWireMessage {
  readonly challenge?: string
  readonly proof?: string
}

interface LinkState {
  readonly challenge: string
  proved: boolean
  answered: boolean
  dropped: number
  readonly timer: ReturnType<typeof setTimeout>
}

export class AuthenticatingTransport implements Transport {
  private handler: TransportHandler | undefined
  private readonly links = new Map<Connection, LinkState>()
  /** Peers core asked to connect to and has no answer yet. */
  private readonly asked = new Set<NodeId>()
  readonly counts = { proved: 0, refused: 0, timeouts: 0, droppedBeforeProof: 0, badAuthMessages: 0 }

  constructor(private readonly inner: Transport, private readonly identity: KeyPair, private readonly timeoutMs = AUTH_TIMEOUT_MS) {
    if (identity.address !== inner.localId) throw new RangeError(`node id ${inner.localId} is not the key's address ${identity.address}`)
    inner.setHandler(this.innerHandler())
  }

  get localId(): NodeId {
    return this.inner.localId
  }

  setHandler(handler: TransportHandler): void {
    this.handler = handler
  }

  connect(peer: NodeId): void {
    this.asked.add(peer)
    this.inner.connect(peer)
  }

  dispose(): void {
    for (const s of this.links.values()) clearTimeout(s.timer)
    this.links.clear()
  }

  private innerHandler(): TransportHandler {
    return {
      onConnected: (c) => this.opened(c),
      onConnectFailed: (peer, reason) => {
        if (this.asked.delete(peer)) this.handler?.onConnectFailed(peer, reason)
      },
      onMessage: (c, m) => this.message(c, m),
      onDisconnected: (c, reason) => {
        const state = this.links.get(c)
        if (state === undefined) return
        this.links.delete(c)
        clearTimeout(state.timer)
        if (state.proved) this.handler?.onDisconnected(c, reason)
        else if (this.asked.delete(c.remoteId)) this.handler?.onConnectFailed(c.remoteId, `link closed before authentication: ${reason}`)
      },
    }
  }

  private opened(c: Connection): void {
    const known = this.links.get(c)
    if (known !== undefined) {
      // An answer to connect() with a link we already hold: core hears it once it is proved.
      if (known.proved && this.asked.delete(c.remoteId)) this.handler?.onConnected(c)
      return
    }
    if (!isAddress(c.remoteId)) {
      this.refuse(c, 'peer id is not an address')
      return
    }
    const challenge = randomHex(CHALLENGE_HEX / 2)
    const timer = setTimeout(() => {
      if (this.links.get(c)?.proved === false) {
        this.counts.timeouts++
        this.refuse(c, 'authentication timeout')
      }
    }, this.timeoutMs)
    this.links.set(c, { challenge, proved: false, answered: false, dropped: 0, timer })
    c.send({ kind: WIRE_LINK_AUTH, sizeBytes: 2 + CHALLENGE_HEX, challenge } as LinkAuthMessage)
  }

  private message(c: Connection, m: unknown): void {
    const state = this.links.get(c)
    if (state === undefined) return
    const kind = (m as { kind?: unknown } | null)?.kind
    if (kind !== WIRE_LINK_AUTH) {
      if (state.proved) {
        this.handler?.onMessage(c, m)
        return
      }
      this.counts.droppedBeforeProof++
      if (++state.dropped >= MAX_UNAUTHENTICATED_MESSAGES) this.refuse(c, 'messages before authentication')
      return
    }
    const a = m as LinkAuthMessage
    const keys = Object.keys(a).filter((k) => k !== 'kind' && k !== 'sizeBytes')
    if (keys.length === 1 && keys[0] === 'challenge' && isHex(a.challenge, CHALLENGE_HEX) && !state.answered) {
      state.answered = true
      const signature = signHash(hashOf(a.challenge!, this.localId, c.remoteId), this.identity.privateKey)
      c.send({ kind: WIRE_LINK_AUTH, sizeBytes: 2 + SIGNATURE_HEX, proof: toHex(signature) } as LinkAuthMessage)
      return
    }
    if (keys.length === 1 && keys[0] === 'proof' && isHex(a.proof, SIGNATURE_HEX) && !state.proved) {
      const signer = recoverAddress(hashOf(state.challenge, c.remoteId, this.localId), fromHex(a.proof!))
      if (!signer.ok || signer.value !== c.remoteId) {
        this.refuse(c, 'wrong authentication proof')
        return
      }
      state.proved = true
      clearTimeout(state.timer)
      this.counts.proved++
      this.asked.delete(c.remoteId)
      this.handler?.onConnected(c)
      return
    }
    this.counts.badAuthMessages++
    this.refuse(c, 'bad authentication message')
  }

  /** Closes a link that did not prove its peer; core never heard of it, unless it asked. */
  private refuse(c: Connection, why: string): void {
    const state = this.links.get(c)
    if (state !== undefined) {
      clearTimeout(state.timer)
      this.links.delete(c)
    }
    this.counts.refused++
    if (this.asked.delete(c.remoteId)) this.handler?.onConnectFailed(c.remoteId, why)
    c.close()
  }
}

function hashOf(challenge: string, signer: NodeId, verifier: NodeId): Uint8Array {
  return personalMessageHash(encoder.encode(`${DOMAIN}:${challenge}:${signer}:${verifier}`))
}

function isHex(x: unknown, length: number): x is string {
  return typeof x === 'string' && x.length === length && /^[0-9a-f]+$/.test(x)
}

function toHex(b: Uint8Array): string {
  let s = ''
  for (const x of b) s += x.toString(16).padStart(2, '0')
  return s
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}
