import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { EventQueue } from '../sim/engine/event-queue.ts'
import { FIRST_HANDLER_KIND, Simulator } from '../sim/engine/simulator.ts'

const Queue = suite('EventQueue')

Queue('pops in time order, ties in insertion order', () => {
  const q = new EventQueue()
  let s = 1
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647
  const pushed: [number, number][] = []
  for (let i = 0; i < 20_000; i++) {
    const time = Math.floor(rnd() * 50) // many equal times
    q.push(time, 7, i, 0, null)
    pushed.push([time, i])
  }
  pushed.sort((x, y) => x[0] - y[0] || x[1] - y[1])
  for (const [time, i] of pushed) {
    assert.is(q.peekTime(), time)
    const slot = q.pop()
    assert.is(q.a[slot], i)
  }
  assert.is(q.size, 0)
  assert.is(q.peekTime(), Infinity)
})

Queue('keeps (time, seq) order and payloads across interleaved push and pop', () => {
  const q = new EventQueue()
  const seen: number[] = []
  q.push(5, 1, 1, 10, 'a')
  q.push(5, 1, 2, 20, 'b')
  let slot = q.pop()
  seen.push(q.a[slot])
  assert.is(q.b[slot], 10)
  assert.is(q.ref[slot], 'a')
  q.push(5, 1, 3, 30, 'c') // same time, scheduled later: after 2
  q.push(4, 1, 4, 40, 'd') // earlier time first
  while (q.size > 0) {
    slot = q.pop()
    seen.push(q.a[slot])
  }
  assert.equal(seen, [1, 4, 2, 3])
})

Queue('cancelled events never pop; the rest keep their order through rebuilds', () => {
  const q = new EventQueue()
  let s = 7
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647
  const live = new Map<number, [number, number]>() // id -> [time, id]
  const slots = new Map<number, number>() // id -> slot
  let id = 0
  let now = 0
  const push = () => {
    const time = now + Math.floor(rnd() * 100)
    slots.set(id, q.push(time, 1, id, 0, id))
    live.set(id, [time, id++])
  }
  const cancelRandom = () => {
    const ids = [...slots.keys()]
    const victim = ids[Math.floor(rnd() * ids.length)]
    q.cancel(slots.get(victim)!)
    slots.delete(victim)
    live.delete(victim)
  }
  const popChecked = () => {
    const next = [...live.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1])[0]
    assert.is(q.peekTime(), next[0])
    const slot = q.pop()
    assert.is(q.a[slot], next[1])
    assert.is(q.ref[slot], next[1])
    now = next[0]
    live.delete(next[1])
    slots.delete(next[1])
  }
  // Rounds of many pushes and more cancels than survivors (the heap is rebuilt: over 1,024 dead
  // and over half), then pops and pushes interleaved with cancels that hit the top too.
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 6_000; i++) push()
    for (let i = 0; i < 4_500; i++) cancelRandom()
    assert.is(q.size, live.size)
    for (let i = 0; i < 3_000; i++) {
      const r = rnd()
      if (r < 0.4) push()
      else if (r < 0.6 && live.size > 0) cancelRandom()
      else if (live.size > 0) popChecked()
      assert.is(q.size, live.size)
    }
  }
  while (live.size > 0) popChecked()
  assert.is(q.size, 0)
  assert.is(q.peekTime(), Infinity)
})

const Sim = suite('Simulator')

Sim('fires timers at their time, cancelled ones never, same-time ones in order', () => {
  const sim = new Simulator()
  const log: string[] = []
  sim.setTimeout(() => log.push(`a@${sim.now()}`), 10)
  const cancelled = sim.setTimeout(() => log.push('never'), 5)
  sim.setTimeout(() => log.push(`b@${sim.now()}`), 10)
  sim.call(3, () => {
    log.push(`call@${sim.now()}`)
    sim.clearTimeout(cancelled)
    sim.setTimeout(() => log.push(`c@${sim.now()}`), 7) // also at 10, scheduled last
  })
  sim.run(Infinity)
  assert.equal(log, ['call@3', 'a@10', 'b@10', 'c@10'])
  // The cleared timer cost no event: 1 call and 3 timers ran.
  assert.is(sim.events, 4)
  assert.is(sim.pending, 0)
})

Sim('stops a run at the time limit and at the event budget', () => {
  const sim = new Simulator()
  let fired = 0
  for (let t = 1; t <= 10; t++) sim.call(t, () => fired++)
  assert.ok(sim.run(5))
  assert.is(fired, 5)
  assert.is(sim.now(), 5)
  assert.ok(sim.run(Infinity, 2))
  assert.is(fired, 7)
  assert.not.ok(sim.run(Infinity))
  assert.is(fired, 10)
  assert.is(sim.events, 10)
})

Sim('refuses scheduling in the past', () => {
  const sim = new Simulator()
  sim.call(10, () => {
    assert.throws(() => sim.call(5, () => {}), /cannot schedule at 5 ms: now is 10 ms/)
  })
  sim.run(Infinity)
})

Sim('registers a handler kind once and refuses reserved kinds', () => {
  const sim = new Simulator()
  const got: number[] = []
  sim.register(FIRST_HANDLER_KIND, { handleEvent: (_k, a) => got.push(a) })
  assert.throws(() => sim.register(FIRST_HANDLER_KIND, { handleEvent: () => {} }), /taken/)
  assert.throws(() => sim.register(0, { handleEvent: () => {} }), /reserved/)
  sim.schedule(1, FIRST_HANDLER_KIND, 42, 0, null)
  sim.run(Infinity)
  assert.equal(got, [42])
})

Queue.run()
Sim.run()
