// Simulator.run itself: pop, dispatch, and the handler scheduling the next event, with PENDING
// events always queued (about what a large flooding run has in flight). Handler events are the
// hot path (network deliveries); timer events go through setTimeout's callback map.

import { FIRST_HANDLER_KIND, Simulator, type EventHandler } from '../sim/engine/simulator.ts'
import { type GroupResult, type MicroOptions, newBench, rowsOf, uniforms } from './common.ts'

const PENDING = 100_000
/** Events run per timed iteration. */
const BATCH = 10_000
const MASK = (1 << 16) - 1
const DELAYS = uniforms('engine-delay', MASK + 1, 50, 300)
const KIND = FIRST_HANDLER_KIND

/** Each event schedules its successor, like a delivery that is relayed onwards. */
class Rescheduler implements EventHandler {
  private k = 0
  constructor(private readonly sim: Simulator) {}
  handleEvent(kind: number, a: number, b: number, ref: unknown): void {
    this.sim.schedule(this.sim.now() + DELAYS[this.k++ & MASK], kind, a, b, ref)
  }
}

export async function engineBench(opts: MicroOptions): Promise<GroupResult> {
  const bench = newBench(opts)
  let sim = new Simulator()
  let ran = 0
  const payload = {}
  bench.add('handler events (schedule the next on each)', () => { sim.run(Infinity, BATCH) }, {
    beforeAll() {
      sim = new Simulator()
      sim.register(KIND, new Rescheduler(sim))
      for (let i = 0; i < PENDING; i++) sim.schedule(DELAYS[i & MASK], KIND, i, 0, payload)
    },
    afterAll() { ran += sim.events },
  })
  let k = 0
  const rearm = () => { sim.setTimeout(rearm, DELAYS[k++ & MASK]) }
  bench.add('timer events (setTimeout callback re-arms)', () => { sim.run(Infinity, BATCH) }, {
    beforeAll() {
      sim = new Simulator()
      for (let i = 0; i < PENDING; i++) sim.setTimeout(rearm, DELAYS[i & MASK])
    },
    afterAll() { ran += sim.events },
  })
  await bench.run()
  const pendingOk = sim.pending === PENDING
  return {
    group: 'engine',
    title: `Engine step, Simulator.run with ${PENDING.toLocaleString('en-US')} events pending (${BATCH.toLocaleString('en-US')} events per sample)`,
    rows: rowsOf(bench, BATCH / 1e6, 'M events/s'),
    checks: [{ name: 'queue stays at the pending count', pass: pendingOk && ran > 0, detail: `${sim.pending.toLocaleString('en-US')} pending after ${ran.toLocaleString('en-US')} events` }],
    lines: [],
  }
}
