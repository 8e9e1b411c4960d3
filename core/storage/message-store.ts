// Where a storage node keeps messages (storage-node.ts): the one interface it uses, so the
// simulator's in-memory store (in-memory-message-store.ts) and a live node's database
// (live/storage/sqlite-message-store.ts) answer resends the same way, and another engine (a
// Cassandra or ScyllaDB adapter, as the reference used) can follow. Synchronous: the storage node
// answers a request as it arrives, and an embedded database (better-sqlite3) is synchronous too.
//
// What every store must do alike (test/message-store.test.ts runs the same cases on each):
//   - a chain holds one message per (timestamp, sequence number): a second copy is refused;
//   - answers are oldest first, merged across chains by (timestamp, sequence number, publisher,
//     chain) (compareStoredMessages);
//   - an answer holds at most maxMessagesPerResponse messages. `last N` keeps the newest
//     min(N, limit) and is truncated when both N and the matches exceed the limit; `from` and
//     `range` keep the oldest `limit` and are truncated when more matched.
// What a store keeps, and for how long, is its own (a bound per chain in memory; age and size in SQLite).

import { type StreamMessage, compareRefs } from '../message.ts'
import type { ResendFilter, ResendQuery } from './storage-messages.ts'

/** Messages in one answer at most; bounds what one request can make the node send. */
export const DEFAULT_MAX_MESSAGES_PER_RESPONSE = 10_000

export interface QueryResult {
  readonly messages: StreamMessage[]
  /** More matched than maxMessagesPerResponse. */
  readonly truncated: boolean
}

export interface MessageStore {
  /** Stores a message; false if its chain already holds that (timestamp, sequence number). */
  add(message: StreamMessage): boolean
  /** The messages of `streamPartId` that `query` and `filter` select, as the rules above say. */
  query(streamPartId: string, query: ResendQuery, filter?: ResendFilter): QueryResult
}

/** The order of every answer: (timestamp, sequence number), then publisher and chain id. */
export function compareStoredMessages(a: StreamMessage, b: StreamMessage): number {
  const x = a.messageId
  const y = b.messageId
  const c = compareRefs(x.timestamp, x.sequenceNumber, y.timestamp, y.sequenceNumber)
  if (c !== 0) return c
  if (x.publisherId !== y.publisherId) return x.publisherId < y.publisherId ? -1 : 1
  return x.msgChainId < y.msgChainId ? -1 : x.msgChainId > y.msgChainId ? 1 : 0
}
