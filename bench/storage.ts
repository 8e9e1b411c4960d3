// The storage group (`npm run bench -- --only storage [--storage-messages N] [--repeat N]`): the
// live storage node's SQLite store (live/storage/sqlite-message-store.ts) with its file on disk
// in a temp dir, as a storage node process runs it (defaults: WAL, synchronous full, batches of
// 1,000 inserts). Each run starts from an empty file:
//   - inserts/s: N messages from 10 publishers (one chain each, 64-byte content, one stream part)
//     through add(), from the first insert until the last is committed (encoding included; the
//     messages are made outside the timed part);
//   - resend latency at N stored, p50 and p99 of QUERIES queries each, at random places in the
//     history: last 100 (the part), from a timestamp 100 messages before the end (the part), and
//     a range of 100 messages of one publisher chain. Each query is a store.query() call as the
//     storage node makes it for a request: SQL, decoding, ordering; the network is not in it.
// The README quotes 1 M messages (the default of a full run); --quick runs 100 k.

import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CONTENT_TYPE_BINARY, ENCRYPTION_NONE, MESSAGE_TYPE_CONTENT, SIGNATURE_TYPE_SECP256K1, type StreamMessage, streamMessageOf,
} from '../core/message.ts'
import type { ResendFilter, ResendQuery } from '../core/storage/storage-messages.ts'
import { createRandom } from '../sim/engine/random.ts'
import { quantile } from '../sim/metrics/sample-buffer.ts'
import { formatTable } from '../sim/results/table.ts'
import { median } from '../live/scenario/calibration-report.ts'
import { SqliteMessageStore } from '../live/storage/sqlite-message-store.ts'
import { sig } from './report.ts'

export const STORAGE_BENCH_MESSAGES = 1_000_000
export const STORAGE_BENCH_QUICK_MESSAGES = 100_000
const PUBLISHERS = 10
const CONTENT_BYTES = 64
const QUERIES = 300
const ANSWER = 100
/** Messages made per step outside the timed inserts, so memory stays flat at any N. */
const CHUNK = 10_000

export interface StorageBenchOptions {
  messages: number
  repeat: number
}

export interface StorageRun {
  insertsPerSecond: number
  /** Encoded message bytes and the file with its indexes and log, at the end. */
  messageMb: number
  fileMb: number
  latencyMs: Record<QueryName, { p50: number; p99: number }>
}

type QueryName = 'last-100' | 'from-timestamp' | 'range'
const QUERY_NAMES: QueryName[] = ['last-100', 'from-timestamp', 'range']

export interface StorageBenchOutput {
  messages: number
  runs: StorageRun[]
  median: StorageRun
}

const SIGNATURE = new Uint8Array(65).fill(1)
SIGNATURE[64] = 27
const PUBLISHER_IDS = Array.from({ length: PUBLISHERS }, (_, i) => `0x${(i + 1).toString(16).padStart(40, 'a')}`)
const CHAIN_IDS = PUBLISHER_IDS.map((_, i) => `chain-${i}-${'x'.repeat(12)}`)
const T0 = 1_764_000_000_000

/** Message i: publisher i % 10, one ms after message i - 1 (so 100 messages are 100 ms). */
function message(i: number): StreamMessage {
  const p = i % PUBLISHERS
  return streamMessageOf({
    messageId: { streamId: '0x1234567890abcdef1234567890abcdef12345678/bench', streamPartition: 0, timestamp: T0 + i, sequenceNumber: 0, publisherId: PUBLISHER_IDS[p], msgChainId: CHAIN_IDS[p] },
    prevMsgRef: i < PUBLISHERS ? null : { timestamp: T0 + i - PUBLISHERS, sequenceNumber: 0 },
    messageType: MESSAGE_TYPE_CONTENT, contentType: CONTENT_TYPE_BINARY, encryptionType: ENCRYPTION_NONE, groupKeyId: null, newGroupKey: null,
    content: new Uint8Array(CONTENT_BYTES).fill(i & 0xff), signatureType: SIGNATURE_TYPE_SECP256K1, signature: SIGNATURE,
  })
}

function run(messages: number, runIndex: number): StorageRun {
  const dir = mkdtempSync(join(tmpdir(), 'brtc-storage-bench-'))
  const path = join(dir, 'bench.db')
  try {
    const store = new SqliteMessageStore({ path })
    let insertMs = 0
    for (let from = 0; from < messages; from += CHUNK) {
      const batch = Array.from({ length: Math.min(CHUNK, messages - from) }, (_, k) => message(from + k))
      const t = performance.now()
      for (const m of batch) store.add(m)
      if (from + CHUNK >= messages) store.flush()
      insertMs += performance.now() - t
    }
    if (store.stats.messages !== messages) throw new Error(`stored ${store.stats.messages} of ${messages}`)
    const random = createRandom(runIndex, 'storage-bench')
    const sp = '0x1234567890abcdef1234567890abcdef12345678/bench#0'
    const latencyMs = {} as StorageRun['latencyMs']
    for (const name of QUERY_NAMES) {
      const times: number[] = []
      for (let q = 0; q < QUERIES; q++) {
        // Somewhere in the history (range only; last and from are about the newest, as catch-ups are).
        const end = ANSWER * PUBLISHERS + Math.floor(random.next() * (messages - ANSWER * PUBLISHERS))
        let query: ResendQuery
        let filter: ResendFilter = {}
        if (name === 'last-100') {
          query = { type: 'last', count: ANSWER }
        } else if (name === 'from-timestamp') {
          query = { type: 'from', fromTimestamp: T0 + messages - ANSWER }
        } else {
          // The chain of message `end`: its 100 messages up to it, 10 ms apart.
          const p = end % PUBLISHERS
          query = { type: 'range', from: { timestamp: T0 + end - (ANSWER - 1) * PUBLISHERS, sequenceNumber: 0 }, to: { timestamp: T0 + end, sequenceNumber: 0 } }
          filter = { publisherId: PUBLISHER_IDS[p], msgChainId: CHAIN_IDS[p] }
        }
        const t = performance.now()
        const answer = store.query(sp, query, filter)
        times.push(performance.now() - t)
        if (answer.messages.length !== ANSWER) throw new Error(`${name}: ${answer.messages.length} messages, expected ${ANSWER}`)
      }
      times.sort((a, b) => a - b)
      latencyMs[name] = { p50: quantile(times, 0.5), p99: quantile(times, 0.99) }
    }
    const messageMb = store.stats.bytes / 1e6
    store.close()
    const fileMb = ['', '-wal', '-shm'].reduce((n, s) => n + (statSafe(path + s) / 1e6), 0)
    return { insertsPerSecond: messages / (insertMs / 1000), messageMb, fileMb, latencyMs }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function statSafe(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

export async function storageBench(options: StorageBenchOptions, log: (line: string) => void): Promise<StorageBenchOutput> {
  const runs: StorageRun[] = []
  for (let i = 0; i < options.repeat; i++) {
    log(`storage: run ${i + 1}/${options.repeat}, ${options.messages} messages ...`)
    runs.push(run(options.messages, i))
    await new Promise((resolve) => setImmediate(resolve))
  }
  const med = (f: (r: StorageRun) => number) => median(runs.map(f))
  const latencyMs = Object.fromEntries(QUERY_NAMES.map((n) => [n, { p50: med((r) => r.latencyMs[n].p50), p99: med((r) => r.latencyMs[n].p99) }])) as StorageRun['latencyMs']
  return {
    messages: options.messages, runs,
    median: { insertsPerSecond: med((r) => r.insertsPerSecond), messageMb: med((r) => r.messageMb), fileMb: med((r) => r.fileMb), latencyMs },
  }
}

export function formatStorage(out: StorageBenchOutput): string {
  const m = out.median
  const rows = [
    ['inserts/s (to committed)', sig(m.insertsPerSecond)],
    ...QUERY_NAMES.map((n) => [`${n} p50 / p99 ms`, `${m.latencyMs[n].p50.toFixed(3)} / ${m.latencyMs[n].p99.toFixed(3)}`]),
    ['encoded messages / file MB', `${m.messageMb.toFixed(0)} / ${m.fileMb.toFixed(0)}`],
  ]
  return [
    `storage: SQLite store on disk, ${out.messages} messages stored, median of ${out.runs.length} run(s); resend latency of ${QUERIES} queries per kind, ${ANSWER} messages each`,
    formatTable(['measure', 'value'], rows),
  ].join('\n')
}
