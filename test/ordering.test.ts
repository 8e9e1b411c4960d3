// Ordering and gap filling per publisher chain, on the simulator's clock and timers (no network).

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type MessageRef, type StreamMessage, createStreamMessage } from '../core/message.ts'
import {
  ADDED_DELIVERED, ADDED_DUPLICATE, ADDED_HELD, ADDED_INVALID, type ChainRange, NO_RESEND_SOURCE, type OrderingBuffer,
  type OrderingOptions, type ResendSource, createOrderingBuffer, createOrderingOptions,
} from '../core/ordering/index.ts'
import { createRandom } from '../sim/engine/random.ts'
import { Simulator } from '../sim/engine/simulator.ts'

/** n messages of one chain; two per millisecond, so sequence numbers matter too. */
function chain(n: number, publisherId = 'p', msgChainId = 'c', streamId = 's', startMs = 1_000): StreamMessage[] {
  const out: StreamMessage[] = []
  let prev: MessageRef | null = null
  for (let i = 0; i < n; i++) {
    const timestamp = startMs + Math.floor(i / 2) * 10
    const sequenceNumber = i % 2
    out.push(createStreamMessage({ streamId, streamPartition: 0, timestamp, sequenceNumber, publisherId, msgChainId }, prev, new Uint8Array([i & 255])))
    prev = { timestamp, sequenceNumber }
  }
  return out
}

function ref(m: StreamMessage): MessageRef {
  return { timestamp: m.messageId.timestamp, sequenceNumber: m.messageId.sequenceNumber }
}

function shuffled<T>(items: T[], seed: number): T[] {
  const random = createRandom(seed, 'shuffle')
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1))
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a
}

/**
 * Records requests with their times; answers them from `store` after `delayMs` if it has one,
 * then ends the request. Without a store a request ends unanswered after 5 s, as a storage
 * client's request times out.
 */
class FakeSource implements ResendSource {
  requests: { atMs: number; range: ChainRange }[] = []
  constructor(private readonly sim: Simulator, private readonly answer?: (range: ChainRange) => StreamMessage[], private readonly delayMs = 100) {}
  buffer!: OrderingBuffer
  requestRange(range: ChainRange, done?: () => void): void {
    this.requests.push({ atMs: this.sim.now(), range })
    if (this.answer === undefined) {
      if (done !== undefined) this.sim.setTimeout(done, 5_000)
      return
    }
    const messages = this.answer(range)
    const reply = () => {
      for (const m of messages) this.buffer.add(m)
      done?.()
    }
    if (this.delayMs === 0) reply()
    else this.sim.setTimeout(reply, this.delayMs)
  }
  /** Ordering itself never asks for catch-ups (subscribers do); a test that sees one fails. */
  requestFrom(streamPartId: string): void {
    throw new Error(`unexpected catch-up request for ${streamPartId}`)
  }
}

/** A source backed by the whole published chain, answering ranges inclusive as a storage node does. */
function storeOf(all: StreamMessage[]): (range: ChainRange) => StreamMessage[] {
  const cmp = (a: MessageRef, b: MessageRef) => a.timestamp !== b.timestamp ? a.timestamp - b.timestamp : a.sequenceNumber - b.sequenceNumber
  return (r) => all.filter((m) => m.messageId.msgChainId === r.msgChainId && cmp(ref(m), r.from) >= 0 && cmp(ref(m), r.to) <= 0)
}

interface Ctx {
  sim: Simulator
  out: StreamMessage[]
  make(options?: Partial<OrderingOptions>, source?: FakeSource): OrderingBuffer
}

function context(): Ctx {
  const sim = new Simulator()
  const out: StreamMessage[] = []
  return {
    sim, out,
    make(options = {}, source) {
      const buffer = createOrderingBuffer({ clock: sim, timers: sim }, source ?? NO_RESEND_SOURCE, (m) => out.push(m), options)
      if (source !== undefined) source.buffer = buffer
      return buffer
    },
  }
}

const ids = (ms: StreamMessage[]) => ms.map((m) => `${m.messageId.msgChainId}:${m.messageId.timestamp}.${m.messageId.sequenceNumber}`)

// ---------------------------------------------------------------------------------------------

const order = suite<Ctx>('ordering')
order.before.each((ctx) => { Object.assign(ctx, context()) })

order('shuffled input of several chains comes out complete and in chain order', (ctx) => {
  const chains = [chain(200, 'p1', 'a'), chain(150, 'p2', 'b'), chain(100, 'p1', 'c')]
  const buffer = ctx.make({ maxBufferedPerChain: 1_000 })
  // Each chain's first message goes first: a chain starts at its first receipt.
  for (const c of chains) buffer.add(c[0])
  for (const m of shuffled(chains.flatMap((c) => c.slice(1)), 7)) buffer.add(m)
  for (const c of chains) {
    const got = ctx.out.filter((m) => m.chainKey === c[0].chainKey)
    assert.equal(ids(got), ids(c))
  }
  assert.is(buffer.stats.delivered, 450)
  assert.is(buffer.heldCount, 0)
  assert.ok(buffer.stats.gapsDetected > 0, 'shuffling opened gaps')
  assert.is(buffer.stats.gapsFilled, buffer.stats.gapsDetected, 'every gap closed by arrivals')
  ctx.sim.run(Infinity)
  assert.is(buffer.stats.resendRequests, 0, 'gaps closed before the wait ran out')
})

order('the same chain id in two stream parts is two chains', (ctx) => {
  const a = chain(3, 'p', 'c', 's1')
  const b = chain(3, 'p', 'c', 's2')
  const buffer = ctx.make()
  for (const m of [a[0], b[0], b[2], a[1], b[1], a[2]]) buffer.add(m)
  assert.equal(ctx.out.map((m) => m.streamPartId), ['s1#0', 's2#0', 's1#0', 's2#0', 's2#0', 's1#0'])
})

order('duplicates, already delivered or already held, are ignored', (ctx) => {
  const c = chain(5)
  const buffer = ctx.make()
  assert.is(buffer.add(c[0]), ADDED_DELIVERED)
  assert.is(buffer.add(c[0]), ADDED_DUPLICATE)
  assert.is(buffer.add(c[3]), ADDED_HELD)
  assert.is(buffer.add(c[3]), ADDED_DUPLICATE)
  buffer.add(c[1])
  assert.is(buffer.add(c[1]), ADDED_DUPLICATE)
  buffer.add(c[2])
  buffer.add(c[4])
  assert.equal(ids(ctx.out), ids(c))
  assert.is(buffer.stats.duplicates, 3)
})

order('a message numbered not after its previous reference is invalid and dropped', (ctx) => {
  const c = chain(2)
  const forged = createStreamMessage({ ...c[1].messageId, timestamp: 5 }, { timestamp: 9, sequenceNumber: 0 }, new Uint8Array(1))
  const buffer = ctx.make()
  buffer.add(c[0])
  assert.is(buffer.add(forged), ADDED_INVALID)
  assert.is(buffer.stats.invalid, 1)
  assert.is(ctx.out.length, 1)
})

order("a chain's first receipt starts it; older messages are then stale", (ctx) => {
  const c = chain(6)
  const buffer = ctx.make()
  buffer.add(c[3])
  buffer.add(c[1])
  buffer.add(c[4])
  assert.equal(ids(ctx.out), ids([c[3], c[4]]))
  assert.is(buffer.stats.duplicates, 1)
  assert.is(buffer.stats.gapsDetected, 0)
})

order('a message without a previous reference is delivered once it is the earliest held', (ctx) => {
  const c = chain(3)
  const restart = createStreamMessage({ ...c[0].messageId, timestamp: 5_000, sequenceNumber: 0 }, null, new Uint8Array(1))
  const buffer = ctx.make()
  buffer.add(c[0])
  buffer.add(c[2])
  buffer.add(restart) // held behind c[2], which waits for c[1]
  assert.equal(ids(ctx.out), ids([c[0]]))
  buffer.add(c[1])
  assert.equal(ids(ctx.out), ids([c[0], c[1], c[2], restart]))
})

order.run()

// ---------------------------------------------------------------------------------------------

const gaps = suite<Ctx>('gap filling')
gaps.before.each((ctx) => { Object.assign(ctx, context()) })

gaps('light: waits 5 s, asks 5 times 5 s apart for (last, prev], then skips', (ctx) => {
  const c = chain(4)
  const source = new FakeSource(ctx.sim)
  const buffer = ctx.make({ gapMode: 'light' }, source)
  buffer.add(c[0])
  buffer.add(c[2])
  buffer.add(c[3])
  assert.is(buffer.stats.gapsDetected, 1)
  ctx.sim.run(4_999)
  assert.is(source.requests.length, 0, 'the missing message may still be in flight')
  ctx.sim.run(29_999)
  assert.equal(source.requests.map((r) => r.atMs), [5_000, 10_000, 15_000, 20_000, 25_000])
  assert.equal(source.requests[0].range, { streamPartId: 's#0', publisherId: 'p', msgChainId: 'c', from: ref(c[0]), to: ref(c[1]) })
  assert.equal(ids(ctx.out), ids([c[0]]))
  ctx.sim.run(Infinity)
  assert.is(ctx.sim.now(), 30_000, 'skipped one retry wait after the last request')
  assert.equal(ids(ctx.out), ids([c[0], c[2], c[3]]))
  assert.equal(
    { ...buffer.stats },
    { delivered: 3, duplicates: 0, invalid: 0, gapsDetected: 1, gapsFilled: 0, gapsSkipped: 1, gapsUnfillable: 1, resendRequests: 5, droppedOverflow: 0 })
  // The skipped message arriving late is stale.
  buffer.add(c[1])
  assert.is(buffer.stats.duplicates, 1)
})

gaps('light: an unfillable gap gives up later holes too, delivering everything held, each hole counted', (ctx) => {
  const c = chain(8)
  const source = new FakeSource(ctx.sim)
  const buffer = ctx.make({ gapMode: 'light' }, source)
  for (const m of [c[0], c[2], c[4], c[5], c[7]]) buffer.add(m) // holes before c[2], c[4], c[7]
  ctx.sim.run(Infinity)
  assert.is(ctx.sim.now(), 30_000, 'one stall, not one per hole')
  assert.equal(ids(ctx.out), ids([c[0], c[2], c[4], c[5], c[7]]))
  assert.equal([buffer.stats.gapsDetected, buffer.stats.gapsSkipped, buffer.stats.gapsUnfillable, buffer.stats.resendRequests], [3, 3, 1, 5])
  assert.equal(source.requests[0].range.to, ref(c[1]), 'only the open gap was asked for')
})

gaps('full: skips only the open gap once its last request is over; each later hole gets its own wait and requests', (ctx) => {
  const c = chain(8)
  const source = new FakeSource(ctx.sim)
  const buffer = ctx.make({ gapMode: 'full' }, source)
  for (const m of [c[0], c[2], c[4], c[5], c[7]]) buffer.add(m) // holes before c[2], c[4], c[7]
  ctx.sim.run(Infinity)
  // Hole 1: asked at 5..25 s, given up at 30 s when the last request timed out. Holes 2 and 3
  // waited long enough already: asked at once, 5 times each, 5 s apart.
  assert.equal(source.requests.map((r) => r.atMs), [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75].map((s) => s * 1000))
  assert.equal(source.requests.map((r) => r.range.to), [ref(c[1]), ref(c[1]), ref(c[1]), ref(c[1]), ref(c[1]), ref(c[3]), ref(c[3]), ref(c[3]), ref(c[3]), ref(c[3]), ref(c[6]), ref(c[6]), ref(c[6]), ref(c[6]), ref(c[6])])
  assert.is(ctx.sim.now(), 80_000, 'never waits forever')
  assert.equal(ids(ctx.out), ids([c[0], c[2], c[4], c[5], c[7]]))
  assert.equal([buffer.stats.gapsDetected, buffer.stats.gapsSkipped, buffer.stats.gapsUnfillable, buffer.stats.gapsFilled], [3, 3, 3, 0])
  assert.is(buffer.heldCount, 0)
})

gaps('full: a later hole that can be filled is, after an earlier one was skipped', (ctx) => {
  const c = chain(6)
  // The source has c[3] only.
  const source = new FakeSource(ctx.sim, (r) => storeOf(c)(r).filter((m) => m === c[3]))
  const buffer = ctx.make({ gapMode: 'full', maxResendRequests: 2 }, source)
  for (const m of [c[0], c[2], c[4], c[5]]) buffer.add(m) // holes before c[2] and c[4]
  ctx.sim.run(Infinity)
  assert.equal(ids(ctx.out), ids([c[0], c[2], c[3], c[4], c[5]]), 'c[1] skipped, c[3] filled')
  assert.equal([buffer.stats.gapsSkipped, buffer.stats.gapsFilled], [1, 1])
})

gaps('giveUpAfter retryWait (Brubeck): the gap is given up one retry wait after the last request, answered or not', (ctx) => {
  const c = chain(3)
  const source = new FakeSource(ctx.sim, () => [], 100)
  const buffer = ctx.make({ gapMode: 'full', giveUpAfter: 'retryWait' }, source)
  buffer.add(c[0])
  buffer.add(c[2])
  ctx.sim.run(Infinity)
  assert.equal(source.requests.map((r) => r.atMs), [5_000, 10_000, 15_000, 20_000, 25_000])
  assert.is(ctx.sim.now(), 30_000)
  assert.equal(ids(ctx.out), ids([c[0], c[2]]))
})

gaps('giveUpAfter lastAnswer (Tatum): the gap is given up as soon as the last request is answered', (ctx) => {
  const c = chain(3)
  const source = new FakeSource(ctx.sim, () => [], 100)
  const buffer = ctx.make({ gapMode: 'full' }, source)
  buffer.add(c[0])
  buffer.add(c[2])
  ctx.sim.run(Infinity)
  assert.is(ctx.sim.now(), 25_100, 'the last answer came 100 ms after the last request')
  assert.equal(ids(ctx.out), ids([c[0], c[2]]))
})

gaps('an answered request fills the gap and stops the retries', (ctx) => {
  const c = chain(10)
  const source = new FakeSource(ctx.sim, storeOf(c))
  const buffer = ctx.make({}, source)
  buffer.add(c[0])
  for (const m of c.slice(5)) buffer.add(m)
  ctx.sim.run(Infinity)
  assert.equal(ids(ctx.out), ids(c))
  assert.is(source.requests.length, 1)
  assert.equal(source.requests[0].range.to, ref(c[4]))
  assert.is(buffer.stats.gapsFilled, 1)
  assert.is(buffer.stats.duplicates, 1, 'the range starts at the last delivered message, which comes back too')
})

gaps('retries continue while the source stays silent, then succeed', (ctx) => {
  const c = chain(3)
  let calls = 0
  const source = new FakeSource(ctx.sim, (r) => (++calls < 3 ? [] : storeOf(c)(r)))
  const buffer = ctx.make({}, source)
  buffer.add(c[0])
  buffer.add(c[2])
  ctx.sim.run(Infinity)
  assert.equal(source.requests.map((r) => r.atMs), [5_000, 10_000, 15_000])
  assert.equal(ids(ctx.out), ids(c))
  assert.is(buffer.stats.gapsFilled, 1)
})

gaps('the next gap waits from its own message\'s arrival, even with a source that answers synchronously', (ctx) => {
  const c = chain(6)
  // The source has c[1] only: the first gap fills at once when asked, the second never.
  const source = new FakeSource(ctx.sim, (r) => storeOf(c)(r).filter((m) => m === c[1]), 0)
  const buffer = ctx.make({ maxResendRequests: 2 }, source)
  buffer.add(c[0])
  buffer.add(c[2]) // waits for c[1]
  ctx.sim.call(1_000, () => buffer.add(c[4])) // waits for c[3]
  ctx.sim.call(1_000, () => buffer.add(c[5]))
  ctx.sim.run(Infinity)
  // 5 s: first gap asked and filled; its successor c[4] arrived at 1 s, so asked at 6 s, 11 s;
  // skipped at 11 s, when the (synchronous) answer to the last request brought nothing.
  assert.equal(source.requests.map((r) => r.atMs), [5_000, 6_000, 11_000])
  assert.equal(source.requests[1].range.from, ref(c[2]))
  assert.equal(source.requests[1].range.to, ref(c[3]))
  assert.is(ctx.sim.now(), 11_000)
  assert.equal(ids(ctx.out), ids([c[0], c[1], c[2], c[4], c[5]]))
  assert.equal([buffer.stats.gapsDetected, buffer.stats.gapsFilled, buffer.stats.gapsSkipped], [2, 1, 1])
})

gaps('maxResendRequests 0: never asks, handles the gap after the initial wait', (ctx) => {
  const c = chain(3)
  const source = new FakeSource(ctx.sim)
  const buffer = ctx.make({ maxResendRequests: 0, initialWaitMs: 1_000 }, source)
  buffer.add(c[0])
  buffer.add(c[2])
  ctx.sim.run(Infinity)
  assert.is(source.requests.length, 0)
  assert.is(ctx.sim.now(), 1_000)
  assert.is(buffer.stats.gapsSkipped, 1)
})

gaps('subscribeFrom: a chain first seen later starts at that time, so its lost first messages are fetched', (ctx) => {
  const c = chain(6)
  const old = chain(2, 'p', 'c', 's', 0) // published before the subscription: not wanted
  const source = new FakeSource(ctx.sim, storeOf(c))
  const buffer = ctx.make({}, source)
  buffer.subscribeFrom('s#0', 1_000)
  buffer.add(old[1])
  buffer.add(c[3])
  buffer.add(c[4])
  assert.is(ctx.out.length, 0)
  ctx.sim.run(Infinity)
  assert.equal(source.requests[0].range.from, { timestamp: 1_000, sequenceNumber: 0 })
  assert.equal(ids(ctx.out), ids(c.slice(0, 5)))
  assert.is(buffer.stats.duplicates, 1, 'the message from before the subscription')
})

gaps('leaving a part cancels its timers', (ctx) => {
  const c = chain(3)
  const source = new FakeSource(ctx.sim)
  const buffer = ctx.make({}, source)
  buffer.add(c[0])
  buffer.add(c[2])
  buffer.leave('s#0')
  ctx.sim.run(Infinity)
  assert.is(source.requests.length, 0)
  assert.is(buffer.heldCount, 0)
})

gaps.run()

// ---------------------------------------------------------------------------------------------

const memory = suite<Ctx>('memory bound')
memory.before.each((ctx) => { Object.assign(ctx, context()) })

memory('light: a full buffer skips the gap at once and never holds more than the bound', (ctx) => {
  const c = chain(40)
  const buffer = ctx.make({ gapMode: 'light', maxBufferedPerChain: 10 })
  buffer.add(c[0])
  let maxHeld = 0
  for (const m of c.slice(2)) {
    buffer.add(m)
    maxHeld = Math.max(maxHeld, buffer.heldCount)
  }
  assert.is(maxHeld, 10)
  assert.equal(ids(ctx.out), ids([c[0], ...c.slice(2)]), 'everything after the hole, in order')
  assert.is(buffer.stats.gapsSkipped, 1)
  assert.is(buffer.heldCount, 0)
})

memory('full: a full buffer drops the newest held messages; a later gap asks for them again', (ctx) => {
  const c = chain(40)
  const source = new FakeSource(ctx.sim, storeOf(c))
  const buffer = ctx.make({ gapMode: 'full', maxBufferedPerChain: 10, initialWaitMs: 60_000 }, source)
  buffer.add(c[0])
  for (const m of c.slice(2, 30)) buffer.add(m)
  assert.is(buffer.heldCount, 10)
  assert.is(buffer.stats.droppedOverflow, 18)
  buffer.add(c[1]) // fills the first gap: c[1..11] go out
  assert.equal(ids(ctx.out), ids(c.slice(0, 12)))
  buffer.add(c[39]) // c[12..38] missing: a new gap, filled from the source
  ctx.sim.run(Infinity)
  assert.equal(ids(ctx.out), ids(c))
  assert.is(buffer.stats.gapsSkipped, 0)
})

memory('full: the bound holds even when an earlier message pushes out the one the gap waits on', (ctx) => {
  const c = chain(8)
  const source = new FakeSource(ctx.sim)
  const buffer = ctx.make({ gapMode: 'full', maxBufferedPerChain: 2 }, source)
  buffer.add(c[0])
  buffer.add(c[6]) // the gap waits on c[6]
  buffer.add(c[4])
  buffer.add(c[2]) // c[6] is dropped
  assert.is(buffer.heldCount, 2)
  ctx.sim.run(5_000)
  assert.equal(source.requests[0].range.to, ref(c[3]), 'the gap now ends at the newest held message')
  buffer.add(c[1])
  buffer.add(c[3])
  assert.equal(ids(ctx.out), ids(c.slice(0, 5)))
  assert.is(buffer.stats.gapsFilled, 1)
  assert.is(buffer.heldCount, 0)
})

memory.run()

// ---------------------------------------------------------------------------------------------

const options = suite('options')

options('defaults are the reference values; bad values are refused', () => {
  assert.equal(createOrderingOptions(), { gapMode: 'light', initialWaitMs: 5_000, retryWaitMs: 5_000, giveUpAfter: 'lastAnswer', maxResendRequests: 5, maxBufferedPerChain: 1_000 })
  assert.throws(() => createOrderingOptions({ giveUpAfter: 'never' as 'retryWait' }), RangeError)
  assert.throws(() => createOrderingOptions({ gapMode: 'medium' as 'light' }), RangeError)
  assert.throws(() => createOrderingOptions({ initialWaitMs: -1 }), RangeError)
  assert.throws(() => createOrderingOptions({ retryWaitMs: Infinity }), RangeError)
  assert.throws(() => createOrderingOptions({ maxResendRequests: 1.5 }), RangeError)
  assert.throws(() => createOrderingOptions({ maxBufferedPerChain: 0 }), RangeError)
})

options.run()
