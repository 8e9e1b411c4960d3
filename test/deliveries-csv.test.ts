// deliveries.csv writes what arrived: a forged copy carries the id and publisher it claims and is
// marked forged, so a replay or an analysis can tell it from the genuine message.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runScenario } from '../sim/runner.ts'
import { writeRun } from '../sim/results/write-run.ts'
import { scenarioFrom } from './helpers/scenario.ts'

const Deliveries = suite('deliveries.csv')

Deliveries('forged copies keep the id and publisher they claim, marked forged; genuine ones are marked genuine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deliveries-csv-'))
  try {
    const { simulation, summary } = await runScenario(scenarioFrom(`
name: forged-rows
protocol: brubeck
seed: 1
nodes: 150
topology: { builder: static, degree: 4 }
network: { latency: { model: geo, intraRegionRttMs: 2 } }
workload: { messagesPerPublisher: 20, ratePerSecond: 10, warmupS: 2 }
security: { crypto: modelled }
adversaries: { forgers: { fraction: 0.1, mode: alter, maxPerSecond: 20 } }
record: { deliveries: true }
`))
    await writeRun(dir, simulation, summary)
    const lines = readFileSync(join(dir, 'deliveries.csv'), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'))
    const header = lines[0].split(',')
    assert.equal(header, ['messageId', 'publisher', 'publishedAtMs', 'node', 'receivedAtMs', 'hops', 'from', 'duplicate', 'copy'])
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])))
    const genuineIds = new Set(rows.filter((r) => r.copy === 'genuine').map((r) => r.messageId))
    const forged = rows.filter((r) => r.copy === 'forged')
    assert.ok(forged.length > 100, `${forged.length} forged rows`)
    assert.is(genuineIds.size, 20)
    for (const r of rows) {
      assert.ok(r.messageId !== 'undefined' && r.messageId !== '' && r.publisher !== 'undefined' && r.publisher !== '', JSON.stringify(r))
      assert.ok(['genuine', 'forged'].includes(r.copy), r.copy)
    }
    for (const r of forged) {
      assert.ok(genuineIds.has(r.messageId), `a forgery claims a genuine id: ${r.messageId}`)
      assert.is(r.publishedAtMs, '', 'nobody published it')
    }
    const publisherOf = new Map(rows.filter((r) => r.copy === 'genuine').map((r) => [r.messageId, r.publisher]))
    for (const r of forged) assert.is(r.publisher, publisherOf.get(r.messageId), 'and the publisher the genuine one has')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

Deliveries.run()
