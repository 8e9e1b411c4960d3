// Event queue candidates on the classic "hold" workload: keep N events queued, then repeatedly
// pop the earliest and push a new one at its time + a delay of 50..350 ms, as deliveries do.
// Before any timing, each candidate must pop 100,000 events with many equal times in exact
// (time, insertion sequence) order, because the simulator's determinism rests on that.

import FlatQueue from 'flatqueue'
import { PriorityQueue } from '@js-sdsl/priority-queue'
import { EventQueue } from '../sim/engine/event-queue.ts'
import { QuaternaryEventQueue } from './candidates/quaternary-event-queue.ts'
import { type Check, type GroupResult, type MicroOptions, type MicroRow, newBench, rowsOf, sink, uniforms } from './common.ts'

const SIZES = [10_000, 1_000_000]
/** pop+push pairs per timed iteration */
const BATCH = 10_000
const MASK = (1 << 16) - 1
const DELAYS = uniforms('queue-delay', MASK + 1, 50, 300)

interface SdslEvent { time: number; seq: number; kind: number; a: number; b: number; ref: unknown }
class SdslQueue {
  seq = 0
  readonly pq = new PriorityQueue<SdslEvent>([], (x, y) => x.time - y.time || x.seq - y.seq, false)
}

interface Candidate<Q> {
  name: string
  /** Cannot order equal times by insertion: reported, and never the pick. */
  noTieOrder?: boolean
  create(capacity: number): Q
  push(q: Q, time: number, id: number): void
  /** Pops the earliest; returns its id and stores its time in `out.time`. */
  pop(q: Q, out: { time: number }): number
  /** The timed loop: `steps` pop+push pairs; returns the next delay index. */
  hold(q: Q, steps: number, k: number): number
}

// One hold function per candidate, so each loop's call sites stay monomorphic.
const binary: Candidate<EventQueue> = {
  name: 'EventQueue (sim/engine: binary, typed arrays)',
  create: () => new EventQueue(),
  push: (q, time, id) => q.push(time, 0, id, 0, undefined),
  pop: (q, out) => { out.time = q.peekTime(); return q.a[q.pop()] },
  hold(q, steps, k) {
    for (let i = 0; i < steps; i++) {
      const t = q.peekTime()
      const s = q.pop()
      q.push(t + DELAYS[k++ & MASK], q.kind[s], q.a[s], q.b[s], q.ref[s])
    }
    return k
  },
}

const quaternary: Candidate<QuaternaryEventQueue> = {
  name: 'QuaternaryEventQueue (bench/candidates: 4-ary)',
  create: () => new QuaternaryEventQueue(),
  push: (q, time, id) => q.push(time, 0, id, 0, undefined),
  pop: (q, out) => { out.time = q.peekTime(); return q.a[q.pop()] },
  hold(q, steps, k) {
    for (let i = 0; i < steps; i++) {
      const t = q.peekTime()
      const s = q.pop()
      q.push(t + DELAYS[k++ & MASK], q.kind[s], q.a[s], q.b[s], q.ref[s])
    }
    return k
  },
}

const sdsl: Candidate<SdslQueue> = {
  name: '@js-sdsl/priority-queue (object per event, (time, seq) comparator)',
  create: () => new SdslQueue(),
  push: (q, time, id) => q.pq.push({ time, seq: q.seq++, kind: 0, a: id, b: 0, ref: undefined }),
  pop: (q, out) => { const e = q.pq.pop()!; out.time = e.time; return e.a },
  hold(q, steps, k) {
    const pq = q.pq
    for (let i = 0; i < steps; i++) {
      const e = pq.pop()!
      pq.push({ time: e.time + DELAYS[k++ & MASK], seq: q.seq++, kind: e.kind, a: e.a, b: e.b, ref: e.ref })
    }
    return k
  },
}

const flat: Candidate<FlatQueue<number>> = {
  name: 'flatqueue (typed arrays, numeric priority only)',
  noTieOrder: true,
  create: (capacity) => new FlatQueue<number>(capacity, Float64Array, Uint32Array),
  push: (q, time, id) => q.push(id, time),
  pop: (q, out) => { out.time = q.peekValue()!; return q.pop()! },
  hold(q, steps, k) {
    for (let i = 0; i < steps; i++) {
      const t = q.peekValue()!
      q.push(q.pop()!, t + DELAYS[k++ & MASK])
    }
    return k
  },
}

const CANDIDATES: Candidate<any>[] = [binary, quaternary, sdsl, flat]
const NO_TIE_NOTE = 'no tie order: not correct for us'

/**
 * 50,000 queued, 50,000 pop+push pairs, then drained: 100,000 pops. Times are whole numbers
 * below 1,000 and new ones land 0..3 after the popped one, so ties are everywhere. Ids count
 * pushes, so (time, id) is the (time, sequence) order every pop must follow.
 */
function checkOrder<Q>(c: Candidate<Q>): Check {
  const HALF = 50_000
  const random = uniforms('queue-check', 3 * HALF, 0, 1)
  const q = c.create(2 * HALF)
  let id = 0
  for (let i = 0; i < HALF; i++) c.push(q, Math.floor(random[i] * 1000), id++)
  const out = { time: 0 }
  const seen = new Uint8Array(2 * HALF)
  let lastTime = -Infinity
  let lastId = -1
  let pops = 0
  const popOne = (): string | undefined => {
    const got = c.pop(q, out)
    pops++
    if (seen[got]++ !== 0) return `event ${got} popped twice`
    if (out.time < lastTime || (out.time === lastTime && got < lastId)) {
      return `pop ${pops}: (time ${out.time}, seq ${got}) came after (time ${lastTime}, seq ${lastId})`
    }
    lastTime = out.time
    lastId = got
    return undefined
  }
  for (let i = 0; i < HALF; i++) {
    const problem = popOne()
    if (problem !== undefined) return { name: c.name, pass: false, detail: problem }
    c.push(q, out.time + Math.floor(random[HALF + i] * 4), id++)
  }
  for (let i = 0; i < HALF; i++) {
    const problem = popOne()
    if (problem !== undefined) return { name: c.name, pass: false, detail: problem }
  }
  return { name: c.name, pass: true, detail: `${pops.toLocaleString('en-US')} pops in (time, seq) order` }
}

export async function eventQueueBench(opts: MicroOptions): Promise<GroupResult> {
  const checks = CANDIDATES.map((c) => ({ ...checkOrder(c), expectFail: c.noTieOrder === true }))
  const correct = new Set(checks.filter((ch) => ch.pass).map((ch) => ch.name))
  const rows: MicroRow[] = []
  const lines: string[] = []
  for (const n of SIZES) {
    const bench = newBench(opts)
    const notes: Record<string, string> = {}
    for (const c of CANDIDATES) {
      const name = `${c.name}, N=${n.toLocaleString('en-US')}`
      notes[name] = c.noTieOrder ? NO_TIE_NOTE : correct.has(c.name) ? '' : 'FAILED the order check'
      let q: unknown
      let k = 0
      bench.add(name, () => { k = c.hold(q, BATCH, k) }, {
        // Prefill is not timed; the queue stays at N entries through every iteration.
        beforeAll() {
          q = c.create(n)
          const prefill = uniforms('queue-prefill', n, 0, 350)
          for (let i = 0; i < n; i++) c.push(q, prefill[i], i)
        },
        afterAll() { sink.value += (q as { size?: number }).size ?? 0; q = undefined },
      })
    }
    await bench.run()
    const sized = rowsOf(bench, BATCH / 1e6, 'M pop+push/s', notes)
    rows.push(...sized)
    lines.push(pickLine(n, sized))
  }
  return { group: 'queue', title: `Event queue, hold workload (${BATCH.toLocaleString('en-US')} pop+push pairs per sample)`, rows, checks, lines }
}

function pickLine(n: number, rows: MicroRow[]): string {
  const ok = rows.filter((r) => r.note === '' && Number.isFinite(r.median)).sort((x, y) => y.median - x.median)
  if (ok.length === 0) return `N=${n.toLocaleString('en-US')}: no correct candidate measured`
  const [best, next] = ok
  const vs = next === undefined ? '' : `, ${(best.median / next.median).toFixed(2)}x the next correct one (${shortName(next.name)}, ${next.median.toFixed(2)})`
  return `N=${n.toLocaleString('en-US')}: fastest correct is ${shortName(best.name)} at ${best.median.toFixed(2)} M pairs/s${vs}`
}

function shortName(name: string): string {
  return name.split(' (')[0]
}
