// A subscriber as a node runs it, in the simulator and on live nodes alike: the Subscriber on the
// node's links and deliveries and, with ordering, an OrderingBuffer in front of decryption whose
// gaps (and forgeries' genuine messages) a ResendClient asks of the stream part's storage nodes.

import type { KeyPair } from '../message-layer/identity.ts'
import type { NetworkNode } from '../network-node.ts'
import { createOrderingBuffer } from '../ordering/ordering-buffer.ts'
import { type OrderingOptions, createOrderingOptions } from '../ordering/ordering-options.ts'
import type { NodeId, Random } from '../ports.ts'
import { type ResendClient, createResendClient } from '../storage/resend-client.ts'
import type { SecurityPorts } from './security-ports.ts'
import type { StreamMessageValidator } from './stream-message-validator.ts'
import { type AppDelivery, Subscriber, type SubscriberOptions } from './subscriber.ts'

export interface SubscriberOrdering {
  /** Unset fields take the defaults of ordering-options.ts. */
  options: Partial<OrderingOptions>
  /** The storage nodes gaps are asked of, per stream part. */
  storageNodesOf: (streamPartId: string) => readonly NodeId[]
}

export interface AttachedSubscriber {
  subscriber: Subscriber
  /** Set with ordering. */
  resends: ResendClient | undefined
}

export function attachSubscriber(
  node: NetworkNode,
  identity: KeyPair,
  ports: SecurityPorts,
  validator: StreamMessageValidator,
  directory: (address: string) => NodeId | undefined,
  random: Random,
  options: SubscriberOptions,
  app: AppDelivery,
  ordering?: SubscriberOrdering,
): AttachedSubscriber {
  const subscriber = new Subscriber(node, identity, ports, validator, directory, random, options, app)
  node.attach(subscriber)
  if (ordering === undefined) return { subscriber, resends: undefined }
  const o = createOrderingOptions(ordering.options)
  const resends = createResendClient(node, { timers: ports.timers }, ordering.storageNodesOf, (m) => subscriber.receiveResent(m))
  subscriber.useOrdering(createOrderingBuffer({ clock: ports.clock, timers: ports.timers }, resends, subscriber.ordered, o), resends, o.initialWaitMs)
  return { subscriber, resends }
}
