// The Tracker on its own: in-memory links that record what it sends, the simulator's clock and
// timers. Statuses, counters, debouncing, leaves, dropped links, relaying and garbage.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Connection, Transport, TransportHandler, WireMessage } from '../core/ports.ts'
import { Tracker } from '../core/tracker/tracker.ts'
import {
  COUNTER_LEFT, WIRE_TRACKER_INSTRUCTION, WIRE_TRACKER_STATUS, type TrackerInstructionMessage,
  instructionMessage, signalMessage, statusMessage,
} from '../core/tracker/tracker-messages.ts'
import { createRandom } from '../sim/engine/random.ts'
import { Simulator } from '../sim/engine/simulator.ts'

const SP = 'stream#0'

class RecordingLink implements Connection {
  readonly sent: WireMessage[] = []
  readonly sentAtMs: number[] = []
  constructor(readonly remoteId: string, private readonly clock: { now(): number }) {}
  send(message: WireMessage): void {
    this.sent.push(message)
    this.sentAtMs.push(this.clock.now())
  }
  close(): void {}
  instructions(): TrackerInstructionMessage[] {
    return this.sent.filter((m): m is TrackerInstructionMessage => m.kind === WIRE_TRACKER_INSTRUCTION)
  }
  last(): TrackerInstructionMessage | undefined {
    return this.instructions().at(-1)
  }
}

function setup(options = {}) {
  const sim = new Simulator()
  let handler: TransportHandler | undefined
  const transport: Transport = { localId: 't0', setHandler: (h) => { handler = h }, connect() {} }
  const tracker = new Tracker({ clock: sim, timers: sim, random: createRandom(1, 'tracker'), transport }, options)
  assert.is(handler, tracker, 'the tracker takes its transport')
  const links = new Map<string, RecordingLink>()
  const connect = (id: string) => {
    const link = new RecordingLink(id, sim)
    links.set(id, link)
    tracker.onConnected(link)
    return link
  }
  const status = (id: string, neighbours: string[], counter: number, sp = SP) => tracker.onMessage(links.get(id)!, statusMessage(sp, neighbours, counter))
  return { sim, tracker, links, connect, status }
}

/** Joins nodes one by one (each reports no neighbours), then lets instructions go out. */
function joinAll(ids: string[], t: ReturnType<typeof setup>): void {
  for (const id of ids) {
    t.connect(id)
    t.status(id, [], 0)
  }
  t.sim.run(Infinity)
}

const TrackerSuite = suite('Tracker')

TrackerSuite('gives a lone node no instruction, links the second to it, and tells both once after the debounce', () => {
  const t = setup()
  joinAll(['a'], t)
  assert.is(t.links.get('a')!.instructions().length, 0)
  t.connect('b')
  t.status('b', [], 0)
  t.sim.run(99)
  assert.is(t.links.get('b')!.instructions().length, 0, 'debounced for 100 ms')
  t.sim.run(Infinity)
  assert.is(t.sim.now(), 100)
  assert.equal(t.links.get('a')!.last()!.neighbours, ['b'])
  assert.equal(t.links.get('b')!.last()!.neighbours, ['a'])
  assert.equal([t.links.get('a')!.last()!.counter, t.links.get('b')!.last()!.counter], [1, 1])
})

TrackerSuite('answers a burst of joins with one instruction per node, with its final list', () => {
  const t = setup()
  const ids = Array.from({ length: 30 }, (_, i) => `n${i}`)
  joinAll(ids, t)
  const overlay = t.tracker.overlay(SP)
  for (const id of ids) {
    const link = t.links.get(id)!
    assert.is(link.instructions().length, 1, `${id} got ${link.instructions().length}`)
    assert.equal([...link.last()!.neighbours].sort(), [...overlay.get(id)!].sort())
    assert.ok(overlay.get(id)!.length <= 4)
  }
  assert.ok(ids.filter((id) => overlay.get(id)!.length === 4).length >= 29)
})

TrackerSuite('flushes a steady trickle of changes 2 s after the first: the debounce has a maximum wait', () => {
  const t = setup()
  joinAll(['a', 'b'], t)
  // A new node every 50 ms keeps pushing the 100 ms deadline; the 2 s cap must fire anyway.
  const start = t.sim.now()
  for (let i = 0; i < 60; i++) {
    t.sim.call(start + 10 + i * 50, () => {
      t.connect(`x${i}`)
      t.status(`x${i}`, [], 0)
    })
  }
  t.sim.run(start + 10 + 1_999)
  assert.is(t.links.get('x0')!.instructions().length, 0, 'still waiting')
  t.sim.run(start + 10 + 2_000)
  assert.is(t.links.get('x0')!.instructions().length, 1, 'flushed by the max wait')
  assert.is(t.links.get('x0')!.sentAtMs[0], start + 10 + 2_000)
  t.sim.run(Infinity)
  assert.is(t.links.get('x59')!.sentAtMs.at(-1), start + 10 + 59 * 50 + 100, 'the last burst: 100 ms after its last change')
})

TrackerSuite('ignores stale statuses (counter below the latest instruction), and uses current and newer ones', () => {
  const t = setup()
  joinAll(['a', 'b', 'c'], t)
  const counterA = t.tracker.counterOf('a', SP)!
  assert.ok(counterA >= 1)
  const overlayBefore = t.tracker.overlay(SP)
  t.status('a', [], counterA - 1)
  t.sim.run(Infinity)
  assert.is(t.tracker.stats.staleStatusesIgnored, 1)
  assert.equal(t.tracker.overlay(SP), overlayBefore, 'nothing changed')
  // The current counter is used: a says it lost everyone, and gets refilled.
  t.status('a', [], counterA)
  t.sim.run(Infinity)
  assert.is(t.tracker.stats.staleStatusesIgnored, 1)
  assert.is(t.tracker.counterOf('a', SP), counterA + 1, 're-instructed')
  // A higher counter (the tracker restarted and forgot) is adopted, and instructions continue from it.
  t.status('b', [], 50)
  t.sim.run(Infinity)
  assert.is(t.tracker.counterOf('b', SP), 51)
  assert.is(t.links.get('b')!.last()!.counter, 51)
})

TrackerSuite('removes a node that leaves gracefully (counter -1), and re-instructs and refills its former neighbours', () => {
  const t = setup()
  const ids = Array.from({ length: 12 }, (_, i) => `n${i}`)
  joinAll(ids, t)
  const former = t.tracker.overlay(SP).get('n3')!
  const counts = new Map(former.map((n) => [n, t.links.get(n)!.instructions().length]))
  t.status('n3', [], COUNTER_LEFT)
  t.sim.run(Infinity)
  const overlay = t.tracker.overlay(SP)
  assert.not.ok(overlay.has('n3'))
  for (const n of former) {
    assert.ok(t.links.get(n)!.instructions().length > counts.get(n)!, `${n} re-instructed`)
    assert.not.ok(t.links.get(n)!.last()!.neighbours.includes('n3'))
  }
  // Freed slots pair up; what stays free is between already-linked nodes (nothing better exists).
  const short = [...overlay.keys()].filter((n) => overlay.get(n)!.length < 4)
  assert.ok(short.length <= 2, `short: ${short}`)
  for (const x of short) for (const y of short) if (x !== y) assert.ok(overlay.get(x)!.includes(y))
  assert.is(t.tracker.stats.leavesReceived, 1)
})

TrackerSuite('removes a node whose tracker link drops from all its stream parts', () => {
  const t = setup()
  joinAll(['a', 'b', 'c'], t)
  t.status('a', [], 0, 'other#0')
  t.status('b', [], 0, 'other#0')
  t.sim.run(Infinity)
  t.tracker.onDisconnected(t.links.get('a')!, 'peer crashed')
  t.sim.run(Infinity)
  assert.not.ok(t.tracker.overlay(SP).has('a'))
  assert.not.ok(t.tracker.overlay('other#0').has('a'))
  assert.equal(t.tracker.overlay('other#0').get('b'), [], 'b told its only neighbour is gone')
  assert.equal(t.links.get('b')!.instructions().filter((i) => i.streamPartId === 'other#0').at(-1)!.neighbours, [])
  assert.is(t.tracker.stats.nodesDisconnected, 1)
  // The last member leaving forgets the stream part.
  t.status('b', [], COUNTER_LEFT, 'other#0')
  assert.not.ok(t.tracker.streamPartIds().includes('other#0'))
})

TrackerSuite('starts a new session on a new link from a known node, dropping its old state', () => {
  const t = setup()
  joinAll(['a', 'b'], t)
  assert.ok(t.tracker.counterOf('a', SP)! >= 1)
  t.connect('a') // restarted: new link before the old one is noticed as dropped
  assert.is(t.tracker.counterOf('a', SP), undefined)
  t.status('a', [], 0)
  assert.is(t.tracker.stats.staleStatusesIgnored, 0, 'a restarted node counting from 0 is heard')
})

TrackerSuite('keeps reported neighbours it has not heard from yet (so a restarted tracker keeps the overlay)', () => {
  const t = setup()
  t.connect('a')
  t.connect('b')
  t.status('a', ['b', 'c'], 7)
  t.status('b', ['a'], 4)
  t.sim.run(Infinity)
  assert.equal(t.tracker.overlay(SP).get('a')!.sort(), ['b', 'c'])
  assert.is(t.links.get('a')!.instructions().length, 0, 'nothing to change: a keeps b and c')
})

TrackerSuite('relays signals to a linked addressee, and drops and counts those to an unknown addressee or from a forged sender', () => {
  const t = setup()
  const a = t.connect('a')
  const b = t.connect('b')
  t.tracker.onMessage(a, signalMessage('a', 'b', 'offer'))
  assert.equal(b.sent.at(-1), signalMessage('a', 'b', 'offer'))
  t.tracker.onMessage(a, signalMessage('a', 'nobody', 'offer'))
  t.tracker.onMessage(a, signalMessage('b', 'a', 'forged'))
  assert.equal([t.tracker.stats.signalsReceived, t.tracker.stats.signalsRelayed, t.tracker.stats.signalsDropped], [3, 1, 2])
  assert.is(a.sent.length, 0)
})

TrackerSuite('drops and counts garbage, never throws; an instruction from a node is garbage too', () => {
  const t = setup()
  const a = t.connect('a')
  const garbage: unknown[] = [null, 1, 'x', {}, [], { kind: WIRE_TRACKER_STATUS }, { kind: WIRE_TRACKER_STATUS, sizeBytes: 1, streamPartId: SP, neighbours: [{}], counter: 0 },
    { kind: 99, sizeBytes: 1 }, instructionMessage(SP, ['b'], 3)]
  for (const g of garbage) t.tracker.onMessage(a, g)
  assert.is(t.tracker.stats.malformedReceived, garbage.length)
  assert.equal(t.tracker.streamPartIds(), [])
})

TrackerSuite('does nothing once stopped', () => {
  const t = setup()
  const a = t.connect('a')
  t.connect('b')
  t.status('a', [], 0)
  t.status('b', [], 0)
  t.tracker.stop()
  t.sim.run(Infinity)
  assert.is(a.instructions().length, 0, 'pending instructions dropped')
  t.status('a', [], 0)
  assert.is(t.tracker.stats.statusesReceived, 2)
})

TrackerSuite('validates its options', () => {
  assert.throws(() => setup({ maxNeighbours: 0 }), RangeError)
  assert.throws(() => setup({ instructionDebounceMs: 500, instructionMaxWaitMs: 100 }), RangeError)
})

TrackerSuite.run()
