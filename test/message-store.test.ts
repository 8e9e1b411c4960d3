// Both MessageStore implementations on the same cases: the simulator's in-memory store and a live
// storage node's SQLite store answer every resend query (last N, from a timestamp, a range; per
// publisher, per chain) with the same messages, in the same order, truncated by the same rule.
// Then what only the SQLite store has: acknowledged means committed and survives reopening,
// retention by age and by size, a file of another schema refused.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  CONTENT_TYPE_BINARY, ENCRYPTION_NONE, MESSAGE_TYPE_CONTENT, SIGNATURE_TYPE_SECP256K1, type StreamMessage, streamMessageOf,
} from '../core/message.ts'
import { InMemoryMessageStore } from '../core/storage/in-memory-message-store.ts'
import type { MessageStore, QueryResult } from '../core/storage/message-store.ts'
import type { ResendFilter, ResendQuery } from '../core/storage/storage-messages.ts'
import { createRandom } from '../sim/engine/random.ts'
import { SqliteMessageStore, type SqliteMessageStoreOptions } from '../live/storage/sqlite-message-store.ts'

const SP = 's#0'
const P1 = '0x1111111111111111111111111111111111111111'
const P2 = '0x2222222222222222222222222222222222222222'
const P3 = '0x0000000000000000000000000000000000000003'

/** The SQLite store keeps what the wire carries: a signature of the right shape (not checked by a store). */
const SIGNATURE = new Uint8Array(65).fill(7)
SIGNATURE[64] = 27

function msg(publisherId: string, chain: string, ts: number, seq: number, part = 0, bytes = 8): StreamMessage {
  return streamMessageOf({
    messageId: { streamId: 's', streamPartition: part, timestamp: ts, sequenceNumber: seq, publisherId, msgChainId: chain },
    prevMsgRef: null, messageType: MESSAGE_TYPE_CONTENT, contentType: CONTENT_TYPE_BINARY, encryptionType: ENCRYPTION_NONE,
    groupKeyId: null, newGroupKey: null, content: new Uint8Array(bytes).fill(ts % 256), signatureType: SIGNATURE_TYPE_SECP256K1, signature: SIGNATURE,
  })
}

const key = (m: StreamMessage) => `${m.messageId.publisherId.slice(-1)}/${m.messageId.msgChainId}@${m.messageId.timestamp}.${m.messageId.sequenceNumber}`
const shown = (r: QueryResult) => ({ keys: r.messages.map(key), truncated: r.truncated })

let dir = ''
const opened: SqliteMessageStore[] = []

function sqlite(options: Partial<SqliteMessageStoreOptions> = {}, file = `${opened.length}.db`): SqliteMessageStore {
  const s = new SqliteMessageStore({ path: join(dir, file), ...options })
  opened.push(s)
  return s
}

interface Impl {
  name: string
  make(maxMessagesPerResponse: number): MessageStore
}

const IMPLS: Impl[] = [
  { name: 'in memory', make: (max) => new InMemoryMessageStore({ maxMessagesPerChain: 1_000_000, maxMessagesPerResponse: max }) },
  { name: 'sqlite', make: (max) => sqlite({ maxMessagesPerResponse: max, batchMessages: 7 }) },
]

/** Three publishers, four chains, ties of (timestamp, sequence number) across chains, and messages that come late. */
const FIXTURE: StreamMessage[] = [
  msg(P1, 'a', 10, 0), msg(P1, 'a', 10, 1), msg(P1, 'a', 20, 0), msg(P1, 'b', 10, 0), msg(P2, 'a', 10, 1),
  msg(P2, 'a', 15, 0), msg(P3, 'z', 20, 0), msg(P1, 'a', 30, 0), msg(P1, 'b', 25, 0), msg(P2, 'a', 30, 0),
  msg(P1, 'a', 15, 0), msg(P3, 'z', 5, 0), msg(P1, 'a', 40, 2), msg(P2, 'a', 40, 2), msg(P1, 'b', 40, 2),
  msg(P1, 'a', 20, 0, 1), // another partition: never in the answers
]

const CASES: [string, ResendQuery, ResendFilter][] = [
  ['last 3', { type: 'last', count: 3 }, {}],
  ['last 0', { type: 'last', count: 0 }, {}],
  ['last 100', { type: 'last', count: 100 }, {}],
  ['last 4 of P1', { type: 'last', count: 4 }, { publisherId: P1 }],
  ['last 2 of P1/b', { type: 'last', count: 2 }, { publisherId: P1, msgChainId: 'b' }],
  ['last 3 of chains "a"', { type: 'last', count: 3 }, { msgChainId: 'a' }],
  ['from 15', { type: 'from', fromTimestamp: 15 }, {}],
  ['from 14.5', { type: 'from', fromTimestamp: 14.5 }, {}],
  ['from 0 of P2', { type: 'from', fromTimestamp: 0 }, { publisherId: P2 }],
  ['range 10.1 .. 30.0', { type: 'range', from: { timestamp: 10, sequenceNumber: 1 }, to: { timestamp: 30, sequenceNumber: 0 } }, {}],
  ['range of P1/a', { type: 'range', from: { timestamp: 10, sequenceNumber: 1 }, to: { timestamp: 40, sequenceNumber: 1 } }, { publisherId: P1, msgChainId: 'a' }],
  ['range of P1', { type: 'range', from: { timestamp: 0, sequenceNumber: 0 }, to: { timestamp: 25, sequenceNumber: 0 } }, { publisherId: P1 }],
  ['empty range', { type: 'range', from: { timestamp: 41, sequenceNumber: 0 }, to: { timestamp: 50, sequenceNumber: 0 } }, {}],
  ['unknown publisher', { type: 'last', count: 5 }, { publisherId: '0x9999999999999999999999999999999999999999' }],
]

const shared = suite('message stores answer alike')

shared.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'brtc-store-'))
})
shared.after(() => {
  for (const s of opened.splice(0)) s.close()
  rmSync(dir, { recursive: true, force: true })
})

shared('the fixture: every case, exact answers, the same from both stores', () => {
  const answers = IMPLS.map((impl) => {
    const store = impl.make(1_000)
    for (const m of FIXTURE) assert.ok(store.add(m), `${impl.name} stores ${key(m)}`)
    for (const m of FIXTURE.slice(0, 5)) assert.not.ok(store.add(m), `${impl.name} refuses a second ${key(m)}`)
    return CASES.map(([name, q, f]) => [name, shown(store.query(SP, q, f))])
  })
  assert.equal(answers[1], answers[0])
  const of = (name: string) => (answers[0].find(([n]) => n === name)![1] as ReturnType<typeof shown>).keys
  assert.equal(of('last 3'), ['1/a@40.2', '1/b@40.2', '2/a@40.2'])
  assert.equal(of('last 0'), [])
  assert.equal(of('last 2 of P1/b'), ['1/b@25.0', '1/b@40.2'])
  assert.equal(of('from 14.5'), ['1/a@15.0', '2/a@15.0', '3/z@20.0', '1/a@20.0', '1/b@25.0', '1/a@30.0', '2/a@30.0', '1/a@40.2', '1/b@40.2', '2/a@40.2'])
  assert.equal(of('range 10.1 .. 30.0'), ['1/a@10.1', '2/a@10.1', '1/a@15.0', '2/a@15.0', '3/z@20.0', '1/a@20.0', '1/b@25.0', '1/a@30.0', '2/a@30.0'])
  assert.equal(of('range of P1'), ['1/a@10.0', '1/b@10.0', '1/a@10.1', '1/a@15.0', '1/a@20.0', '1/b@25.0'])
  assert.equal(of('unknown publisher'), [])
})

shared('truncation: last keeps the newest, from and range the oldest, truncated only when more matched', () => {
  const answers = IMPLS.map((impl) => {
    const store = impl.make(4)
    for (const m of FIXTURE) store.add(m)
    return [
      shown(store.query(SP, { type: 'last', count: 10 })),
      shown(store.query(SP, { type: 'last', count: 10 }, { publisherId: P1, msgChainId: 'b' })),
      shown(store.query(SP, { type: 'last', count: 10 }, { publisherId: P2 })),
      shown(store.query(SP, { type: 'last', count: 10 }, { publisherId: P1 })),
      shown(store.query(SP, { type: 'from', fromTimestamp: 0 })),
      shown(store.query(SP, { type: 'from', fromTimestamp: 0 }, { publisherId: P1 })),
      shown(store.query(SP, { type: 'range', from: { timestamp: 30, sequenceNumber: 0 }, to: { timestamp: 40, sequenceNumber: 2 } })),
      shown(store.query(SP, { type: 'last', count: 4 })),
    ]
  })
  assert.equal(answers[1], answers[0])
  const [last10, chainB, p2, p1, from0, fromP1, range, last4] = answers[0]
  assert.equal(last10, { keys: ['2/a@30.0', '1/a@40.2', '1/b@40.2', '2/a@40.2'], truncated: true })
  assert.equal(chainB, { keys: ['1/b@10.0', '1/b@25.0', '1/b@40.2'], truncated: false }, 'fewer matched than the limit')
  assert.equal(p2.truncated, false, 'P2 has exactly 4')
  assert.equal(p1, { keys: ['1/b@25.0', '1/a@30.0', '1/a@40.2', '1/b@40.2'], truncated: true })
  assert.equal(from0, { keys: ['3/z@5.0', '1/a@10.0', '1/b@10.0', '1/a@10.1'], truncated: true })
  assert.equal(fromP1.keys, ['1/a@10.0', '1/b@10.0', '1/a@10.1', '1/a@15.0'])
  assert.equal(range, { keys: ['1/a@30.0', '2/a@30.0', '1/a@40.2', '1/b@40.2'], truncated: true })
  assert.equal(last4.truncated, false, 'asked for no more than the limit')
})

shared('random stores and queries: both stores answer every one identically', () => {
  const random = createRandom(7, 'message-store-test')
  const int = (n: number) => Math.floor(random.next() * n)
  const publishers = [P1, P2, P3]
  const messages: StreamMessage[] = []
  for (let i = 0; i < 600; i++) {
    // Few distinct timestamps and sequence numbers: many ties across chains, and duplicates.
    messages.push(msg(publishers[int(3)], ['a', 'b', 'c'][int(3)], int(60), int(3), int(5) === 0 ? 1 : 0))
  }
  const stores = IMPLS.map((impl) => impl.make(25))
  const added = stores.map((store) => messages.map((m) => store.add(m)))
  assert.equal(added[1], added[0], 'the same duplicates refused')
  const queries: [ResendQuery, ResendFilter][] = []
  for (let i = 0; i < 300; i++) {
    const filter: ResendFilter = [{}, { publisherId: publishers[int(3)] }, { publisherId: publishers[int(3)], msgChainId: 'b' }, { msgChainId: 'c' }][int(4)]
    const a = { timestamp: int(62), sequenceNumber: int(4) }
    const b = { timestamp: int(62), sequenceNumber: int(4) }
    const [from, to] = a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.sequenceNumber <= b.sequenceNumber) ? [a, b] : [b, a]
    const query: ResendQuery = [
      { type: 'last' as const, count: int(40) },
      { type: 'from' as const, fromTimestamp: int(62) - 0.5 * int(2) },
      { type: 'range' as const, from, to },
    ][int(3)]
    queries.push([query, filter])
  }
  const answers = stores.map((store) => queries.map(([q, f]) => shown(store.query(SP, q, f))))
  for (let i = 0; i < queries.length; i++) assert.equal(answers[1][i], answers[0][i], `query ${JSON.stringify(queries[i])}`)
  assert.ok(answers[0].some((a) => a.truncated) && answers[0].some((a) => !a.truncated && a.keys.length > 0), 'the cases cover both')
})

shared.run()

// ---------------------------------------------------------------------------------------------

const durable = suite('sqlite message store')

durable.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'brtc-store-'))
})
durable.after(() => {
  for (const s of opened.splice(0)) s.close()
  rmSync(dir, { recursive: true, force: true })
})

durable('acknowledged means committed: counted at commit, and everything committed is there after reopening', () => {
  const s = sqlite({ batchMessages: 4, batchDelayMs: 60_000 }, 'ack.db')
  for (let i = 0; i < 6; i++) s.add(msg(P1, 'a', i, 0))
  assert.equal([s.stats.committed, s.stats.pending, s.stats.commits], [4, 2, 2], 'a full batch commits (the first commit is the open)')
  s.flush()
  assert.equal([s.stats.committed, s.stats.pending, s.stats.messages], [6, 0, 6])
  s.add(msg(P1, 'a', 6, 0))
  assert.is(s.query(SP, { type: 'last', count: 100 }).messages.length, 7, 'a query commits first, so it sees everything received')
  assert.is(s.stats.committed, 7)
  s.add(msg(P1, 'a', 7, 0))
  s.close()
  const again = sqlite({}, 'ack.db')
  assert.equal([again.stats.messages, again.stats.committed], [8, 0], 'close commits; a new process counts its own commits')
  assert.equal(again.query(SP, { type: 'from', fromTimestamp: 0 }).messages.map((m) => m.messageId.timestamp), [0, 1, 2, 3, 4, 5, 6, 7])
  assert.not.ok(again.add(msg(P1, 'a', 3, 0)), 'duplicates are refused across restarts')
})

durable('a message stays as it was stored, every field', () => {
  const s = sqlite({}, 'fields.db')
  const m = streamMessageOf({ ...msg(P2, 'x', 1_732_500_000_123, 4, 0, 300), prevMsgRef: { timestamp: 1_732_500_000_100, sequenceNumber: 0 } })
  s.add(m)
  const [back] = s.query(SP, { type: 'last', count: 1 }).messages
  assert.equal({ ...back, content: [...back.content], signature: [...back.signature] }, { ...m, content: [...m.content], signature: [...m.signature] })
})

durable('retention by age: what was stored longer ago than maxAgeMs goes at the next commit', () => {
  let now = 1_000_000
  const s = sqlite({ maxAgeMs: 5_000, now: () => now }, 'age.db')
  for (let i = 0; i < 5; i++) s.add(msg(P1, 'a', i, 0))
  s.flush()
  now += 3_000
  for (let i = 5; i < 8; i++) s.add(msg(P1, 'a', i, 0))
  s.flush()
  now += 2_500
  s.add(msg(P1, 'a', 8, 0))
  s.flush()
  assert.equal(s.query(SP, { type: 'from', fromTimestamp: 0 }).messages.map((m) => m.messageId.timestamp), [5, 6, 7, 8])
  assert.equal([s.stats.evictedByAge, s.stats.evictedBySize, s.stats.messages], [5, 0, 4])
  s.close()
  now += 10_000
  const reopened = sqlite({ maxAgeMs: 5_000, now: () => now }, 'age.db')
  assert.equal([reopened.stats.messages, reopened.stats.evictedByAge], [0, 4], 'opening sheds what expired meanwhile')
})

durable('retention by size: the oldest go first until the encoded messages fit maxBytes', () => {
  const probe = sqlite({}, 'probe.db')
  probe.add(msg(P1, 'a', 0, 0, 0, 100))
  probe.flush()
  const each = probe.stats.bytes
  const s = sqlite({ maxBytes: each * 10 + each / 2, batchMessages: 3 }, 'size.db')
  for (let i = 0; i < 25; i++) s.add(msg(i % 2 === 0 ? P1 : P2, 'a', 100 + i, 0, 0, 100))
  s.flush()
  assert.is(s.stats.messages, 10)
  assert.ok(s.stats.bytes <= each * 10.5)
  assert.is(s.stats.evictedBySize, 15)
  assert.equal(s.query(SP, { type: 'from', fromTimestamp: 0 }).messages.map((m) => m.messageId.timestamp), [115, 116, 117, 118, 119, 120, 121, 122, 123, 124])
})

durable('a file of another schema version or another program is refused, naming the file', () => {
  const s = sqlite({}, 'v.db')
  s.close()
  const db = new Database(join(dir, 'v.db'))
  db.pragma('user_version = 9')
  db.close()
  assert.throws(() => sqlite({}, 'v.db'), /v\.db: schema version 9/)
  const other = new Database(join(dir, 'other.db'))
  other.exec('CREATE TABLE t (x)')
  other.close()
  assert.throws(() => sqlite({}, 'other.db'), /other\.db: not a storage node's database/)
  assert.throws(() => sqlite({ maxAgeMs: -1 }, 'x.db'), /maxAgeMs/)
})

durable.run()
