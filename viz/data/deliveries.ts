// deliveries.csv can hold millions of receipts. It is streamed once per run into compact columns
// (about 23 bytes a row), grouped by message, and the result is cached (a few runs, keyed by file
// size and mtime) so each request is answered from memory instead of re-reading the file.

import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { splitCsvLine, streamCsv } from './csv.ts'
import { HttpError } from './paths.ts'

export interface MessageInfo {
  /** The message id; a forged or spam copy (an adversary's, with a genuine message's id) gets ` (forged)` or ` (spam)` after it. */
  id: string
  /** `genuine`, `forged`, `spam` or `unknown` (deliveries.csv's `copy`; runs from before it was written are all genuine). */
  copy: string
  publisher: string
  publishedAtMs: number
  /** Distinct nodes that received a first copy. */
  receivers: number
  duplicates: number
  /** Earliest receipt. */
  firstAtMs: number
  /** Latest receipt (first copy or duplicate). */
  lastAtMs: number
  /** Latest first receipt, i.e. when the last receiver was reached. */
  lastFirstAtMs: number
}

export interface DeliveryRow {
  node: string
  from: string | null
  receivedAtMs: number
  hops: number
  duplicate: boolean
}

/** Growable typed column, so no intermediate JS arrays of millions of numbers are built. */
class Column<T extends Int32Array | Float64Array | Uint16Array | Uint8Array> {
  length = 0
  constructor(private data: T, private readonly make: (n: number) => T) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.length++] = v
  }
  done(): T { return this.data.subarray(0, this.length) as T }
}

export class DeliveryIndex {
  readonly nodeIds: string[] = []
  readonly nodeIndex = new Map<string, number>()
  readonly messages: MessageInfo[] = []
  readonly messageIndex = new Map<string, number>()
  meta: Record<string, string> = {}
  rowCount = 0
  // Columns, one entry per row, in file order.
  msg!: Int32Array
  node!: Int32Array
  from!: Int32Array
  at!: Float64Array
  hops!: Uint16Array
  dup!: Uint8Array
  /** Row numbers grouped by message: rows of message m are order[start[m]..start[m+1]). */
  order!: Int32Array
  start!: Int32Array
  private nodeStatsCache: NodeStats | null = null

  nodeId(name: string): number {
    let i = this.nodeIndex.get(name)
    if (i === undefined) { i = this.nodeIds.length; this.nodeIds.push(name); this.nodeIndex.set(name, i) }
    return i
  }

  receipts(messageId: string): DeliveryRow[] | null {
    const m = this.messageIndex.get(messageId)
    if (m === undefined) return null
    const out: DeliveryRow[] = []
    for (let k = this.start[m]; k < this.start[m + 1]; k++) {
      const r = this.order[k]
      out.push({ node: this.nodeIds[this.node[r]], from: this.from[r] >= 0 ? this.nodeIds[this.from[r]] : null, receivedAtMs: this.at[r], hops: this.hops[r], duplicate: this.dup[r] === 1 })
    }
    return out
  }

  /** First-receipt latencies (receivedAt - publishedAt), sorted ascending. */
  firstLatencies(): Float64Array {
    const out = new Float64Array(this.rowCount)
    let n = 0
    for (let r = 0; r < this.rowCount; r++) {
      const message = this.messages[this.msg[r]]
      if (this.dup[r] === 0 && message.copy === 'genuine') out[n++] = this.at[r] - message.publishedAtMs
    }
    return out.subarray(0, n).sort()
  }

  nodeStats(): NodeStats {
    return (this.nodeStatsCache ??= computeNodeStats(this))
  }
}

export interface NodeStats {
  nodes: string[]
  firstReceipts: Int32Array
  duplicates: Int32Array
  /** Copies this node sent that arrived somewhere (rows with from = node). */
  copiesSent: Int32Array
  /** Distinct messages this node forwarded to at least one neighbour. */
  messagesRelayed: Int32Array
  latencyMeanMs: Float64Array
  latencyMaxMs: Float64Array
  /** Earliest first receipt: when data first reached the node. */
  firstDataAtMs: Float64Array
}

function computeNodeStats(ix: DeliveryIndex): NodeStats {
  const n = ix.nodeIds.length
  const s: NodeStats = {
    nodes: ix.nodeIds, firstReceipts: new Int32Array(n), duplicates: new Int32Array(n), copiesSent: new Int32Array(n),
    messagesRelayed: new Int32Array(n), latencyMeanMs: new Float64Array(n), latencyMaxMs: new Float64Array(n),
    firstDataAtMs: new Float64Array(n).fill(Infinity),
  }
  const stamp = new Int32Array(n).fill(-1) // last message each node was counted as relaying
  for (let m = 0; m < ix.messages.length; m++) {
    const pub = ix.messages[m].publishedAtMs
    for (let k = ix.start[m]; k < ix.start[m + 1]; k++) {
      const r = ix.order[k], v = ix.node[r], f = ix.from[r]
      if (ix.dup[r]) s.duplicates[v]++
      else {
        s.firstReceipts[v]++
        const l = ix.at[r] - pub
        s.latencyMeanMs[v] += l
        if (l > s.latencyMaxMs[v]) s.latencyMaxMs[v] = l
        if (ix.at[r] < s.firstDataAtMs[v]) s.firstDataAtMs[v] = ix.at[r]
      }
      if (f >= 0) {
        s.copiesSent[f]++
        if (stamp[f] !== m) { stamp[f] = m; s.messagesRelayed[f]++ }
      }
    }
  }
  for (let v = 0; v < n; v++) if (s.firstReceipts[v] > 0) s.latencyMeanMs[v] /= s.firstReceipts[v]
  return s
}

const REQUIRED = ['messageId', 'publisher', 'publishedAtMs', 'node', 'receivedAtMs', 'hops', 'from', 'duplicate']

export async function buildDeliveryIndex(path: string): Promise<DeliveryIndex> {
  const ix = new DeliveryIndex()
  const msg = new Column(new Int32Array(1 << 16), (n) => new Int32Array(n))
  const node = new Column(new Int32Array(1 << 16), (n) => new Int32Array(n))
  const from = new Column(new Int32Array(1 << 16), (n) => new Int32Array(n))
  const at = new Column(new Float64Array(1 << 16), (n) => new Float64Array(n))
  const hops = new Column(new Uint16Array(1 << 16), (n) => new Uint16Array(n))
  const dup = new Column(new Uint8Array(1 << 16), (n) => new Uint8Array(n))
  let col: Record<string, number> = {}
  let bad = 0
  ix.meta = await streamCsv(
    path,
    (header) => {
      col = Object.fromEntries(header.map((h, i) => [h.trim(), i]))
      const missing = REQUIRED.filter((h) => col[h] === undefined)
      if (missing.length) throw new HttpError(500, `deliveries.csv lacks columns: ${missing.join(', ')}`)
    },
    (line) => {
      const c = line.includes('"') ? splitCsvLine(line) : line.split(',')
      const messageId = c[col.messageId]
      const receivedAt = Number(c[col.receivedAtMs])
      if (!messageId || !Number.isFinite(receivedAt)) { bad++; return }
      const copy = col.copy === undefined ? 'genuine' : (c[col.copy] || 'genuine')
      // A forgery carries the genuine message's id: kept apart, so a replay shows one or the other.
      const id = copy === 'genuine' ? messageId : `${messageId} (${copy})`
      let m = ix.messageIndex.get(id)
      if (m === undefined) {
        m = ix.messages.length
        ix.messageIndex.set(id, m)
        ix.messages.push({ id, copy, publisher: c[col.publisher], publishedAtMs: c[col.publishedAtMs] === '' ? NaN : Number(c[col.publishedAtMs]), receivers: 0, duplicates: 0, firstAtMs: receivedAt, lastAtMs: receivedAt, lastFirstAtMs: -Infinity })
      }
      const info = ix.messages[m]
      const isDup = c[col.duplicate] === '1' || c[col.duplicate] === 'true'
      if (isDup) info.duplicates++
      else { info.receivers++; if (receivedAt > info.lastFirstAtMs) info.lastFirstAtMs = receivedAt }
      if (receivedAt > info.lastAtMs) info.lastAtMs = receivedAt
      if (receivedAt < info.firstAtMs) info.firstAtMs = receivedAt
      const f = c[col.from]
      msg.push(m)
      node.push(ix.nodeId(c[col.node]))
      from.push(f ? ix.nodeId(f) : -1)
      at.push(receivedAt)
      hops.push(Math.min(65535, Number(c[col.hops]) || 0))
      dup.push(isDup ? 1 : 0)
    }
  )
  ix.msg = msg.done(); ix.node = node.done(); ix.from = from.done(); ix.at = at.done(); ix.hops = hops.done(); ix.dup = dup.done()
  ix.rowCount = ix.msg.length
  for (const p of ix.messages) ix.nodeId(p.publisher) // publishers appear in the node table too
  // Nobody published a forgery: its replay starts at its first receipt.
  for (const p of ix.messages) if (!Number.isFinite(p.publishedAtMs)) p.publishedAtMs = p.firstAtMs
  if (bad) ix.meta.skippedRows = String(bad)
  // Counting sort of rows by message keeps per-message lookups O(receipts).
  const M = ix.messages.length
  ix.start = new Int32Array(M + 1)
  for (let r = 0; r < ix.rowCount; r++) ix.start[ix.msg[r] + 1]++
  for (let m = 0; m < M; m++) ix.start[m + 1] += ix.start[m]
  const fill = ix.start.slice(0, M)
  ix.order = new Int32Array(ix.rowCount)
  for (let r = 0; r < ix.rowCount; r++) ix.order[fill[ix.msg[r]]++] = r
  return ix
}

/** A few indexes stay in memory; older ones are dropped (least recently used first). */
const MAX_CACHED = 3
const cache = new Map<string, { version: string; index: Promise<DeliveryIndex> }>()

/** The cached index of `<runDir>/deliveries.csv`, or null when the run recorded no deliveries. */
export async function deliveryIndex(runDir: string): Promise<DeliveryIndex | null> {
  const path = join(runDir, 'deliveries.csv')
  let version: string
  try {
    const st = await stat(path)
    version = `${st.size}:${st.mtimeMs}`
  } catch {
    return null
  }
  const hit = cache.get(path)
  if (hit && hit.version === version) {
    cache.delete(path); cache.set(path, hit) // mark as recently used
    return hit.index
  }
  const index = buildDeliveryIndex(path)
  cache.set(path, { version, index })
  index.catch(() => cache.delete(path)) // a failed build is retried next time
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!)
  return index
}
