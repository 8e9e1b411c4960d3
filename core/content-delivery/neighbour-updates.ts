// Neighbour updates (NeighborUpdateManager.ts, NeighborUpdateRpcLocal.ts, NeighborUpdateRpcRemote.ts,
// trackerless-network 103.3.1). Every neighbourUpdateIntervalMs after the previous round has
// ended, a node sends its neighbour list to each neighbour. The receiver learns the listed peers
// it does not have into its nearby view (while that has room), then answers "remove me" when
// it does not list the sender and is not asking it, or when both of them have more neighbours
// than the target (it drops the sender then); otherwise it restarts its own finder. The sender
// drops a neighbour that answers "remove me", or does not answer at all, and restarts its finder.

import type { PeerDescriptor } from '../dht/peer-descriptor.ts'
import type { RpcReply } from '../rpc/rpc-endpoint.ts'
import { L2_NEIGHBOUR_UPDATE, type NeighbourUpdateBody, isNeighbourUpdateBody, neighbourUpdateBytes } from './neighbour-messages.ts'
import type { NeighbourFinder } from './neighbour-finder.ts'
import type { Neighbourhood } from './neighbourhood.ts'

export class NeighbourUpdates {
  private started = false

  constructor(private readonly hood: Neighbourhood, private readonly finder: NeighbourFinder) {}

  /** The first round comes one interval after the start (scheduleAtInterval, executeAtStart false). */
  start(): void {
    if (this.started) return
    this.started = true
    this.hood.after(this.hood.options.neighbourUpdateIntervalMs, () => this.round())
  }

  answer(sender: PeerDescriptor, body: NeighbourUpdateBody, reply: RpcReply): void {
    const { neighbours, views, ongoingHandshakes, options, local, counts } = this.hood
    for (const p of body.neighbours) if (p.nodeId !== local.nodeId && !neighbours.has(p.nodeId)) views.nearby.add(p)
    let removeMe: boolean
    if (!neighbours.has(sender.nodeId) && !ongoingHandshakes.has(sender.nodeId)) {
      removeMe = true
    } else {
      // The reference cannot know the sender's target; it cuts only when the sender has more than its own.
      removeMe = neighbours.size > options.neighbourTargetCount && body.neighbours.length > options.neighbourTargetCount
      if (removeMe) this.hood.unbind(sender.nodeId)
      else this.finder.start()
    }
    if (removeMe) counts.removeMeSent++
    const answer: NeighbourUpdateBody = { neighbours: neighbours.all(), removeMe }
    reply(answer, neighbourUpdateBytes(this.hood.streamPartId, answer))
  }

  private round(): void {
    const hood = this.hood
    const targets = hood.neighbours.all()
    const body: NeighbourUpdateBody = { neighbours: targets, removeMe: false }
    const bytes = neighbourUpdateBytes(hood.streamPartId, body)
    let pending = targets.length
    const next = () => {
      if (--pending <= 0) hood.after(hood.options.neighbourUpdateIntervalMs, () => this.round())
    }
    if (pending === 0) {
      pending = 1
      return next()
    }
    for (const neighbour of targets) {
      hood.counts.neighbourUpdatesSent++
      hood.request(neighbour, L2_NEIGHBOUR_UPDATE, body, bytes, hood.timeoutFor(neighbour), (answer) => {
        if (answer !== undefined && !isNeighbourUpdateBody(answer)) hood.counts.malformed++
        // No answer, or one we cannot read, counts as "remove me" (NeighborUpdateRpcRemote.ts).
        const removeMe = !isNeighbourUpdateBody(answer) || answer.removeMe
        if (removeMe) hood.counts.removeMeReceived++
        // A neighbour that dropped us first has left the list already (its leave came before its answer).
        if (removeMe && hood.neighbours.has(neighbour.nodeId)) {
          hood.unbind(neighbour.nodeId)
          this.finder.start([neighbour.nodeId])
        }
        next()
      })
    }
  }
}
