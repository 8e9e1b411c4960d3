// The command line as CI uses it: exit codes, budget lines, error messages, result files.

import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { sim } from './helpers/sim-cli.ts'

const dir = mkdtempSync(join(tmpdir(), 'cli-'))


function scenario(name: string, budgets: string[], extra = ''): string {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, `name: ${name}\nprotocol: brubeck\nnodes: 200\nnetwork: { latency: { model: fixed, ms: 10 } }\nworkload: { messagesPerPublisher: 10, warmupS: 1 }\nbudgets: ${JSON.stringify(budgets)}\n${extra}`)
  return file
}

const Check = suite('sim check')

Check('exits 0 with a pass line per budget when all hold', () => {
  const r = sim('check', scenario('ok', ['deliveryRatio >= 0.999', 'latencyMs.p99 <= 1000 ms']), '--out', join(dir, 'ok-out'), '--quiet')
  assert.is(r.code, 0, r.err)
  assert.match(r.out, /deliveryRatio\s+>=\s+0\.999\s+1\s+pass/)
  assert.match(r.out, /latencyMs\.p99\s+<=\s+1,000\s+[\d.]+\s+pass/)
  assert.match(r.out, /all budgets hold/)
})

Check('exits 1 when a budget breaks, naming it', () => {
  const r = sim('check', scenario('broken', ['latencyMs.p50 < 1']), '--out', join(dir, 'broken-out'), '--quiet')
  assert.is(r.code, 1)
  assert.match(r.out, /latencyMs\.p50\s+<\s+1\s+[\d.]+\s+FAIL/)
})

Check('exits 2 on a bad scenario, naming file, field, value and expectation, and runs nothing', () => {
  const file = join(dir, 'bad.yaml')
  writeFileSync(file, 'name: bad\nprotocol: brubeck\nnodes: 200\ntopology: { degre: 4 }\nnetwork: { lossRate: 2 }\n')
  const r = sim('check', file, '--out', join(dir, 'bad-out'))
  assert.is(r.code, 2)
  assert.match(r.err, /bad\.yaml: topology\.degre: .*unknown field "degre".*did you mean "degree"/)
  assert.match(r.err, /bad\.yaml: network\.lossRate: got 2, expected/)
  assert.not.ok(existsSync(join(dir, 'bad-out')))
})

const Run = suite('sim run')

Run('writes every result file, and --set and --seed reach the run', () => {
  const out = join(dir, 'run-out')
  const r = sim('run', scenario('files', []), '--out', out, '--seed', '9', '--set', 'record.deliveries=true', '--quiet')
  assert.is(r.code, 0, r.err)
  assert.equal(readdirSync(out).sort(), ['deliveries.csv', 'scenario.yaml', 'summary.json', 'timeseries.csv', 'topology.json'])
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))
  assert.is(summary.seed, 9)
  assert.is(summary.scenario, 'files')
  for (const key of ['scenario', 'seed', 'nodes', 'published', 'receivers', 'deliveryRatio', 'latencyMs', 'duplicatesPerDelivery', 'rmr', 'hops', 'events', 'simulatedSeconds', 'wallSeconds', 'peakRssMb', 'budgets', 'version', 'commit']) {
    assert.ok(key in summary, `summary.json lacks ${key}`)
  }
  assert.is(summary.latencyMs.count, 10 * 199)
  const deliveries = readFileSync(join(out, 'deliveries.csv'), 'utf8').split('\n')
  assert.is(deliveries[0], '# scenario=files')
  assert.ok(deliveries.includes('messageId,publisher,publishedAtMs,node,receivedAtMs,hops,from,duplicate,copy'))
  assert.match(r.out, /latency\s+ms/)
})

const Sweep = suite('sim sweep')

Sweep('writes one row per grid point in the table and in sweep.csv', () => {
  const out = join(dir, 'sweep-out')
  const r = sim('sweep', scenario('grid', ['deliveryRatio >= 0.99'], 'sweep:\n  topology.degree: [3, 5]\n  network.latency.ms: [5, 20]\n'), '--out', out, '--quiet')
  assert.is(r.code, 0, r.err)
  const csv = readFileSync(join(out, 'sweep.csv'), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'))
  assert.is(csv.length, 5)
  assert.match(csv[0], /^topology\.degree,network\.latency\.ms,runDir,deliveryRatio,/)
  assert.match(csv[1], /^3,5,point-1,1,/)
  assert.match(csv[4], /^5,20,point-4,1,/)
  assert.ok(existsSync(join(out, 'point-4', 'summary.json')))
})

const Usage = suite('sim usage')

Usage('exits 2 on usage errors, and 0 with help for --help', () => {
  assert.is(sim('frobnicate').code, 2)
  assert.is(sim('run').code, 2)
  const help = sim('run', '--help')
  assert.is(help.code, 0)
  assert.match(help.out, /--set a\.b=value/)
})

Check.run()
Run.run()
Sweep.run()
Usage.run()
