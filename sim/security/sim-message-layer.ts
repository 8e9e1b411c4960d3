// The message layer of a simulated network: every node's identity, the stream registry, and the
// roles core provides (Publisher, Subscriber with ordering and resends, StorageNode, relay
// validation), wired to the scenario's choices and to the app metrics. Honest behaviour only:
// adversaries.ts adds the misbehaving nodes.

import type { NetworkNode } from '../../core/network-node.ts'
import type { KeyPair } from '../../core/message-layer/identity.ts'
import { createDeterministicSecureRandom } from '../../core/message-layer/secure-random.ts'
import type { StreamMessage } from '../../core/message.ts'
import { CpuQueue } from '../../core/security/cpu-queue.ts'
import type { CryptoSuite } from '../../core/security/crypto-suite.ts'
import { Publisher } from '../../core/security/publisher.ts'
import { RealCrypto } from '../../core/security/real-crypto.ts'
import type { SecurityPorts } from '../../core/security/security-ports.ts'
import { StreamMessageValidator } from '../../core/security/stream-message-validator.ts'
import { PermissionCache, StreamRegistry } from '../../core/security/stream-registry.ts'
import { attachSubscriber } from '../../core/security/attach-subscriber.ts'
import { DEFAULT_MAX_WAITING_PER_CHAIN, type Subscriber } from '../../core/security/subscriber.ts'
import { storageNodesOf, storedPartsOf } from '../../core/storage/storage-assignment.ts'
import { type StorageNode, attachStorageNode, createStorageNodeOptions } from '../../core/storage/storage-node.ts'
import { InMemoryMessageStore } from '../../core/storage/in-memory-message-store.ts'
import { createRandom, sample } from '../engine/random.ts'
import type { Simulator } from '../engine/simulator.ts'
import { AppMetrics } from '../metrics/app-metrics.ts'
import { type MessageLayerCounts, countRoles } from '../metrics/message-layer-counts.ts'
import type { MessageLayerSource } from '../results/message-layer-summary.ts'
import type { Membership } from '../metrics/membership.ts'
import type { Scenario } from '../scenario/types.ts'
import { ModelledCrypto } from './modelled-crypto.ts'

export interface StreamSetup {
  readonly id: string
  readonly streamId: string
  readonly publishers: readonly number[]
}

export interface MessageLayerContext {
  scenario: Scenario
  sim: Simulator
  nodes: readonly NetworkNode[]
  nodeIds: readonly string[]
  membership: Membership
  streamParts: readonly StreamSetup[]
  /** Nodes that publish; they are neither storage nodes nor adversaries. */
  publishers: ReadonlySet<number>
  /** Nodes already given a role (storage, adversary) that must not subscribe. */
  excluded: ReadonlySet<number>
  storageIds: readonly string[]
}

export class SimMessageLayer implements MessageLayerSource {
  readonly suite: CryptoSuite
  readonly registry: StreamRegistry
  readonly app: AppMetrics
  readonly identities: (KeyPair | undefined)[]
  readonly ports: (SecurityPorts | undefined)[]
  readonly validators: (StreamMessageValidator | undefined)[]
  readonly publishersAt = new Map<number, Publisher>()
  readonly subscribers = new Map<number, Subscriber>()
  readonly storage = new Map<number, StorageNode<InMemoryMessageStore>>()
  /** Address -> node, for key requests (a DHT lookup in a live network). */
  private readonly byAddress = new Map<string, number>()
  private readonly signed: boolean

  constructor(private readonly ctx: MessageLayerContext) {
    const { scenario, sim, nodes, nodeIds } = ctx
    const security = scenario.security
    this.signed = security.crypto !== 'off'
    const secure = createDeterministicSecureRandom(`${scenario.seed}/crypto`)
    this.suite = security.crypto === 'real' ? new RealCrypto(secure) : new ModelledCrypto(secure)
    this.registry = new StreamRegistry(sim, { confirmationDelayMs: security.permissions.confirmationDelayS * 1000 })
    this.app = new AppMetrics(sim, ctx.membership, nodes.length)
    this.identities = new Array(nodes.length)
    this.ports = new Array(nodes.length)
    this.validators = new Array(nodes.length)
    const relayValidation = this.signed && security.validation === 'relay'
    const storageNodes = new Set(ctx.storageIds)
    for (let i = 0; i < nodes.length; i++) {
      if (!this.signed) continue
      const identity = this.suite.keyPair(`${scenario.seed}/node/${nodeIds[i]}`)
      this.identities[i] = identity
      this.byAddress.set(identity.address, i)
      const ports = this.portsOf(i)
      const validator = new StreamMessageValidator(ports)
      this.validators[i] = validator
      // A storage node validates on receipt whatever the placement: a forged copy that reached it
      // first would otherwise mark the genuine message seen, and gaps are filled from its store.
      if (relayValidation || storageNodes.has(nodeIds[i])) nodes[i].setRelayValidator(validator)
    }
    this.createStreams()
    this.createStorageNodes()
    this.createPublishers()
    this.createSubscribers()
  }

  /** The address a node signs with, if messages are signed. */
  addressOf(node: number): string | undefined {
    return this.identities[node]?.address
  }

  nodeOfAddress(address: string): number | undefined {
    return this.byAddress.get(address)
  }

  publish(publisher: number, streamId: string, content: Uint8Array): StreamMessage {
    const message = this.signed
      ? this.publishersAt.get(publisher)!.publish(streamId, 0, content)
      : this.ctx.nodes[publisher].publish(streamId, 0, content)
    this.app.published(message)
    return message
  }

  /** A node came online: its ordering wants everything published from now on, gaps included. */
  joined(node: number): void {
    const subscriber = this.subscribers.get(node)
    if (subscriber === undefined) return
    const now = this.ctx.sim.now()
    const waitMs = this.ctx.scenario.ordering.initialWaitMs
    for (const part of this.ctx.streamParts) subscriber.subscribeFrom(part.id, now, waitMs)
  }

  rotateKeys(): void {
    for (const publisher of this.publishersAt.values()) for (const part of this.ctx.streamParts) publisher.rotateKey(part.streamId)
  }

  rekey(): void {
    this.app.rekeyed()
    for (const publisher of this.publishersAt.values()) for (const part of this.ctx.streamParts) publisher.rekey(part.streamId)
  }

  /** Revokes subscribe permission from `fraction` of the permitted subscribers, chosen with `random`. */
  revoke(fraction: number, atIndex: number): number[] {
    const permitted = [...this.subscribers.keys()].filter((s) => this.app.permitted[s] === 1 && this.app.revokedAtMs[s] === Infinity)
    const chosen = sample(createRandom(this.ctx.scenario.seed, 'security', 'revoke', atIndex), permitted, Math.round(fraction * permitted.length))
    const effectiveAt = this.ctx.sim.now() + this.registry.options.confirmationDelayMs
    for (const s of chosen) {
      for (const part of this.ctx.streamParts) this.registry.revoke(part.streamId, this.identities[s]!.address, 'subscribe')
      this.app.revokedAtMs[s] = effectiveAt
    }
    return chosen
  }

  subscriberNodes(): number[] {
    return [...this.subscribers.keys()]
  }

  counts(): MessageLayerCounts {
    return countRoles(this.subscribers.values(), this.publishersAt.values(), this.storage.values())
  }

  /** CPU time every node's message layer used, in ms. */
  cpuMs(): number[] {
    return this.ports.map((p) => p?.cpu.busyMs ?? 0)
  }

  private portsOf(i: number): SecurityPorts {
    let ports = this.ports[i]
    if (ports === undefined) {
      const { sim, scenario } = this.ctx
      ports = {
        clock: sim, timers: sim, cpu: new CpuQueue(sim, sim), suite: this.suite, costs: scenario.security.costs,
        permissions: new PermissionCache(this.registry, sim, scenario.security.permissions.cacheTtlS * 1000),
      }
      this.ports[i] = ports
    }
    return ports
  }

  private createStreams(): void {
    if (!this.signed) return
    const { scenario } = this.ctx
    for (const part of this.ctx.streamParts) {
      const [owner, ...others] = part.publishers.map((p) => this.identities[p]!.address)
      this.registry.createStream(part.streamId, owner, { public: scenario.security.permissions.public })
      for (const address of others) this.registry.grantFromStart(part.streamId, address, 'publish')
    }
  }

  private createStorageNodes(): void {
    const { scenario, nodes, nodeIds, storageIds, streamParts } = this.ctx
    const partIds = streamParts.map((p) => p.id)
    for (const id of storageIds) {
      const i = nodeIds.indexOf(id)
      // What reaches it has passed its relay validation (see the constructor).
      const storage = attachStorageNode(nodes[i], new InMemoryMessageStore(createStorageNodeOptions()))
      for (const sp of storedPartsOf(id, partIds, storageIds, scenario.storage.replicas)) storage.assign(sp)
      this.storage.set(i, storage)
    }
  }

  private createPublishers(): void {
    if (!this.signed) return
    const { scenario, nodes, nodeIds } = this.ctx
    for (const p of this.ctx.publishers) {
      const publisher = new Publisher(nodes[p], this.identities[p]!, this.portsOf(p), createRandom(scenario.seed, 'node', nodeIds[p], 'publisher'),
        { encrypt: scenario.security.encryption })
      nodes[p].attach(publisher)
      this.publishersAt.set(p, publisher)
    }
  }

  private createSubscribers(): void {
    const { scenario, nodes, nodeIds, storageIds, excluded, publishers } = this.ctx
    const candidates = nodes.map((_, i) => i).filter((i) => !publishers.has(i) && !excluded.has(i))
    const permittedCount = Math.round(scenario.security.permissions.subscriberFraction * candidates.length)
    const permitted = new Set(sample(createRandom(scenario.seed, 'security', 'subscribers'), candidates, permittedCount))
    const security = scenario.security
    for (const s of candidates) {
      if (permitted.has(s)) {
        this.app.permitted[s] = 1
        if (this.signed) for (const part of this.ctx.streamParts) this.registry.grantFromStart(part.streamId, this.identities[s]!.address, 'subscribe')
      }
      const identity = this.identities[s] ?? this.suite.keyPair(`${scenario.seed}/node/${nodeIds[s]}`)
      const o = scenario.ordering
      const { subscriber } = attachSubscriber(nodes[s], identity, this.portsOf(s), this.validators[s] ?? new StreamMessageValidator(this.portsOf(s)),
        (address) => { const n = this.byAddress.get(address); return n === undefined ? undefined : nodeIds[n] },
        createRandom(scenario.seed, 'node', nodeIds[s], 'subscriber'),
        {
          validate: this.signed && security.validation === 'subscriber',
          validateResent: false,
          keyRequestTimeoutMs: security.keyRequestTimeoutS * 1000,
          maxKeyRequestsPerSecond: security.maxKeyRequestsPerSecond,
          maxWaitingPerChain: DEFAULT_MAX_WAITING_PER_CHAIN,
        },
        (message) => this.app.onDelivered(s, message),
        o.enabled ? {
          options: { gapMode: o.gapMode, initialWaitMs: o.initialWaitMs, retryWaitMs: o.retryWaitMs, maxResendRequests: o.maxResendRequests, giveUpAfter: o.giveUpAfter },
          storageNodesOf: (sp) => storageNodesOf(sp, storageIds, scenario.storage.replicas),
        } : undefined)
      this.subscribers.set(s, subscriber)
    }
  }
}
