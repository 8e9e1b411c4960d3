// Misbehaving nodes (scenario `adversaries`). They run the same protocol core as everyone else;
// the misbehaviour is added around it, as an attacker would patch a client: droppers and
// delayers at the network's egress, forgers and replayers as listeners that send extra copies,
// spammers as a timer that injects messages of their own. Everything they make is marked, so the
// metrics can tell how much of it reached an app and what it cost the network.

import { CONTENT_TYPE_BINARY, ENCRYPTION_NONE, MESSAGE_TYPE_CONTENT, type MessageRef, SIGNATURE_TYPE_NONE, SIGNATURE_TYPE_SECP256K1, type StreamMessage, streamMessageOf } from '../../core/message.ts'
import type { NetworkNode } from '../../core/network-node.ts'
import type { Connection, Random } from '../../core/ports.ts'
import { contentWireMessage } from '../../core/wire.ts'
import { createRandom, randomInt, sample } from '../engine/random.ts'
import type { Simulator } from '../engine/simulator.ts'
import type { MetricsCollector } from '../metrics/collector.ts'
import type { Membership } from '../metrics/membership.ts'
import { DROP_CONTENT, type SimNetwork } from '../network/sim-network.ts'
import type { Scenario } from '../scenario/types.ts'
import type { SimMessageLayer, StreamSetup } from './sim-message-layer.ts'

export type AdversaryKind = 'dropper' | 'delayer' | 'forger' | 'replayer' | 'spammer'
const KINDS: readonly AdversaryKind[] = ['dropper', 'delayer', 'forger', 'replayer', 'spammer']
/** Genuine messages a replayer remembers to replay. */
const REPLAY_MEMORY = 64

export interface AdversaryContext {
  scenario: Scenario
  sim: Simulator
  network: SimNetwork
  nodes: readonly NetworkNode[]
  membership: Membership
  metrics: MetricsCollector
  layer: SimMessageLayer
  streamParts: readonly StreamSetup[]
  /** When injection stops: shortly after the honest publishers finish. */
  activeUntilMs: number
}

export class Adversaries {
  readonly counts = { forgeries: 0, replays: 0, spam: 0 }

  /** Which of `candidates` (neither publishers nor storage nodes) misbehave, and how. */
  static choose(scenario: Scenario, candidates: readonly number[]): Map<number, AdversaryKind> {
    const a = scenario.adversaries
    const shares: Record<AdversaryKind, number> = {
      dropper: a.droppers, delayer: a.delayers.fraction, forger: a.forgers.fraction, replayer: a.replayers.fraction, spammer: a.spammers.fraction,
    }
    const shuffled = sample(createRandom(scenario.seed, 'adversaries'), candidates, candidates.length)
    const kindOf = new Map<number, AdversaryKind>()
    let next = 0
    for (const kind of KINDS) {
      const count = Math.round(shares[kind] * candidates.length)
      for (let k = 0; k < count && next < shuffled.length; k++) kindOf.set(shuffled[next++], kind)
    }
    return kindOf
  }

  constructor(private readonly ctx: AdversaryContext, readonly kindOf: ReadonlyMap<number, AdversaryKind>) {
    if (kindOf.size > 0) ctx.metrics.adversarialKind = (m) => ctx.layer.app.adversarialKind(m)
    for (const [node, kind] of kindOf) this.install(node, kind)
  }

  private install(node: number, kind: AdversaryKind): void {
    const { network, scenario } = this.ctx
    switch (kind) {
      case 'dropper':
        return network.setContentEgress(node, DROP_CONTENT)
      case 'delayer':
        return network.setContentEgress(node, scenario.adversaries.delayers.delayMs)
      case 'forger':
        return this.installForger(node)
      case 'replayer':
        return this.installReplayer(node)
      case 'spammer':
        return this.installSpammer(node)
    }
  }

  /** On each genuine receipt (up to maxPerSecond), a forged copy with the same id goes to the other neighbours first. */
  private installForger(i: number): void {
    const { sim, nodes, layer, scenario } = this.ctx
    const { mode, maxPerSecond } = scenario.adversaries.forgers
    const node = nodes[i]
    let nextAt = 0
    node.listen({
      delivered: (message, from) => {
        const now = sim.now()
        if (now < nextAt || layer.app.adversarialKind(message) !== null) return
        nextAt = now + 1000 / maxPerSecond
        const content = alter(message.content)
        const identity = layer.identities[i]
        const forged = mode === 'wrongKey' && identity !== undefined && message.signatureType === SIGNATURE_TYPE_SECP256K1
          // Signed with the forger's key while claiming the publisher: the suite signs as the key's owner.
          ? layer.suite.sign({ ...message, content }, { ...identity, address: message.messageId.publisherId })
          : streamMessageOf({ ...message, content })
        layer.app.markForged(forged)
        this.counts.forgeries++
        this.sendToNeighbours(node, message.streamPartId, forged, from)
      },
    })
  }

  /** Every 1/rate s, one remembered genuine message goes to every neighbour again. */
  private installReplayer(i: number): void {
    const { nodes, layer, scenario, metrics } = this.ctx
    const node = nodes[i]
    const memory: StreamMessage[] = []
    node.listen({
      delivered: (message) => {
        if (layer.app.adversarialKind(message) !== null) return
        if (memory.length < REPLAY_MEMORY) memory.push(message)
        else memory[randomInt(this.randomOf(i, 'memory'), REPLAY_MEMORY)] = message
      },
    })
    this.every(i, scenario.adversaries.replayers.ratePerSecond, () => {
      if (memory.length === 0) return
      const message = memory[randomInt(this.randomOf(i, 'replay'), memory.length)]
      this.counts.replays++
      const wire = contentWireMessage(message)
      for (const c of node.streamPart(message.streamPartId)?.neighbours ?? []) {
        node.send(c, wire)
        metrics.wastedBytes += wire.sizeBytes
      }
    })
  }

  /** Every 1/rate s, a junk message on a chain of its own, to every neighbour. */
  private installSpammer(i: number): void {
    const { nodes, layer, scenario, streamParts, sim } = this.ctx
    const { mode, ratePerSecond } = scenario.adversaries.spammers
    const node = nodes[i]
    const identity = layer.identities[i]
    const random = this.randomOf(i, 'spam')
    let prev: MessageRef | null = null
    this.every(i, ratePerSecond, () => {
      const part = streamParts[randomInt(random, streamParts.length)]
      const now = Math.floor(sim.now())
      const sequenceNumber = prev !== null && prev.timestamp === now ? prev.sequenceNumber + 1 : 0
      const unsigned = {
        messageId: { streamId: part.streamId, streamPartition: 0, timestamp: now, sequenceNumber, publisherId: identity?.address ?? node.id, msgChainId: `spam-${node.id}` },
        prevMsgRef: prev, messageType: MESSAGE_TYPE_CONTENT, contentType: CONTENT_TYPE_BINARY, encryptionType: ENCRYPTION_NONE,
        groupKeyId: null, newGroupKey: null, content: new Uint8Array(scenario.workload.payloadBytes),
      } as const
      prev = { timestamp: now, sequenceNumber }
      let spam: StreamMessage
      if (identity === undefined) spam = streamMessageOf({ ...unsigned, signatureType: SIGNATURE_TYPE_NONE, signature: new Uint8Array(0) })
      else if (mode === 'unpermitted') spam = layer.suite.sign(unsigned, identity)
      else spam = streamMessageOf({ ...unsigned, signatureType: SIGNATURE_TYPE_SECP256K1, signature: garbageSignature(random) })
      layer.app.markSpam(spam)
      this.counts.spam++
      this.sendToNeighbours(node, part.id, spam, null)
    })
  }

  private sendToNeighbours(node: NetworkNode, streamPartId: string, message: StreamMessage, except: Connection | null): void {
    const wire = contentWireMessage(message)
    for (const c of node.streamPart(streamPartId)?.neighbours ?? []) if (c !== except) node.send(c, wire)
  }

  /** Runs `action` ratePerSecond times a second while node `i` is online, from the warm-up's end until activeUntilMs. */
  private every(i: number, ratePerSecond: number, action: () => void): void {
    const { sim, membership, scenario, activeUntilMs } = this.ctx
    const periodMs = 1000 / ratePerSecond
    const tick = () => {
      if (membership.isOnline(i)) action()
      const next = sim.now() + periodMs
      if (next <= activeUntilMs) sim.call(next, tick)
    }
    sim.call(scenario.workload.warmupS * 1000 + this.randomOf(i, 'phase').next() * periodMs, tick)
  }

  private readonly randoms = new Map<string, Random>()
  private randomOf(i: number, purpose: string): Random {
    const key = `${i}/${purpose}`
    let r = this.randoms.get(key)
    if (r === undefined) this.randoms.set(key, (r = createRandom(this.ctx.scenario.seed, 'adversary', i, purpose)))
    return r
  }
}

/** The same bytes with the first flipped (or one byte, if empty): content a publisher never signed. */
function alter(content: Uint8Array): Uint8Array {
  if (content.length === 0) return new Uint8Array([1])
  const out = content.slice()
  out[0] ^= 0xff
  return out
}

function garbageSignature(random: Random): Uint8Array {
  const out = new Uint8Array(65)
  for (let i = 0; i < 64; i++) out[i] = randomInt(random, 256)
  out[64] = 27
  return out
}
