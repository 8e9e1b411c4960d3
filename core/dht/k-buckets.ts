// The Kademlia routing table: one bucket per length of the prefix a contact shares with us, at
// most k contacts each. This is the tree of the `k-bucket` package the reference uses, which
// splits only the bucket holding our own id: its leaves are exactly these per-prefix buckets.
// A full bucket makes room by dropping its contact furthest from us, which the reference does
// instead of pinging (PeerManager.onKBucketPing, @streamr/dht 103.3.1).

import { DHT_ID_BYTES, type DhtId, bucketIndexOf, compareDistance } from './dht-id.ts'
import type { PeerDescriptor } from './peer-descriptor.ts'

const BUCKETS = DHT_ID_BYTES * 8

export interface BucketChange {
  /** The contact is in the table now and was not before. */
  readonly added: boolean
  /** The contact dropped to make room, if one was. */
  readonly evicted: PeerDescriptor | undefined
}

const UNCHANGED: BucketChange = { added: false, evicted: undefined }
const ADDED: BucketChange = { added: true, evicted: undefined }

export class KBuckets {
  private readonly buckets: (PeerDescriptor[] | undefined)[] = new Array(BUCKETS).fill(undefined)
  private size = 0

  constructor(readonly local: DhtId, readonly k: number) {}

  get count(): number {
    return this.size
  }

  add(contact: PeerDescriptor): BucketChange {
    const i = bucketIndexOf(this.local, contact.dhtId)
    if (i >= BUCKETS) return UNCHANGED
    let bucket = this.buckets[i]
    if (bucket === undefined) {
      bucket = []
      this.buckets[i] = bucket
    }
    for (const c of bucket) if (c.nodeId === contact.nodeId) return UNCHANGED
    if (bucket.length < this.k) {
      bucket.push(contact)
      this.size++
      return ADDED
    }
    let furthest = 0
    for (let j = 1; j < bucket.length; j++) {
      if (compareDistance(bucket[j].dhtId, bucket[furthest].dhtId, this.local) > 0) furthest = j
    }
    const evicted = bucket[furthest]
    bucket.splice(furthest, 1)
    bucket.push(contact)
    return { added: true, evicted }
  }

  remove(nodeId: string, dhtId: DhtId): boolean {
    const bucket = this.buckets[bucketIndexOf(this.local, dhtId)]
    if (bucket === undefined) return false
    for (let j = 0; j < bucket.length; j++) {
      if (bucket[j].nodeId === nodeId) {
        bucket.splice(j, 1)
        this.size--
        return true
      }
    }
    return false
  }

  has(nodeId: string, dhtId: DhtId): boolean {
    const bucket = this.buckets[bucketIndexOf(this.local, dhtId)]
    return bucket !== undefined && bucket.some((c) => c.nodeId === nodeId)
  }

  /** The contact with this node id, looked for in every bucket. */
  find(nodeId: string): PeerDescriptor | undefined {
    for (const b of this.buckets) if (b !== undefined) for (const c of b) if (c.nodeId === nodeId) return c
    return undefined
  }

  all(): PeerDescriptor[] {
    const out: PeerDescriptor[] = []
    for (const b of this.buckets) if (b !== undefined) for (const c of b) out.push(c)
    return out
  }

  /** Buckets that hold at least one contact: how much of the table is filled. */
  nonEmptyBuckets(): number {
    let n = 0
    for (const b of this.buckets) if (b !== undefined && b.length > 0) n++
    return n
  }

  /**
   * The `n` contacts closest to `target`. Distance orders the buckets: the one `target` falls in
   * first, then every deeper one (they all share its first differing bit), then the shallower
   * ones from deep to shallow; only the buckets needed are sorted.
   */
  closestTo(target: DhtId, n: number, exclude?: ReadonlySet<string>): PeerDescriptor[] {
    const b = bucketIndexOf(this.local, target)
    const out: PeerDescriptor[] = []
    const take = (from: PeerDescriptor[]) => {
      from.sort((x, y) => compareDistance(x.dhtId, y.dhtId, target))
      for (const c of from) {
        if (out.length >= n) return
        if (exclude === undefined || !exclude.has(c.nodeId)) out.push(c)
      }
    }
    if (b < BUCKETS) take(this.buckets[b]?.slice() ?? [])
    if (out.length < n) {
      const deeper: PeerDescriptor[] = []
      for (let i = b + 1; i < BUCKETS; i++) {
        const bucket = this.buckets[i]
        if (bucket !== undefined) for (const c of bucket) deeper.push(c)
      }
      take(deeper)
    }
    for (let i = Math.min(b, BUCKETS) - 1; i >= 0 && out.length < n; i--) take(this.buckets[i]?.slice() ?? [])
    return out
  }
}
