// A live storage node's messages in SQLite (better-sqlite3): core's MessageStore interface
// (core/storage/message-store.ts), so core's StorageNode answers resends from it exactly as the
// simulator's in-memory store would (test/message-store.test.ts runs both on the same cases).
//
// Acknowledged means committed. add() inserts into an open transaction, which commits when it
// holds batchMessages messages or batchDelayMs after its first insert, whichever comes first, and
// before every query. A message counts as stored (stats.committed, the storage node's stats line,
// GET /storage) only once its transaction has committed, and a resend can only return committed
// messages, so whatever the node ever reported or sent survives a kill -9 of the process: the
// write-ahead log is on, and SQLite replays a committed WAL on the next open. What was received
// but not yet committed (at most batchMessages messages, at most batchDelayMs old) is lost with
// the process; it was never acknowledged. With synchronous "full" (the default) a commit is also
// on disk before it counts, so it survives a power loss; "normal" survives a crash of the process
// but not of the machine, and saves an fsync per commit.
//
// Retention: messages stored more than maxAgeMs ago, and the oldest beyond maxBytes of encoded
// messages, are deleted in the transaction of the next commit (and when the file is opened).
// Storage time decides, not the publisher's timestamp, and insertion order (the rowid) gives the
// oldest, so eviction reads only the rows it deletes. Freed pages are reused, so the file stays
// near its high-water mark; with the two indexes it is about twice maxBytes (README, "Storage node").
//
// Order: SQL sorts ids by their UTF-8 bytes, JavaScript by UTF-16 code units; the two differ only
// for characters beyond U+FFFF against U+E000..U+FFFF. Publisher ids are hex addresses, and every
// answer is re-sorted with compareStoredMessages, so only which message a limit cuts at a tie of
// (timestamp, sequence number) between such chain ids could differ from the in-memory store.

import Database from 'better-sqlite3'
import type { StreamMessage } from '../../core/message.ts'
import { type CodecOptions, createCodecOptions, decodeStreamMessage, encodeStreamMessage } from '../../core/message-layer/codec.ts'
import {
  DEFAULT_MAX_MESSAGES_PER_RESPONSE, type MessageStore, type QueryResult, compareStoredMessages,
} from '../../core/storage/message-store.ts'
import type { ResendFilter, ResendQuery } from '../../core/storage/storage-messages.ts'
import { realClock } from '../real-time.ts'

/** Ours: a week of messages, enough for a subscriber back from a long absence. */
export const DEFAULT_RETENTION_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000
/** Ours: 1 GiB of encoded messages (about 3.5 M messages of 64-byte content); the file is about twice that. */
export const DEFAULT_RETENTION_MAX_BYTES = 1024 * 1024 * 1024
/** Ours: inserts per transaction at most; past about 1,000 a larger batch adds little throughput. */
export const DEFAULT_BATCH_MESSAGES = 1_000
/** Ours: the longest a received message waits to be committed (acknowledged). */
export const DEFAULT_BATCH_DELAY_MS = 10
/** The layout of the file; another version is refused rather than misread. */
export const SCHEMA_VERSION = 1
/** Bounds the write-ahead log after a checkpoint. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024

export type SynchronousMode = 'full' | 'normal'

export interface SqliteMessageStoreOptions {
  /** The database file, created if absent. */
  path: string
  maxMessagesPerResponse: number
  /** Messages stored longer ago than this are deleted. */
  maxAgeMs: number
  /** Encoded bytes of all messages at most; the oldest go first. */
  maxBytes: number
  batchMessages: number
  batchDelayMs: number
  synchronous: SynchronousMode
  /** Epoch ms of storage times (tests move it). */
  now: () => number
}

export const DEFAULT_SQLITE_MESSAGE_STORE_OPTIONS: Readonly<Omit<SqliteMessageStoreOptions, 'path'>> = {
  maxMessagesPerResponse: DEFAULT_MAX_MESSAGES_PER_RESPONSE,
  maxAgeMs: DEFAULT_RETENTION_MAX_AGE_MS,
  maxBytes: DEFAULT_RETENTION_MAX_BYTES,
  batchMessages: DEFAULT_BATCH_MESSAGES,
  batchDelayMs: DEFAULT_BATCH_DELAY_MS,
  synchronous: 'full',
  now: realClock.now,
}

export function createSqliteMessageStoreOptions(options: Partial<SqliteMessageStoreOptions> & { path: string }): SqliteMessageStoreOptions {
  const o = { ...DEFAULT_SQLITE_MESSAGE_STORE_OPTIONS, ...options }
  for (const key of ['maxMessagesPerResponse', 'batchMessages'] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 1) throw new RangeError(`${key} must be an integer >= 1, got ${o[key]}`)
  }
  for (const key of ['maxAgeMs', 'maxBytes', 'batchDelayMs'] as const) {
    if (!(o[key] >= 0) || !Number.isFinite(o[key])) throw new RangeError(`${key} must be a finite number >= 0, got ${o[key]}`)
  }
  if (o.synchronous !== 'full' && o.synchronous !== 'normal') throw new RangeError(`synchronous must be "full" or "normal", got ${String(o.synchronous)}`)
  if (typeof o.path !== 'string' || o.path.length === 0) throw new RangeError('path must name the database file')
  return o
}

/** Counters for the stats line and GET /storage; committed and evicted only grow. */
export interface SqliteMessageStoreStats {
  /** Messages committed since the file was opened: acknowledged. */
  committed: number
  /** Received and inserted, not yet committed. */
  pending: number
  /** Committed messages in the file now. */
  messages: number
  /** Their encoded bytes (retention's measure). */
  bytes: number
  commits: number
  evictedByAge: number
  evictedBySize: number
  /** Rows whose bytes no longer decode (a damaged file): skipped in answers. */
  unreadable: number
}

const SCHEMA = `
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,   -- insertion order: retention deletes from the low end
    stream_part TEXT NOT NULL,
    publisher TEXT NOT NULL,
    chain TEXT NOT NULL,
    ts INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    stored_at INTEGER NOT NULL,
    size INTEGER NOT NULL,
    body BLOB NOT NULL        -- the message layer's encoding (core/message-layer/codec.ts)
  );
  -- One message per chain and (timestamp, sequence number); per-chain queries.
  CREATE UNIQUE INDEX messages_by_chain ON messages (stream_part, publisher, chain, ts, seq);
  -- Queries across a stream part's chains, in answer order.
  CREATE INDEX messages_by_time ON messages (stream_part, ts, seq, publisher, chain);
`

/** Bounds for `from` queries and ranges: no stored number is above them. */
const NO_END = Number.MAX_SAFE_INTEGER

interface Bounds {
  fromTs: number
  fromSeq: number
  toTs: number
  toSeq: number
}

export class SqliteMessageStore implements MessageStore {
  readonly options: SqliteMessageStoreOptions
  private readonly db: Database.Database
  private readonly codec: CodecOptions = createCodecOptions()
  private readonly counts: SqliteMessageStoreStats = {
    committed: 0, pending: 0, messages: 0, bytes: 0, commits: 0, evictedByAge: 0, evictedBySize: 0, unreadable: 0,
  }
  /** What the open transaction adds, applied to the counts once it commits. */
  private pendingBytes = 0
  private pendingEvicted = { age: 0, size: 0, rows: 0, bytes: 0 }
  private timer: ReturnType<typeof setTimeout> | undefined
  private closed = false
  private readonly statements: ReturnType<typeof prepare>

  constructor(options: Partial<SqliteMessageStoreOptions> & { path: string }) {
    this.options = createSqliteMessageStoreOptions(options)
    this.db = new Database(this.options.path)
    try {
      this.setUp()
      this.statements = prepare(this.db)
      const totals = this.db.prepare('SELECT count(*) AS n, total(size) AS bytes FROM messages').get() as { n: number; bytes: number }
      this.counts.messages = totals.n
      this.counts.bytes = totals.bytes
      // A store reopened with tighter retention (or after a long stop) sheds what it no longer keeps.
      this.statements.begin.run()
      this.evict()
      this.commit()
    } catch (error) {
      this.db.close()
      throw error
    }
  }

  get stats(): Readonly<SqliteMessageStoreStats> {
    return this.counts
  }

  add(message: StreamMessage): boolean {
    if (this.closed) throw new Error('the message store is closed')
    // Throws for a message the wire could not carry either (unsigned, oversize): a bug of the caller.
    const body = encodeStreamMessage(message, this.codec)
    if (!this.db.inTransaction) {
      this.statements.begin.run()
      this.timer = setTimeout(() => this.flush(), this.options.batchDelayMs)
      this.timer.unref?.()
    }
    const id = message.messageId
    const inserted = this.statements.insert.run(
      message.streamPartId, id.publisherId, id.msgChainId, id.timestamp, id.sequenceNumber, Math.floor(this.options.now()), body.byteLength, body,
    ).changes > 0
    if (!inserted) return false
    this.counts.pending++
    this.pendingBytes += body.byteLength
    if (this.counts.pending >= this.options.batchMessages) this.flush()
    return true
  }

  /** Commits what was added so far: from now on it is acknowledged. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.closed || !this.db.inTransaction) return
    this.evict()
    this.commit()
  }

  query(streamPartId: string, query: ResendQuery, filter: ResendFilter = {}): QueryResult {
    if (this.closed) throw new Error('the message store is closed')
    // Answers hold committed messages only, and every one received before the request.
    this.flush()
    const limit = this.options.maxMessagesPerResponse
    const chains = filter.publisherId === undefined ? undefined
      : filter.msgChainId !== undefined ? [filter.msgChainId] : this.chainsOf(streamPartId, filter.publisherId)
    if (query.type === 'last') {
      const count = Math.max(0, query.count)
      const want = Math.min(count, limit)
      // One row past the limit tells whether more matched, without counting them.
      const fetch = count > limit ? limit + 1 : want
      const rows = chains === undefined
        ? this.statements.lastOfPart.all({ sp: streamPartId, chain: filter.msgChainId ?? null, limit: fetch }) as Row[]
        : chains.flatMap((chain) => this.statements.lastOfChain.all(streamPartId, filter.publisherId, chain, fetch) as Row[])
      const all = this.decode(rows).sort(compareStoredMessages)
      return { messages: all.slice(Math.max(0, all.length - want)), truncated: count > limit && all.length > limit }
    }
    const b: Bounds = query.type === 'from'
      ? { fromTs: query.fromTimestamp, fromSeq: 0, toTs: NO_END, toSeq: NO_END }
      : { fromTs: query.from.timestamp, fromSeq: query.from.sequenceNumber, toTs: query.to.timestamp, toSeq: query.to.sequenceNumber }
    const rows = chains === undefined
      ? this.statements.betweenOfPart.all({ ...b, sp: streamPartId, chain: filter.msgChainId ?? null, limit: limit + 1 }) as Row[]
      : chains.flatMap((chain) => this.statements.betweenOfChain.all({ ...b, sp: streamPartId, publisher: filter.publisherId, chain, limit: limit + 1 }) as Row[])
    const all = this.decode(rows).sort(compareStoredMessages)
    return { messages: all.length > limit ? all.slice(0, limit) : all, truncated: all.length > limit }
  }

  /** Commits what is pending and closes the file. */
  close(): void {
    if (this.closed) return
    this.flush()
    this.closed = true
    this.db.close()
  }

  /** The chain ids of a publisher in a part, one index seek each (a skip scan). */
  private chainsOf(streamPartId: string, publisherId: string): string[] {
    return (this.statements.chainsOf.all({ sp: streamPartId, publisher: publisherId }) as { chain: string }[]).map((r) => r.chain)
  }

  private decode(rows: Row[]): StreamMessage[] {
    const out: StreamMessage[] = []
    for (const row of rows) {
      const decoded = decodeStreamMessage(row.body, this.codec)
      if (decoded.ok) out.push(decoded.message)
      else this.counts.unreadable++
    }
    return out
  }

  /** Inside the open transaction: deletes the oldest rows past the age or beyond the size bound. */
  private evict(): void {
    const ageCutoff = this.options.now() - this.options.maxAgeMs
    let excess = this.counts.bytes + this.pendingBytes - this.pendingEvicted.bytes - this.options.maxBytes
    let lastId: number | undefined
    const e = this.pendingEvicted
    for (const row of this.statements.oldest.iterate() as IterableIterator<{ id: number; stored_at: number; size: number }>) {
      const old = row.stored_at < ageCutoff
      if (!old && excess <= 0) break
      lastId = row.id
      excess -= row.size
      e.rows++
      e.bytes += row.size
      if (old) e.age++
      else e.size++
    }
    if (lastId !== undefined) this.statements.deleteUpTo.run(lastId)
  }

  private commit(): void {
    this.statements.commit.run()
    const c = this.counts
    const e = this.pendingEvicted
    c.committed += c.pending
    c.messages += c.pending - e.rows
    c.bytes += this.pendingBytes - e.bytes
    c.evictedByAge += e.age
    c.evictedBySize += e.size
    c.commits++
    c.pending = 0
    this.pendingBytes = 0
    this.pendingEvicted = { age: 0, size: 0, rows: 0, bytes: 0 }
  }

  private setUp(): void {
    const db = this.db
    const mode = db.pragma('journal_mode = WAL', { simple: true })
    if (mode !== 'wal') throw new Error(`${this.options.path}: cannot turn the write-ahead log on (journal_mode is ${String(mode)})`)
    db.pragma(`synchronous = ${this.options.synchronous.toUpperCase()}`)
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`)
    const version = db.pragma('user_version', { simple: true }) as number
    if (version === 0) {
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }
      if (tables.n > 0) throw new Error(`${this.options.path}: not a storage node's database (it has other tables and no schema version)`)
      db.transaction(() => {
        db.exec(SCHEMA)
        db.pragma(`user_version = ${SCHEMA_VERSION}`)
      })()
    } else if (version !== SCHEMA_VERSION) {
      throw new Error(`${this.options.path}: schema version ${version}, this storage node reads version ${SCHEMA_VERSION}`)
    }
  }
}

interface Row {
  body: Buffer
}

function prepare(db: Database.Database) {
  const range = 'ts >= @fromTs AND ts <= @toTs AND (ts > @fromTs OR seq >= @fromSeq) AND (ts < @toTs OR seq <= @toSeq)'
  return {
    begin: db.prepare('BEGIN'),
    commit: db.prepare('COMMIT'),
    insert: db.prepare(`INSERT OR IGNORE INTO messages (stream_part, publisher, chain, ts, seq, stored_at, size, body)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    lastOfPart: db.prepare(`SELECT body FROM messages WHERE stream_part = @sp AND (@chain IS NULL OR chain = @chain)
      ORDER BY ts DESC, seq DESC, publisher DESC, chain DESC LIMIT @limit`),
    lastOfChain: db.prepare(`SELECT body FROM messages WHERE stream_part = ? AND publisher = ? AND chain = ?
      ORDER BY ts DESC, seq DESC LIMIT ?`),
    betweenOfPart: db.prepare(`SELECT body FROM messages WHERE stream_part = @sp AND (@chain IS NULL OR chain = @chain) AND ${range}
      ORDER BY ts, seq, publisher, chain LIMIT @limit`),
    betweenOfChain: db.prepare(`SELECT body FROM messages WHERE stream_part = @sp AND publisher = @publisher AND chain = @chain AND ${range}
      ORDER BY ts, seq LIMIT @limit`),
    chainsOf: db.prepare(`WITH RECURSIVE c(chain) AS (
        SELECT min(chain) FROM messages WHERE stream_part = @sp AND publisher = @publisher
        UNION ALL
        SELECT (SELECT min(chain) FROM messages WHERE stream_part = @sp AND publisher = @publisher AND chain > c.chain) FROM c WHERE c.chain IS NOT NULL
      ) SELECT chain FROM c WHERE chain IS NOT NULL`),
    oldest: db.prepare('SELECT id, stored_at, size FROM messages ORDER BY id'),
    deleteUpTo: db.prepare('DELETE FROM messages WHERE id <= ?'),
  }
}
