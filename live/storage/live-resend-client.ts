// Resends for a live node: core's ResendClient (core/storage/resend-client.ts) on the node's own
// links, so a subscriber can ask a storage node process for last N, from a timestamp or a range,
// and ordering's gap fill can use it as its ResendSource (requestFrom, requestRange).
//
//   const resends = createLiveResendClient(liveNode, { storageNodes: [storageNodeId] }, (m) => orderingBuffer.add(m))
//   resends.client.resend('demo#0', { type: 'last', count: 10 }, {}, (result) => ...)
//
// What a storage node sends is checked before the sink sees it, as the relay would have: the
// publisher's signature and permission (the node's StreamMessageValidator over its security
// ports). A storage node could otherwise forge history, since resent messages bypass the relay.
// The wire form is storage/resend-wire.ts, inside live/wire-codec.ts: any live transport carries it.
//
// Reaching the storage node: a tracker node links to it over WebRTC, signalled through the
// tracker of a stream part both have joined (so join the part first and let its tracker link
// come up: a request before that ends "unreachable", and ordering's retry asks again). A DHT node dials it by the
// URL given in `storageNodeUrls` (a storage node with a WebSocket server), or by what its DHT has
// learnt of it (an entry point, a layer-1 neighbour).

import type { StreamMessage } from '../../core/message.ts'
import { VERDICT_VALID, type Verdict } from '../../core/message-validator.ts'
import type { NetworkNode } from '../../core/network-node.ts'
import type { NodeId, Timers } from '../../core/ports.ts'
import { peerDescriptorOf } from '../../core/dht/peer-descriptor.ts'
import { type ResendClient, type ResendClientOptions, createResendClient } from '../../core/storage/resend-client.ts'
import { StreamMessageValidator } from '../../core/security/stream-message-validator.ts'
import type { SecurityPorts } from '../../core/security/security-ports.ts'
import type { LivePeerDescriptor } from '../dht/descriptor-wire.ts'
import type { PeerDirectory } from '../dht/peer-directory.ts'

/** What the client needs of a live node: a LiveNode or a LiveDhtNode has it (the directory only the latter). */
export interface ResendHost {
  readonly node: NetworkNode
  readonly timers: Timers
  readonly security: SecurityPorts
  readonly directory?: PeerDirectory
}

export interface LiveResendOptions extends Partial<ResendClientOptions> {
  /**
   * The storage nodes to ask: node ids (a tracker node's is the `id` of its config, a DHT node's its address), each of which
   * stores every part asked about, or a function of the stream part (e.g. core's storageNodesOf
   * over a list every node shares, for parts spread over several storage nodes).
   */
  storageNodes: readonly NodeId[] | ((streamPartId: string) => readonly NodeId[])
  /** DHT nodes: the ws:// URL of storage nodes that run a WebSocket server, by id. */
  storageNodeUrls?: Readonly<Record<NodeId, string>>
}

export interface LiveResendClient {
  readonly client: ResendClient
  /** Resent messages the validator refused, by verdict; never handed to the sink. */
  readonly refused: Record<Exclude<Verdict, 'valid'>, number>
}

export function createLiveResendClient(host: ResendHost, options: LiveResendOptions, sink: (message: StreamMessage) => void): LiveResendClient {
  const { storageNodes, storageNodeUrls, ...clientOptions } = options
  for (const [nodeId, url] of Object.entries(storageNodeUrls ?? {})) {
    const descriptor: LivePeerDescriptor = { ...peerDescriptorOf(nodeId, 0, true), url }
    host.directory?.learn(descriptor, true)
  }
  const validator = new StreamMessageValidator(host.security)
  const refused: LiveResendClient['refused'] = { 'bad-signature': 0, 'not-permitted': 0, malformed: 0 }
  const storageNodesOf = typeof storageNodes === 'function' ? storageNodes : () => storageNodes
  const client = createResendClient(host.node, { timers: host.timers }, storageNodesOf, (message) => validator.validate(message, (verdict) => {
    if (verdict === VERDICT_VALID) sink(message)
    else refused[verdict]++
  }), clientOptions)
  return { client, refused }
}
