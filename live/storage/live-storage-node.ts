// A live node's storage role: core's StorageNode (core/storage/storage-node.ts) over an SQLite
// store, on a tracker node (LiveNode) or a DHT node (LiveDhtNode) alike. Attached before the
// node joins the parts it stores (through its overlay, as any node joins), it stores every
// message the node accepts there (after the node's relay validation) and answers resend
// requests over the node's links; the HTTP endpoints (resend-routes.ts) read the same store.

import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { NetworkNode } from '../../core/network-node.ts'
import { type StorageNode, attachStorageNode } from '../../core/storage/storage-node.ts'
import type { StorageConfig } from './storage-config.ts'
import { SqliteMessageStore } from './sqlite-message-store.ts'

/** Opens (or creates, with its directory) the database of `config`; throws if the file cannot be used. */
export function openSqliteStore(config: StorageConfig): SqliteMessageStore {
  mkdirSync(dirname(config.path), { recursive: true })
  return new SqliteMessageStore(config)
}

export class LiveStorageNode {
  readonly storage: StorageNode<SqliteMessageStore>

  /** Stores `streamPartIds` in `store` from now on; the caller joins them through the node's overlay. */
  constructor(node: NetworkNode, readonly store: SqliteMessageStore, readonly config: StorageConfig, streamPartIds: readonly string[]) {
    this.storage = attachStorageNode(node, store)
    for (const sp of streamPartIds) this.storage.assign(sp)
  }

  /** For the stats line: what is acknowledged, what the file holds, what was asked. */
  summary(): string {
    const s = this.store.stats
    const n = this.storage.stats
    return `storage: committed ${s.committed} (+${s.pending} pending), ${s.messages} messages (${(s.bytes / 1e6).toFixed(1)} MB), `
      + `evicted ${s.evictedByAge} by age, ${s.evictedBySize} by size; resend requests ${n.requests} (${n.messagesSent} messages sent, `
      + `${n.notStored} not stored, ${n.malformedRequests} malformed)`
  }

  /** What GET /storage and GET /info report. */
  info(): object {
    const { path, maxAgeMs, maxBytes, batchMessages, batchDelayMs, synchronous, maxMessagesPerResponse } = this.config
    return {
      streamParts: this.storage.assignedParts().sort(), path, store: this.store.stats, requests: this.storage.stats,
      retention: { maxAgeMs, maxBytes }, batch: { batchMessages, batchDelayMs, synchronous }, maxMessagesPerResponse,
    }
  }

  /** Commits what is pending and closes the file (after the node stopped, so nothing arrives after). */
  close(): void {
    this.store.close()
  }
}
