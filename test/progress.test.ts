// time-limit: 30 s
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LOG_LINE_EVERY_MS, ProgressDisplay } from '../sim/results/progress.ts'
import { runScenario, type Stage } from '../sim/runner.ts'
import { scenarioFrom } from './helpers/scenario.ts'

const Lines = suite('run progress in a log')

Lines('writes one line a minute with the share done, simulated time, events and an ETA, and nothing more often', () => {
  let now = 0
  const lines: string[] = []
  const progress = new ProgressDisplay('lines', 'dht-10k', 'simulated', () => now, (l) => lines.push(l))
  progress.update({ simulatedMs: 5_000, expectedEndMs: 100_000, events: 10 })
  assert.is(lines.length, 0)
  now = LOG_LINE_EVERY_MS
  progress.update({ simulatedMs: 25_000, expectedEndMs: 100_000, events: 1_234_567 })
  now = LOG_LINE_EVERY_MS + 1_000
  progress.update({ simulatedMs: 26_000, expectedEndMs: 100_000, events: 1_300_000 })
  assert.equal(lines, ['dht-10k: 25% | simulated 25.0 s | 1,234,567 events | 1m00s elapsed | ETA 3m00s'])
  now = 2 * LOG_LINE_EVERY_MS + 1_000
  progress.update({ simulatedMs: 50_000, expectedEndMs: 100_000, events: 2_000_000 })
  assert.is(lines.length, 2)
  assert.match(lines[1], 'ETA 2m01s')
})

Lines('stays silent when quiet or on a terminal bar that has not started', () => {
  let now = 0
  const lines: string[] = []
  const off = new ProgressDisplay('off', 'x', 'simulated', () => now, (l) => lines.push(l))
  now = 10 * LOG_LINE_EVERY_MS
  off.update({ simulatedMs: 1, expectedEndMs: 2, events: 1 })
  assert.is(lines.length, 0)
})

Lines('shows a build or join stage by its own count, with an ETA from the stage\'s pace', () => {
  let now = 0
  const lines: string[] = []
  const progress = new ProgressDisplay('lines', 'flood-1m', 'simulated', () => now, (l) => lines.push(l))
  progress.update({ simulatedMs: 0, expectedEndMs: 3_000, events: 0, stage: { name: 'placement', done: 1_000_000, total: 1_000_000 } })
  now = 10_000
  progress.update({ simulatedMs: 0, expectedEndMs: 3_000, events: 0, stage: { name: 'joins', done: 0, total: 1_000_000 } })
  now = LOG_LINE_EVERY_MS + 10_000
  progress.update({ simulatedMs: 0, expectedEndMs: 3_000, events: 0, stage: { name: 'joins', done: 250_000, total: 1_000_000 } })
  assert.equal(lines, ['flood-1m: joins 25% | 250,000 of 1,000,000 | 1m10s elapsed | ETA 3m00s'])
})

const Stages = suite('a run reports its stages')

Stages('placement, nodes, topology and the first joins, each to its total, before simulated time', async () => {
  const seen: Stage[] = []
  await runScenario(scenarioFrom(`
name: stages
protocol: brubeck
seed: 1
nodes: 200
network: { latency: { model: geo } }
workload: { messagesPerPublisher: 2 }
`), { onProgress: (p) => { if (p.stage !== undefined) seen.push(p.stage) } })
  const last = (name: string) => seen.filter((s) => s.name === name).pop()
  assert.equal([...new Set(seen.map((s) => s.name))], ['placement', 'nodes', 'topology', 'joins'])
  assert.equal(last('topology'), { name: 'topology', done: 1, total: 1 })
  assert.equal(last('joins'), { name: 'joins', done: 200, total: 200 })
})

Lines.run()
Stages.run()
