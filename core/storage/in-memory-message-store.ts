// A storage node's messages in memory (the simulator's MessageStore, message-store.ts): per
// stream part, per publisher chain, sorted by (timestamp, sequence number). Almost every message
// arrives after the newest of its chain, so storing is an append; an older one (it overtook
// nothing but came late) is inserted in place. Answers merge the chains by
// compareStoredMessages, so the same store gives the same answer.

import { type MessageRef, type StreamMessage, compareRefs } from '../message.ts'
import {
  DEFAULT_MAX_MESSAGES_PER_RESPONSE, type MessageStore, type QueryResult, compareStoredMessages,
} from './message-store.ts'
import type { ResendFilter, ResendQuery } from './storage-messages.ts'

export interface InMemoryMessageStoreOptions {
  /** Messages kept per publisher chain; past it the oldest goes. Bounds memory in long runs. */
  maxMessagesPerChain: number
  /** Messages in one answer at most; bounds what one request can make the node send. */
  maxMessagesPerResponse: number
}

export const DEFAULT_MAX_MESSAGES_PER_CHAIN = 100_000

export const DEFAULT_IN_MEMORY_MESSAGE_STORE_OPTIONS: Readonly<InMemoryMessageStoreOptions> = {
  maxMessagesPerChain: DEFAULT_MAX_MESSAGES_PER_CHAIN,
  maxMessagesPerResponse: DEFAULT_MAX_MESSAGES_PER_RESPONSE,
}

interface StoredChain {
  readonly publisherId: string
  readonly msgChainId: string
  readonly messages: StreamMessage[]
}

/** Index of the first message at or after (ts, seq) in a sorted chain. */
function lowerBound(messages: StreamMessage[], ts: number, seq: number): number {
  let lo = 0
  let hi = messages.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const id = messages[mid].messageId
    if (compareRefs(id.timestamp, id.sequenceNumber, ts, seq) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

export class InMemoryMessageStore implements MessageStore {
  private readonly parts = new Map<string, Map<string, StoredChain>>()
  private total = 0

  constructor(private readonly options: InMemoryMessageStoreOptions = DEFAULT_IN_MEMORY_MESSAGE_STORE_OPTIONS) {}

  get size(): number {
    return this.total
  }

  /** Stores a message; false if its chain already holds that number. */
  add(message: StreamMessage): boolean {
    let chains = this.parts.get(message.streamPartId)
    if (chains === undefined) {
      chains = new Map()
      this.parts.set(message.streamPartId, chains)
    }
    let chain = chains.get(message.chainKey)
    if (chain === undefined) {
      const id = message.messageId
      chain = { publisherId: id.publisherId, msgChainId: id.msgChainId, messages: [] }
      chains.set(message.chainKey, chain)
    }
    const messages = chain.messages
    const id = message.messageId
    const newest = messages.length > 0 ? messages[messages.length - 1].messageId : undefined
    if (newest === undefined || compareRefs(id.timestamp, id.sequenceNumber, newest.timestamp, newest.sequenceNumber) > 0) {
      messages.push(message)
    } else {
      const i = lowerBound(messages, id.timestamp, id.sequenceNumber)
      const at = messages[i].messageId
      if (at.timestamp === id.timestamp && at.sequenceNumber === id.sequenceNumber) return false
      messages.splice(i, 0, message)
    }
    this.total++
    if (messages.length > this.options.maxMessagesPerChain) {
      messages.shift()
      this.total--
    }
    return true
  }

  /** A chain's messages in order, for tests and inspection. */
  chain(streamPartId: string, chainKey: string): readonly StreamMessage[] {
    return this.parts.get(streamPartId)?.get(chainKey)?.messages ?? []
  }

  query(streamPartId: string, query: ResendQuery, filter: ResendFilter = {}): QueryResult {
    const chains = this.matchingChains(streamPartId, filter)
    switch (query.type) {
      case 'last': return this.last(chains, query.count)
      case 'from': return this.between(chains, { timestamp: query.fromTimestamp, sequenceNumber: 0 }, null)
      case 'range': return this.between(chains, query.from, query.to)
    }
  }

  /** The newest `count` messages across the chains, oldest first. */
  private last(chains: StoredChain[], count: number): QueryResult {
    const limit = Math.min(count, this.options.maxMessagesPerResponse)
    const all: StreamMessage[] = []
    for (const c of chains) all.push(...c.messages.slice(Math.max(0, c.messages.length - limit)))
    all.sort(compareStoredMessages)
    const matched = chains.reduce((n, c) => n + c.messages.length, 0)
    return { messages: all.slice(Math.max(0, all.length - limit)), truncated: Math.min(count, matched) > limit }
  }

  /** Messages from `from` to `to` (null: no end), both inclusive, oldest first. */
  private between(chains: StoredChain[], from: MessageRef, to: MessageRef | null): QueryResult {
    const all: StreamMessage[] = []
    for (const c of chains) {
      const m = c.messages
      const start = lowerBound(m, from.timestamp, from.sequenceNumber)
      const end = to === null ? m.length : lowerBound(m, to.timestamp, to.sequenceNumber + 1)
      for (let i = start; i < end; i++) all.push(m[i])
    }
    all.sort(compareStoredMessages)
    const limit = this.options.maxMessagesPerResponse
    return { messages: all.length > limit ? all.slice(0, limit) : all, truncated: all.length > limit }
  }

  private matchingChains(streamPartId: string, filter: ResendFilter): StoredChain[] {
    const chains = this.parts.get(streamPartId)
    if (chains === undefined) return []
    const out: StoredChain[] = []
    for (const c of chains.values()) {
      if (filter.publisherId !== undefined && c.publisherId !== filter.publisherId) continue
      if (filter.msgChainId !== undefined && c.msgChainId !== filter.msgChainId) continue
      out.push(c)
    }
    return out
  }
}
