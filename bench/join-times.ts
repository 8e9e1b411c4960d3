// Join figures per cohort of a scenario run: the nodes that joined before the first publish plus
// the flash crowd (joined before 75 s), and the ones that joined later into a formed overlay.
// The summary pools every node; the README's "Checked against what was published" needs the two
// apart. Usage: npx tsx bench/join-times.ts FILE [a.b=value ...]  (prints one line per cohort)

import { loadScenario } from '../sim/scenario/load.ts'
import { EVENTS_PER_CHUNK } from '../sim/runner.ts'
import { Simulation } from '../sim/simulation.ts'
import { runMetadata } from '../sim/results/run-metadata.ts'

/** Nodes that joined at or after this are the late cohort (dht-published-2000.yaml: 80 to 105 s). */
const LATE_FROM_MS = 75_000

const [file, ...set] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: npx tsx bench/join-times.ts FILE [a.b=value ...]')
  process.exit(2)
}
const scenario = loadScenario(file, { set })
const simulation = new Simulation(scenario)
const started = performance.now()
while (simulation.step(EVENTS_PER_CHUNK)) { /* run to the end */ }
const m = simulation.membership
const firstPublishMs = scenario.workload.warmupS * 1000
type Cohort = { firstNeighbour: number[]; firstData: number[]; targetDegree: number[] }
const cohorts: Record<string, Cohort> = {}
for (let i = 0; i < scenario.nodes; i++) {
  const joined = m.joinedAtMs[i]
  if (Number.isNaN(joined)) continue
  const name = joined < LATE_FROM_MS ? `joined before ${LATE_FROM_MS / 1000} s` : `joined from ${LATE_FROM_MS / 1000} s`
  const c = (cohorts[name] ??= { firstNeighbour: [], firstData: [], targetDegree: [] })
  if (!Number.isNaN(m.firstNeighbourAtMs[i])) c.firstNeighbour.push(m.firstNeighbourAtMs[i] - joined)
  if (!Number.isNaN(m.firstDataAtMs[i])) c.firstData.push(m.firstDataAtMs[i] - Math.max(joined, firstPublishMs))
  if (!Number.isNaN(m.reachedTargetAtMs[i])) c.targetDegree.push(m.reachedTargetAtMs[i] - joined)
}

/** n, mean, nearest-rank p50 and p90, max. */
function stats(xs: number[]): string {
  if (xs.length === 0) return 'n=0'
  const v = [...xs].sort((a, b) => a - b)
  const q = (p: number) => v[Math.max(0, Math.ceil(p * v.length) - 1)].toFixed(0)
  return `n=${v.length} mean=${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(0)} p50=${q(0.5)} p90=${q(0.9)} max=${v[v.length - 1].toFixed(0)}`
}

const { version, commit } = runMetadata()
console.log(`${scenario.name} seed ${scenario.seed}, version ${version}, commit ${commit}; ms from a node's start`)
for (const [name, c] of Object.entries(cohorts)) {
  console.log(`${name}: first neighbour ${stats(c.firstNeighbour)} | first message (from the first publish if later) ${stats(c.firstData)} | full neighbour set ${stats(c.targetDegree)}`)
}
console.log(`wall ${((performance.now() - started) / 1000).toFixed(0)} s`)
