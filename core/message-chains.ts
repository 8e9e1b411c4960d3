// A publisher's chains: one random msgChainId per stream part, and the numbering PROTOCOL.md
// gives a chain (sequence numbers 0, 1, 2... within one millisecond, each message naming the
// one before it). Plain flooding and the message layer's publisher number messages the same way.

import type { MessageId, MessageRef } from './message.ts'
import type { NodeId, Random } from './ports.ts'

const CHAIN_ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const CHAIN_ID_LENGTH = 20

interface ChainState {
  readonly msgChainId: string
  last: MessageRef | null
}

export interface ChainPosition {
  readonly messageId: MessageId
  readonly prevMsgRef: MessageRef | null
}

export class MessageChains {
  private readonly chains = new Map<string, ChainState>()

  constructor(private readonly publisherId: NodeId, private readonly random: Random) {}

  /** The id of the next message in the chain of `streamId#partition`, at `nowMs`. */
  next(streamId: string, partition: number, nowMs: number): ChainPosition {
    const chain = this.chainOf(`${streamId}#${partition}`)
    // Message timestamps are whole milliseconds on the wire, whatever the clock's resolution.
    // A clock may not go backwards, but a chain must not either, so a late clock reuses the last ms.
    const prev = chain.last
    const timestamp = prev !== null && Math.floor(nowMs) < prev.timestamp ? prev.timestamp : Math.floor(nowMs)
    const sequenceNumber = prev !== null && prev.timestamp === timestamp ? prev.sequenceNumber + 1 : 0
    chain.last = { timestamp, sequenceNumber }
    return {
      messageId: { streamId, streamPartition: partition, timestamp, sequenceNumber, publisherId: this.publisherId, msgChainId: chain.msgChainId },
      prevMsgRef: prev,
    }
  }

  private chainOf(streamPartId: string): ChainState {
    let chain = this.chains.get(streamPartId)
    if (chain === undefined) {
      let msgChainId = ''
      for (let i = 0; i < CHAIN_ID_LENGTH; i++) msgChainId += CHAIN_ID_CHARS[Math.floor(this.random.next() * CHAIN_ID_CHARS.length)]
      chain = { msgChainId, last: null }
      this.chains.set(streamPartId, chain)
    }
    return chain
  }
}
