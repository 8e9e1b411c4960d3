// topology.json under churn: every link between nodes online at the end is listed in both
// directions, and only links both ends hold count.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runScenario } from '../sim/runner.ts'
import { writeRun } from '../sim/results/write-run.ts'
import type { TopologyJson } from '../sim/results/topology-types.ts'
import type { Summary } from '../sim/results/summary-types.ts'
import { loadScenario } from '../sim/scenario/load.ts'

const Topology = suite('topology.json')

Topology('tracker-churn-weibull.yaml: every edge in both directions, between nodes online at the end', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'topology-json-'))
  try {
    const { simulation, summary } = await runScenario(loadScenario('scenarios/tracker-churn-weibull.yaml'))
    await writeRun(dir, simulation, summary)
    const topology = JSON.parse(readFileSync(join(dir, 'topology.json'), 'utf8')) as TopologyJson
    const written = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary
    assert.ok(summary.churn.left + summary.churn.crashed > 500, `real churn: ${JSON.stringify(summary.churn)}`)
    for (const [id, part] of Object.entries(topology.streamParts)) {
      const nodes = new Set(part.nodes.map((n) => n.id))
      assert.is(nodes.size, summary.churn.onlineAtEnd, 'the nodes online at the end')
      const edges = new Set(part.edges.map((e) => `${e.from} ${e.to}`))
      assert.is(edges.size, part.edges.length, 'no edge twice')
      for (const e of part.edges) {
        assert.ok(nodes.has(e.from) && nodes.has(e.to), `${e.from} -> ${e.to}: both ends online`)
        assert.ok(edges.has(`${e.to} ${e.from}`), `${e.from} -> ${e.to} is listed the other way too`)
      }
      const overlay = written.overlay.find((o) => o.streamPart === id)!
      assert.is(overlay.edges, part.edges.length / 2, 'overlay statistics count the same links')
      assert.ok(typeof part.halfOpenLinks === 'number', 'half-open links are counted apart')
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

Topology.run()
