// The asking side of neighbour handshakes (Handshaker.ts, trackerless-network 103.3.1): one
// round picks targets from the node views and asks them; an accepted target is bound at once.
// A receiver that accepted by interleaving names one of its neighbours, which we ask next, telling
// it who handed us over.
//
// One round, by how many slots are free (neighbours plus handshakes in flight, against the target):
// - more than parallelHandshakes free: up to that many targets at once (a few more when the ring
//   gives two distinct sides and there is a WebSocket node to try first). Order: with no
//   neighbour yet, the first nearby node that runs a WebSocket server; then the first left and
//   the first right ring contact; then, if still short, the closest nearby; then random ones.
//   (The reference writes the threshold as a bare 2 with a TODO asking why; it is its parallel
//   handshake count, so it is read from that option here.)
// - at least one free: one target, the first of left ring, right ring, nearby, else a random one.
// A target that says no, or does not answer, is excluded from the finder's next rounds.

import type { PeerDescriptor } from '../dht/peer-descriptor.ts'
import type { NodeId } from '../ports.ts'
import { type HandshakeBody, L2_HANDSHAKE, handshakeBytes, isHandshakeReply } from './neighbour-messages.ts'
import type { Neighbourhood } from './neighbourhood.ts'

/** Called with the exclusions the finder's next round starts from. */
export type RoundDone = (excluded: NodeId[]) => void

export class Handshaker {
  constructor(private readonly hood: Neighbourhood) {}

  /** One round; `done` hears when every handshake of it has ended. Mutates `excluded` as the reference does. */
  attempt(excluded: NodeId[], done: RoundDone): void {
    const { neighbours, ongoingHandshakes, options } = this.hood
    const busy = neighbours.size + ongoingHandshakes.size
    if (busy < options.neighbourTargetCount - options.parallelHandshakes) this.parallelRound(excluded, done)
    else if (busy < options.neighbourTargetCount) this.singleRound(excluded, done)
    else done(excluded)
  }

  /** Asks `target`, which `handedOverBy` named when it accepted us by interleaving. */
  handshakeAfterInterleave(target: PeerDescriptor, handedOverBy: NodeId, done: (accepted: boolean) => void): void {
    const hood = this.hood
    hood.ongoingHandshakes.add(target.nodeId)
    this.send(target, { neighbourIds: hood.neighbours.ids(), interleaveId: handedOverBy }, (accepted) => {
      hood.ongoingHandshakes.delete(target.nodeId)
      done(accepted)
    })
  }

  private parallelRound(excluded: NodeId[], done: RoundDone): void {
    // A new list: what the round returns also names the neighbours of the moment (Handshaker.ts).
    const exclude = excluded.concat(this.hood.neighbours.ids())
    const targets = this.parallelTargets(new Set(exclude))
    for (const t of targets) this.hood.ongoingHandshakes.add(t.nodeId)
    if (targets.length === 0) return done(exclude)
    const accepted: boolean[] = []
    let pending = targets.length
    targets.forEach((target, i) => {
      const other = i === 0 ? targets[1] : targets[0]
      this.handshake(target, other?.nodeId, (yes) => {
        accepted[i] = yes
        if (--pending > 0) return
        targets.forEach((t, k) => {
          if (!accepted[k]) exclude.push(t.nodeId)
        })
        done(exclude)
      })
    })
  }

  private parallelTargets(exclude: Set<NodeId>): PeerDescriptor[] {
    const { views, neighbours, options, random } = this.hood
    const chosen = new Map<NodeId, PeerDescriptor>()
    const choose = (p: PeerDescriptor | undefined) => {
      if (p === undefined) return
      chosen.set(p.nodeId, p)
      exclude.add(p.nodeId)
    }
    if (neighbours.size === 0) choose(views.nearby.first(exclude, true))
    // Both sides are read before either is taken: one peer may be first on both.
    const left = views.left.first(exclude)
    const right = views.right.first(exclude)
    choose(left)
    choose(right)
    if (chosen.size < options.parallelHandshakes) choose(views.nearby.first(exclude))
    while (chosen.size < options.parallelHandshakes) {
      const r = views.random.random(exclude, random)
      if (r === undefined) break
      choose(r)
    }
    return [...chosen.values()]
  }

  private singleRound(excluded: NodeId[], done: RoundDone): void {
    const { views, neighbours, random } = this.hood
    const exclude = new Set(excluded.concat(neighbours.ids()))
    const target = views.left.first(exclude) ?? views.right.first(exclude) ?? views.nearby.first(exclude)
      ?? views.random.random(exclude, random)
    if (target === undefined) return done(excluded)
    this.handshake(target, undefined, (accepted) => {
      if (!accepted) excluded.push(target.nodeId)
      done(excluded)
    })
  }

  /** A first handshake; an interleave answer leads to a second one before `done` hears. */
  private handshake(target: PeerDescriptor, concurrentId: NodeId | undefined, done: (accepted: boolean) => void): void {
    const hood = this.hood
    hood.ongoingHandshakes.add(target.nodeId)
    const body: HandshakeBody = concurrentId === undefined
      ? { neighbourIds: hood.neighbours.ids() }
      : { neighbourIds: hood.neighbours.ids(), concurrentId }
    this.send(target, body, (accepted, handOverTo) => {
      const finish = () => {
        hood.ongoingHandshakes.delete(target.nodeId)
        done(accepted)
      }
      if (handOverTo === undefined) return finish()
      this.handshakeAfterInterleave(handOverTo, target.nodeId, finish)
    })
  }

  /** Sends one handshake and binds the target if it says yes. */
  private send(target: PeerDescriptor, body: HandshakeBody, done: (accepted: boolean, handOverTo: PeerDescriptor | undefined) => void): void {
    const hood = this.hood
    hood.counts.handshakesSent++
    hood.request(target, L2_HANDSHAKE, body, handshakeBytes(hood.streamPartId, body), hood.timeoutFor(target), (reply) => {
      if (reply === undefined) {
        hood.counts.handshakesFailed++
        return done(false, undefined)
      }
      if (!isHandshakeReply(reply)) {
        hood.counts.malformed++
        hood.counts.handshakesFailed++
        return done(false, undefined)
      }
      if (reply.accepted) {
        hood.counts.handshakesAccepted++
        hood.bind(target)
      } else {
        hood.counts.handshakesRejected++
      }
      done(reply.accepted, reply.interleaveTarget)
    })
  }
}
