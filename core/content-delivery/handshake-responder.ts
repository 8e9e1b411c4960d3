// The answering side of neighbour handshakes (HandshakeRpcLocal.ts, trackerless-network 103.3.1).
// A handshake from `sender` is answered, in this order:
// 1. no, if we are moving one of our neighbours to `sender` right now (an interleave in flight);
// 2. yes, if it is already a neighbour or we are asking it ourselves (both asked at once);
// 3. yes, if neighbours plus our handshakes in flight are below the target;
// 4. yes by interleaving, if at least 2 of our neighbours would remain once those being moved and
//    the one that handed `sender` over are set aside, and we are not above the target: we ask our
//    latest neighbour that `sender` does not list to connect to `sender` instead, drop it if it
//    says it did, and tell `sender` whom we asked (it asks that one too);
// 5. no.
// Both ends bind only on agreement: we bind `sender` right after answering yes, it binds us when
// the answer arrives. An interleave request asks us to connect to a node in place of the asker:
// we hand-shake with that node, then drop the asker and say yes, whatever the handshake's answer
// (the reference's handler cannot fail; its caller drops us on that yes).

import type { PeerDescriptor } from '../dht/peer-descriptor.ts'
import type { RpcReply } from '../rpc/rpc-endpoint.ts'
import type { NodeId } from '../ports.ts'
import type { Handshaker } from './handshaker.ts'
import {
  type HandshakeBody, type HandshakeReply, INTERLEAVE_BYTES, INTERLEAVE_REPLY_BYTES, L2_INTERLEAVE, handshakeReplyBytes,
  isInterleaveReply,
} from './neighbour-messages.ts'
import type { Neighbourhood } from './neighbourhood.ts'

/** Neighbours an interleave must leave us, besides the one it moves (HandshakeRpcLocal.ts). */
export const MIN_NEIGHBOURS_AFTER_INTERLEAVE = 2

const YES: HandshakeReply = { accepted: true }
const NO: HandshakeReply = { accepted: false }

export class HandshakeResponder {
  constructor(private readonly hood: Neighbourhood, private readonly handshaker: Handshaker) {}

  answerHandshake(sender: PeerDescriptor, body: HandshakeBody, reply: RpcReply): void {
    const { neighbours, ongoingHandshakes, ongoingInterleaves, options } = this.hood
    const id = sender.nodeId
    if (ongoingInterleaves.has(id)) return this.answer(reply, NO)
    if (neighbours.has(id) || ongoingHandshakes.has(id)) return this.accept(sender, reply, YES)
    if (neighbours.size + ongoingHandshakes.size < options.neighbourTargetCount) return this.accept(sender, reply, YES)
    const handedOverBy = body.interleaveId === undefined ? new Set<NodeId>() : new Set([body.interleaveId])
    if (neighbours.sizeExcluding(handedOverBy) - ongoingInterleaves.size >= MIN_NEIGHBOURS_AFTER_INTERLEAVE
      && neighbours.size <= options.neighbourTargetCount) {
      return this.acceptByInterleaving(sender, body, reply)
    }
    this.answer(reply, NO)
  }

  answerInterleave(sender: PeerDescriptor, target: PeerDescriptor, reply: RpcReply): void {
    const hood = this.hood
    hood.counts.interleavesReceived++
    this.handshaker.handshakeAfterInterleave(target, sender.nodeId, () => {
      hood.unbind(sender.nodeId)
      reply({ accepted: true }, INTERLEAVE_REPLY_BYTES)
    })
  }

  private acceptByInterleaving(sender: PeerDescriptor, body: HandshakeBody, reply: RpcReply): void {
    const hood = this.hood
    const exclude = new Set<NodeId>(body.neighbourIds)
    for (const id of hood.ongoingInterleaves) exclude.add(id)
    exclude.add(sender.nodeId)
    if (body.interleaveId !== undefined) exclude.add(body.interleaveId)
    const moved = hood.neighbours.last(exclude)
    if (moved !== undefined) this.askToMove(moved, sender)
    this.accept(sender, reply, moved === undefined ? YES : { accepted: true, interleaveTarget: moved })
  }

  /** Asks neighbour `moved` to connect to `requester` in our place; drops it when it says it did. */
  private askToMove(moved: PeerDescriptor, requester: PeerDescriptor): void {
    const hood = this.hood
    hood.ongoingInterleaves.add(moved.nodeId)
    hood.counts.interleavesStarted++
    const settled = (accepted: boolean) => {
      if (accepted) {
        hood.counts.interleavesCompleted++
        hood.unbind(moved.nodeId)
      }
      hood.ongoingInterleaves.delete(moved.nodeId)
    }
    // The reference sends it with connect: false: a neighbour whose link is gone is not dialled again.
    if (!hood.isLinked(moved.nodeId)) return settled(false)
    hood.request(moved, L2_INTERLEAVE, { target: requester }, INTERLEAVE_BYTES, hood.options.interleaveTimeoutMs, (answer) => {
      if (answer !== undefined && !isInterleaveReply(answer)) hood.counts.malformed++
      settled(isInterleaveReply(answer) && answer.accepted)
    })
  }

  /** Answers before binding: binding may send buffered content at once, and the requester must hear yes first. */
  private accept(sender: PeerDescriptor, reply: RpcReply, answer: HandshakeReply): void {
    this.answer(reply, answer)
    this.hood.bind(sender)
  }

  private answer(reply: RpcReply, answer: HandshakeReply): void {
    if (answer.accepted) this.hood.counts.handshakesAnsweredYes++
    else this.hood.counts.handshakesAnsweredNo++
    reply(answer, handshakeReplyBytes(answer))
  }
}
