// The values a node holds for others (LocalDataStore.ts, @streamr/dht 103.3.1): per key, one
// entry per creator, newest wins, each kept for its TTL capped at storeMaxTtl. Expiry is checked
// when read. Bounded: a peer that stores garbage under many keys fills a fixed-size table.

import type { DhtId } from './dht-id.ts'
import type { DataEntry } from './dht-messages.ts'

/** Most keys held, and most creators per key (a stream part has at most 8 entry points). */
export const MAX_STORED_KEYS = 10_000
export const MAX_ENTRIES_PER_KEY = 64

interface Stored {
  readonly entry: DataEntry
  readonly expiresAtMs: number
}

interface Held {
  readonly key: DhtId
  readonly entries: Map<string, Stored>
}

export class DataStore {
  private readonly held = new Map<string, Held>()

  constructor(private readonly maxTtlMs: number) {}

  get keyCount(): number {
    return this.held.size
  }

  /** The keys held. */
  *keys(): IterableIterator<DhtId> {
    for (const h of this.held.values()) yield h.key
  }

  /** True when `entry` is now held and is newer than what was (so replication passes it on); false when refused or not newer. */
  put(key: DhtId, entry: DataEntry, nowMs: number): boolean {
    const k = keyText(key)
    let h = this.held.get(k)
    if (h === undefined) {
      if (this.held.size >= MAX_STORED_KEYS) return false
      h = { key, entries: new Map() }
      this.held.set(k, h)
    }
    const old = h.entries.get(entry.creator.nodeId)
    if (old !== undefined && old.entry.storedAtMs >= entry.storedAtMs) return false
    if (old === undefined && h.entries.size >= MAX_ENTRIES_PER_KEY) {
      this.expire(h.entries, nowMs)
      if (h.entries.size >= MAX_ENTRIES_PER_KEY) return false
    }
    h.entries.set(entry.creator.nodeId, { entry, expiresAtMs: nowMs + Math.min(entry.ttlMs, this.maxTtlMs) })
    return true
  }

  get(key: DhtId, nowMs: number): DataEntry[] {
    const k = keyText(key)
    const h = this.held.get(k)
    if (h === undefined) return []
    this.expire(h.entries, nowMs)
    if (h.entries.size === 0) this.held.delete(k)
    return [...h.entries.values()].map((s) => s.entry)
  }

  delete(key: DhtId, creator: string): void {
    const k = keyText(key)
    const h = this.held.get(k)
    if (h === undefined) return
    h.entries.delete(creator)
    if (h.entries.size === 0) this.held.delete(k)
  }

  private expire(entries: Map<string, Stored>, nowMs: number): void {
    for (const [creator, s] of entries) if (s.expiresAtMs <= nowMs) entries.delete(creator)
  }
}

function keyText(key: DhtId): string {
  let s = ''
  for (let i = 0; i < key.length; i++) s += key[i].toString(16).padStart(2, '0')
  return s
}
