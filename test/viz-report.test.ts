// The static report: self-contained (no external loads), summary and down-sampling notes present.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeReport } from '../viz/report.ts'
import { makeRun } from './fixtures/make-run.ts'

const Report = suite('writeReport')

let root = ''
Report.before(async () => { root = await mkdtemp(join(tmpdir(), 'viz-report-')) })
Report.after(async () => { await rm(root, { recursive: true, force: true }) })

Report('writes report.html with summary, inline scripts and data', async () => {
  const run = await makeRun({ root, scenario: 'rep', runId: 'r', nodes: 60, messages: 5, seed: 9 })
  const out = await writeReport(run.dir)
  assert.is(out, join(run.dir, 'report.html'))
  const html = await readFile(out, 'utf8')
  for (const s of ['rep', 'seed 9', '0.1.0', 'fixture', 'latency (samples)', 'reduced to a']) assert.ok(html.includes(s), s)
  assert.not.match(html, /<script[^>]+src=/, 'no external scripts')
  assert.not.match(html, /<link[^>]+href=/, 'no external styles')
  assert.ok(html.includes('VizCharts.renderRunCharts'))
})

Report('writes to a custom output path, and keeps the report of a large run small', async () => {
  const run = await makeRun({ root, scenario: 'rep', runId: 'big', nodes: 2000, messages: 10, seed: 2 })
  const out = await writeReport(run.dir, join(root, 'elsewhere.html'))
  assert.is(out, join(root, 'elsewhere.html'))
  const size = (await stat(out)).size
  const csv = (await stat(join(run.dir, 'deliveries.csv'))).size
  // d3 (~280 KB) + charts + reduced data; independent of the delivery count.
  assert.ok(size < 450_000, `report is ${size} bytes`)
  assert.ok(csv > size, 'deliveries are not embedded')
})

Report.run()
