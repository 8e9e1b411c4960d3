// WebRTC signalling through a tracker, with no tracker overlay: the static builder's live nodes
// need their offers, answers and candidates carried to each other, and a Brubeck tracker relays
// a signal to any node linked to it. This LinkProtocol owns only the signal kind and never sends
// a status, so the tracker never learns of a stream part and never instructs anyone: the overlay
// stays the static graph.

import type { LinkProtocol } from '../../core/link-protocol.ts'
import type { NetworkNode } from '../../core/network-node.ts'
import type { Connection, NodeId } from '../../core/ports.ts'
import { WIRE_TRACKER_SIGNAL, isTrackerSignalMessage, signalMessage } from '../../core/tracker/tracker-messages.ts'

export class SignalRelayClient implements LinkProtocol {
  readonly kinds = [WIRE_TRACKER_SIGNAL]
  private link: Connection | undefined
  private waiting: ((linked: boolean) => void)[] = []
  onSignal: ((from: NodeId, payload: string) => void) | undefined
  signalsSent = 0
  signalsReceived = 0

  constructor(private readonly node: NetworkNode, readonly relayId: NodeId) {
    node.attach(this)
  }

  /** Links to the relay; resolves true once linked, false if the link could not be made. */
  connect(): Promise<boolean> {
    if (this.link !== undefined) return Promise.resolve(true)
    const linked = new Promise<boolean>((resolve) => this.waiting.push(resolve))
    this.node.connect(this.relayId)
    return linked
  }

  /** The WebRTC transport's signal sender: false when the relay is not linked. */
  send(to: NodeId, payload: string): boolean {
    if (this.link === undefined) return false
    this.node.send(this.link, signalMessage(this.node.id, to, payload))
    this.signalsSent++
    return true
  }

  handleMessage(connection: Connection, message: { kind: number }): boolean {
    if (!isTrackerSignalMessage(message)) return false
    if (connection !== this.link || message.to !== this.node.id) return true
    this.signalsReceived++
    this.onSignal?.(message.from, message.payload)
    return true
  }

  onConnected(connection: Connection): void {
    if (connection.remoteId !== this.relayId) return
    this.link = connection
    this.settle(true)
  }

  onConnectFailed(peer: NodeId): void {
    if (peer === this.relayId) this.settle(false)
  }

  onDisconnected(connection: Connection): void {
    if (connection === this.link) this.link = undefined
  }

  private settle(linked: boolean): void {
    const waiting = this.waiting
    this.waiting = []
    for (const resolve of waiting) resolve(linked)
  }
}
