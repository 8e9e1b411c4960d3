// Shared pieces of the micro benchmarks: options, the row every group reports, seeded fixtures,
// and the step from a tinybench run to rows. Tasks time a fixed batch of operations per
// iteration (a single pop+push is far below the timer's resolution), so a row's figure is the
// median over iterations of batch / iteration time, and its sample count is the iterations.

import { Bench, type Task } from 'tinybench'
import { createRandom } from '../sim/engine/random.ts'

export interface MicroOptions {
  quick: boolean
}

export interface MicroRow {
  name: string
  /** Median over samples, in `unit` per second. */
  median: number
  unit: string
  samples: number
  /** tinybench's relative margin of error of the mean throughput, in percent. */
  rme: number
  note: string
}

export interface Check {
  name: string
  pass: boolean
  detail: string
  /** Failure is the known answer (a candidate shown for comparison only); it does not fail the run. */
  expectFail?: boolean
}

export interface GroupResult {
  group: string
  title: string
  rows: MicroRow[]
  checks: Check[]
  /** Conclusions computed from the rows, printed under the table. */
  lines: string[]
}

export function newBench(opts: MicroOptions): Bench {
  return new Bench({ time: opts.quick ? 400 : 1000, warmupTime: opts.quick ? 100 : 250, iterations: 20, warmupIterations: 5 })
}

/** Rows for every task of `bench`; `batch` is operations per iteration. Errors become rows, not crashes. */
export function rowsOf(bench: Bench, batch: number, unit: string, notes: Record<string, string> = {}): MicroRow[] {
  return bench.tasks.map((task: Task) => {
    const r = task.result
    const note = notes[task.name] ?? ''
    if (r.state !== 'completed') {
      const why = r.state === 'errored' ? `errored: ${r.error.message}` : r.state
      return { name: task.name, median: NaN, unit, samples: 0, rme: NaN, note: note ? `${note}; ${why}` : why }
    }
    return { name: task.name, median: r.throughput.p50 * batch, unit, samples: r.throughput.samplesCount, rme: r.throughput.rme, note }
  })
}

/** `count` seeded uniform numbers in [lo, lo + span): drawn up front so the RNG is never timed. */
export function uniforms(label: string, count: number, lo: number, span: number): Float64Array {
  const random = createRandom(1, 'bench', label)
  const out = new Float64Array(count)
  for (let i = 0; i < count; i++) out[i] = lo + random.next() * span
  return out
}

/** Defeats dead-code elimination: results flow here and are never read on the hot path. */
export const sink = { value: 0 }
