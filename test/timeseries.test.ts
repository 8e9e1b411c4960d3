// timeseries.csv samples the population and the overlay at the end of every window, including
// windows in which nothing is published or received.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runScenario } from '../sim/runner.ts'
import type { TimeSeriesRow } from '../sim/metrics/timeseries.ts'
import { scenarioFrom } from './helpers/scenario.ts'

const TimeSeries = suite('TimeSeries')

// Messages at 2-3 s; then, with nothing published, 10 nodes leave at 5.5 s and 30% of the rest
// crash at 7.5 s. Windows of 1 s.
const YAML = `
name: timeseries-ends
protocol: brubeck
seed: 2
nodes: 100
topology: { builder: static, degree: 4 }
network: { latency: { model: fixed, ms: 10 } }
churn:
  events:
    - { type: leave, atS: 5.5, count: 10, crashFraction: 0 }
    - { type: massFailure, atS: 7.5, fraction: 0.3 }
workload: { messagesPerPublisher: 10, ratePerSecond: 10, warmupS: 2 }
record: { timeseriesIntervalS: 1 }
durationS: 12
`

async function rows(): Promise<TimeSeriesRow[]> {
  const { simulation } = await runScenario(scenarioFrom(YAML))
  simulation.metrics.timeseries.finish(simulation.sim.now())
  return simulation.metrics.timeseries.rows
}

TimeSeries('every window, busy or quiet, shows the population at its end', async () => {
  const r = await rows()
  const at = (tEndS: number) => r.find((row) => row.tEndS === tEndS)!
  // Every whole window up to the last event is there, contiguous.
  for (let k = 0; k < 11; k++) assert.equal([r[k].tStartS, r[k].tEndS], [k, k + 1], `window ${k}`)
  for (const t of [1, 2, 3, 4, 5]) assert.is(at(t).nodesUp, 100, `${t} s: before the leaves`)
  for (const t of [6, 7]) assert.is(at(t).nodesUp, 90, `${t} s: 10 left at 5.5 s`)
  for (const t of [8, 9, 10, 11]) assert.is(at(t).nodesUp, 63, `${t} s: 27 of 90 crashed at 7.5 s`)
  assert.is(at(6).published + at(7).published + at(8).published, 0, 'nothing was published in those windows')
})

TimeSeries('the overlay columns follow the failures: degree drops when peers go, not at the next publish', async () => {
  const r = await rows()
  const at = (tEndS: number) => r.find((row) => row.tEndS === tEndS)!
  assert.is(at(5).meanDegree, 4, 'a 4-regular overlay before anyone leaves')
  assert.ok(at(6).meanDegree < 4, `leavers' neighbours lost links by 6 s (${at(6).meanDegree})`)
  assert.ok(at(8).meanDegree < at(7).meanDegree, `the crash thins the overlay by 8 s (${at(7).meanDegree} -> ${at(8).meanDegree})`)
  assert.ok(at(8).components >= at(5).components, 'components never fewer after failures on a static overlay')
})

TimeSeries.run()
