// Sweeps beyond one run at a time: points in worker threads (--jobs), replicated over seeds
// (--seeds), and sharded over separate processes (--shard i/n) then merged. Each must write the
// files of the serial sweep, byte for byte, wall-clock fields aside; the statistics of a
// replicated point must be the t intervals computed by hand.
// time-limit: 300 s

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { WALL_CLOCK_FIELDS, type Summary } from '../sim/results/summary-types.ts'
import { meanInterval } from '../sim/results/compare-stats.ts'
import { budgetsHeld, checkBudgetsOnMean } from '../sim/results/budget-check.ts'
import { replicatedRow, sweepCsvHead, type SweepCsvPlan } from '../sim/results/sweep-csv.ts'
import { parseShard, shardFromEnvironment, shardPointIndices } from '../sim/results/sweep-shard.ts'
import { parseBudget } from '../sim/scenario/budget.ts'
import type { Budget } from '../sim/scenario/types.ts'
import { sim } from './helpers/sim-cli.ts'

const tmp = mkdtempSync(join(tmpdir(), 'sweep-parallel-'))
const children = new Set<ChildProcess>()


/** The CLI as a separate process, as a shard of an array job runs; closed if the test fails first. */
function simProcess(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/sim.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  children.add(child)
  let err = ''
  child.stderr!.on('data', (d) => { err += String(d) })
  return new Promise((resolve) => child.on('close', (code) => {
    children.delete(child)
    resolve({ code, err })
  }))
}

// Five points, so that four shards are uneven (point 5 goes to shard 0), with receipts recorded.
const GRID = join(tmp, 'grid.yaml')
writeFileSync(GRID, `name: grid
protocol: brubeck
nodes: 120
topology: { builder: tracker, degree: 4 }
network: { latency: { model: uniform, minMs: 5, maxMs: 40 }, lossRate: 0.01 }
churn: { initialNodes: 100, arrivalRatePerS: 5 }
workload: { messagesPerPublisher: 20, ratePerSecond: 10, warmupS: 2 }
record: { deliveries: true }
budgets: ["deliveryRatio >= 0.5", "latencyMs.p99 <= 150 ms"]
sweep:
  topology.degree: [3, 4, 5, 6, 8]
`)

/** Every file under `dir` by relative path, wall-clock fields taken out: what must be equal. */
function sweepFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  const walk = (at: string) => {
    for (const entry of readdirSync(at).sort()) {
      const path = join(at, entry)
      if (statSync(path).isDirectory()) walk(path)
      else files[relative(dir, path)] = normalised(entry, readFileSync(path, 'utf8'))
    }
  }
  walk(dir)
  return files
}

function normalised(file: string, text: string): string {
  if (file === 'summary.json') {
    const summary = JSON.parse(text) as Record<string, unknown>
    for (const key of WALL_CLOCK_FIELDS) {
      assert.ok(key in summary, `summary.json has ${key}`)
      delete summary[key]
    }
    return JSON.stringify(summary)
  }
  if (file === 'sweep.csv' || file === 'sweep-runs.csv') {
    const lines = text.split('\n')
    const header = lines.findIndex((l) => !l.startsWith('#'))
    const wall = lines[header].split(',').flatMap((c, i) => (c.startsWith('wallSeconds') ? [i] : []))
    assert.ok(wall.length > 0, `${file} has a wallSeconds column`)
    return lines.map((l, i) => (i <= header || l === '' ? l : l.split(',').map((c, k) => (wall.includes(k) ? 'WALL' : c)).join(','))).join('\n')
  }
  return text
}

function assertSameSweep(actual: string, expected: string): void {
  const [a, e] = [sweepFiles(actual), sweepFiles(expected)]
  assert.equal(Object.keys(a), Object.keys(e), `${actual}: the same files as ${expected}`)
  for (const file of Object.keys(e)) assert.ok(a[file] === e[file], `${file} differs between ${actual} and ${expected}`)
}

const Parallel = suite('parallel sweeps')

Parallel('--jobs 2 writes what --jobs 1 writes, byte for byte but the wall clock', () => {
  const serial = sim('sweep', GRID, '--jobs', '1', '--out', join(tmp, 'serial'), '--quiet')
  assert.is(serial.code, 1, serial.err)
  const parallel = sim('sweep', GRID, '--jobs', '2', '--out', join(tmp, 'parallel'), '--quiet')
  assert.is(parallel.code, 1, parallel.err)
  assert.is(parallel.out.replace(/results: .*/, ''), serial.out.replace(/results: .*/, ''), 'the same table')
  const rows = readFileSync(join(tmp, 'serial', 'sweep.csv'), 'utf8').split('\n').filter((l) => /^\d/.test(l))
  assert.equal(rows.map((r) => r.split(',').slice(0, 2).join(' ')), ['3 point-1', '4 point-2', '5 point-3', '6 point-4', '8 point-5'])
  assert.ok(existsSync(join(tmp, 'serial', 'point-5', 'deliveries.csv')))
  assertSameSweep(join(tmp, 'parallel'), join(tmp, 'serial'))
})

Parallel('with seeds, in parallel as one at a time: sweep.csv has mean, sd and interval per metric, sweep-runs.csv a row per seed', () => {
  const serial = sim('sweep', GRID, '--seeds', '3', '--jobs', '1', '--out', join(tmp, 'seeds-serial'), '--quiet')
  assert.ok(serial.code === 0 || serial.code === 1, serial.err)
  const parallel = sim('sweep', GRID, '--seeds', '3', '--jobs', '2', '--out', join(tmp, 'seeds-parallel'), '--quiet')
  assert.is(parallel.code, serial.code, parallel.err)
  assert.match(serial.out, /budgets judged on every seed/)
  assertSameSweep(join(tmp, 'seeds-parallel'), join(tmp, 'seeds-serial'))
  const dir = join(tmp, 'seeds-serial')
  assert.equal(readdirSync(join(dir, 'point-2')), ['seed1', 'seed2', 'seed3'])
  const csv = readFileSync(join(dir, 'sweep.csv'), 'utf8').split('\n').filter((l) => l !== '')
  assert.ok(csv.includes('# seeds=1,2,3') && csv.includes('# confidence=0.95') && csv.includes('# budgetsOn=every-seed'), csv.slice(0, 9).join('\n'))
  const [header, ...rows] = csv.filter((l) => !l.startsWith('#'))
  const columns = header.split(',')
  assert.equal(columns.slice(0, 7), ['topology.degree', 'runDir', 'runs', 'deliveryRatio.mean', 'deliveryRatio.sd', 'deliveryRatio.ciLow', 'deliveryRatio.ciHigh'])
  assert.is(rows.length, 5)
  // Point 2's p99 latency, from its three summaries, against the t interval by hand.
  const p99 = [1, 2, 3].map((seed) => (JSON.parse(readFileSync(join(dir, 'point-2', `seed${seed}`, 'summary.json'), 'utf8')) as Summary).latencyMs.p99)
  const mean = (p99[0] + p99[1] + p99[2]) / 3
  const sd = Math.sqrt(p99.reduce((a, x) => a + (x - mean) ** 2, 0) / 2)
  const half = 4.302652729911275 * sd / Math.sqrt(3)
  const cell = (name: string) => Number(rows[1].split(',')[columns.indexOf(name)])
  assert.is(cell('runs'), 3)
  for (const [name, value] of [['latencyP99Ms.mean', mean], ['latencyP99Ms.sd', sd], ['latencyP99Ms.ciLow', mean - half], ['latencyP99Ms.ciHigh', mean + half]] as const) {
    assert.ok(Math.abs(cell(name) - value) < 1e-6, `${name}: ${cell(name)} vs ${value}`)
  }
  const runs = readFileSync(join(dir, 'sweep-runs.csv'), 'utf8').split('\n').filter((l) => /^\d/.test(l))
  assert.equal(runs.map((r) => r.split(',').slice(0, 3).join(' ')).slice(3, 7), ['4 1 point-2/seed1', '4 2 point-2/seed2', '4 3 point-2/seed3', '5 1 point-3/seed1'])
  assert.is(runs.length, 15)
})

Parallel('4 shards run as 4 processes and merged equal the serial sweep; merge refuses what does not fit', async () => {
  const shardDir = (i: number) => join(tmp, 'shards', `shard-${i}`)
  // Shard 3 from the environment, as a Slurm array task 4 of --array=1-4 would be.
  const done = await Promise.all([0, 1, 2, 3].map((i) => simProcess(
    ['sweep', GRID, '--seeds', '3', '--jobs', '1', '--out', shardDir(i), '--quiet', ...(i === 3 ? [] : ['--shard', `${i}/4`])],
    i === 3 ? { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' } : {})))
  for (const r of done) assert.ok(r.code === 0 || r.code === 1, r.err)
  const record = JSON.parse(readFileSync(join(shardDir(3), 'shard.json'), 'utf8'))
  assert.equal([record.shard, record.shardPoints, record.complete, record.seeds], [{ index: 3, count: 4 }, [4], true, [1, 2, 3]])
  assert.equal(JSON.parse(readFileSync(join(shardDir(0), 'shard.json'), 'utf8')).shardPoints, [1, 5])
  const merged = sim('merge', shardDir(2), shardDir(0), shardDir(3), shardDir(1), '--out', join(tmp, 'merged'))
  assert.ok(merged.code === 0 || merged.code === 1, merged.err)
  assertSameSweep(join(tmp, 'merged'), join(tmp, 'seeds-serial'))

  const refused = (r: ReturnType<typeof sim>, pattern: RegExp) => {
    assert.is(r.code, 2, r.out + r.err)
    assert.match(r.err, pattern)
  }
  refused(sim('merge', shardDir(0), shardDir(1), shardDir(3), '--out', join(tmp, 'no-1')), /shard 2 of 4 missing \(got 0, 1, 3\)/)
  refused(sim('merge', shardDir(0), shardDir(1), shardDir(1), shardDir(3)), /shard 1\/4 given twice/)
  const other = join(tmp, 'shards', 'other-seeds')
  assert.ok([0, 1].includes(sim('sweep', GRID, '--seeds', '2', '--shard', '2/4', '--out', other, '--quiet').code ?? -1))
  refused(sim('merge', shardDir(0), shardDir(1), other, shardDir(3)), /other-seeds\/shard\.json: scenarioSha256: got .*the shards of one sweep come from the same scenario, seeds, version and commit/)
  const unfinished = join(shardDir(1), 'shard.json')
  writeFileSync(unfinished, readFileSync(unfinished, 'utf8').replace('"complete": true', '"complete": false'))
  refused(sim('merge', shardDir(0), shardDir(1), shardDir(2), shardDir(3)), /shard-1 \(shard 1\/4\): did not finish/)
  refused(sim('merge', join(tmp, 'serial')), /serial\/shard\.json: cannot be read \(ENOENT\); expected the folder a `sim sweep --shard i\/n` wrote/)
  assert.not.ok(existsSync(join(tmp, 'no-1')))
})

Parallel.after(() => {
  for (const child of children) child.kill()
  rmSync(tmp, { recursive: true, force: true })
})

const Stats = suite('replicated points')

Stats('mean, sd and 95% t interval of a known sample, as computed by hand', () => {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, s = sqrt(32 / 7) = 2.1380899, t(0.975, 7) = 2.3646243,
  // half-width = 2.3646243 x 2.1380899 / sqrt(8) = 1.7874879.
  const s = meanInterval([2, 4, 4, 4, 5, 5, 7, 9])
  assert.is(s.mean, 5)
  assert.ok(Math.abs(s.sd - 2.1380899) < 1e-7, String(s.sd))
  assert.ok(Math.abs(s.halfWidth - 1.7874879) < 1e-7, String(s.halfWidth))
  assert.ok(Number.isNaN(meanInterval([3]).sd) && Number.isNaN(meanInterval([]).sd))
})

const summary = (deliveryRatio: number, p99: number, budgets: Summary['budgets'] = []) =>
  ({ deliveryRatio, latencyMs: { mean: p99 / 2, p50: p99 / 2, p90: p99, p99, count: 10, max: p99 }, duplicatesPerDelivery: 1, rmr: 1, hops: { mean: 2 }, wallSeconds: 1, budgets }) as unknown as Summary

Stats('a replicated row holds each metric\'s mean, sd and interval bounds; budgets judged on the mean or on every seed', () => {
  const plan: SweepCsvPlan = { scenario: { name: 'known', seed: 1 }, keys: ['nodes'], points: 1, messageLayer: false, replication: { seeds: [1, 2, 3], budgetsOn: 'mean' } }
  const head = sweepCsvHead(plan).split('\n').filter((l) => l !== '' && !l.startsWith('#'))[0].split(',')
  // p99 10, 20, 60: mean 30, s = sqrt(1400 / 2) = 26.4575131, t(0.975, 2) = 4.3026527, half-width 65.7241
  const runs = [summary(1, 10), summary(0.9, 20), summary(0.8, 60)]
  const row = replicatedRow(plan, { nodes: 100 }, 'point-1', runs, 1, 2).trimEnd().split(',')
  const at = (name: string) => Number(row[head.indexOf(name)])
  assert.is(at('latencyP99Ms.mean'), 30)
  assert.ok(Math.abs(at('latencyP99Ms.sd') - 26.457513) < 1e-6)
  assert.ok(Math.abs(at('latencyP99Ms.ciLow') - (30 - 65.724107)) < 1e-5 && Math.abs(at('latencyP99Ms.ciHigh') - (30 + 65.724107)) < 1e-5, row.join(','))
  assert.equal([row[0], row[1], row[2], row[row.length - 1]], ['100', 'point-1', '3', '1/2'])

  const budgets = ['deliveryRatio >= 0.85', 'latencyMs.p99 <= 50 ms'].map((b) => parseBudget(b) as Budget)
  const judged = checkBudgetsOnMean(budgets, runs)
  assert.equal(judged.map((b) => [b.value, b.pass]), [[0.9, true], [30, true]])
  const perSeed = runs.map((r) => ({ ...r, budgets: budgets.map((b, i) => ({ ...b, value: 0, pass: [[true, true], [true, true], [false, false]][runs.indexOf(r)][i] })) }))
  assert.is(budgetsHeld('mean', budgets, perSeed), 2)
  assert.is(budgetsHeld('every-seed', budgets, perSeed), 0, 'the third seed broke both')
  // A metric one seed lacks cannot hold on the mean.
  assert.is(checkBudgetsOnMean(budgets, [runs[0], { ...runs[1], deliveryRatio: null } as unknown as Summary])[0].pass, false)
})

const Shards = suite('shards')

Shards('shard i of n runs the points k with k mod n = i, from 0; the environment of an array job names it', () => {
  assert.equal(shardPointIndices(5, { index: 0, count: 4 }), [0, 4])
  assert.equal(shardPointIndices(5, { index: 3, count: 4 }), [3])
  assert.equal(shardPointIndices(2, { index: 3, count: 4 }), [])
  assert.equal(shardPointIndices(3, undefined), [0, 1, 2])
  assert.equal(parseShard('2/4'), { index: 2, count: 4 })
  for (const bad of ['4/4', '1/0', '-1/2', 'a/b', '3']) assert.throws(() => parseShard(bad), /--shard: got ".*", expected i\/n with n >= 1 and 0 <= i < n/)
  assert.is(shardFromEnvironment({}), undefined)
  assert.equal(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '3' })?.shard, { index: 0, count: 3 })
  assert.equal(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' })?.shard, { index: 3, count: 4 })
  assert.equal(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '6', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_STEP: '2', SLURM_ARRAY_TASK_COUNT: '4' })?.shard, { index: 3, count: 4 })
  assert.throws(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_COUNT: '4' }), /expected an array of evenly spaced task ids/)
  assert.equal(shardFromEnvironment({ JOB_COMPLETION_INDEX: '2', JOB_COMPLETIONS: '3' })?.shard, { index: 2, count: 3 })
  assert.throws(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '2' }), /JOB_COMPLETION_INDEX=2 .* without JOB_COMPLETIONS/)
})

const Flags = suite('flags of parallel and replicated runs')

Flags('seeds: in the file replicates sweep and check; flags that do not fit their command exit 2', () => {
  const seeded = join(tmp, 'seeded.yaml')
  writeFileSync(seeded, 'name: seeded\nprotocol: brubeck\nnodes: 50\nworkload: { messagesPerPublisher: 5 }\nbudgets: ["deliveryRatio >= 0.5"]\nseeds: [5, 9]\n')
  const dry = sim('sweep', seeded, '--dry-run', '--jobs', '2')
  assert.is(dry.code, 0, dry.err)
  assert.match(dry.out, /valid; would run 1 point\(s\) x 2 seed\(s\) of seeded .* 2 at a time/)
  assert.match(sim('check', seeded, '--seeds', '3', '--dry-run').out, /x 3 seed\(s\)/)
  const usage = (args: string[], pattern: RegExp) => {
    const r = sim(...args)
    assert.is(r.code, 2, args.join(' '))
    assert.match(r.err, pattern)
  }
  usage(['run', seeded, '--seeds', '2'], /--seeds goes with sweep, check and compare/)
  usage(['run', seeded, '--jobs', '2'], /--jobs goes with sweep, check and compare/)
  usage(['check', seeded, '--shard', '0/2'], /--shard goes with sweep/)
  usage(['sweep', GRID, '--budgets-on', 'mean'], /--budgets-on goes with seeds/)
  usage(['sweep', seeded, '--budgets-on', 'median'], /--budgets-on: expected every-seed or mean, got "median"/)
  usage(['sweep', seeded, '--jobs', '0'], /--jobs: expected an integer 1\.\.256, got "0"/)
  usage(['sweep', seeded, '--shard', '2/2'], /--shard: got "2\/2", expected i\/n/)
  usage(['merge', join(tmp, 'nowhere'), '--seeds', '2'], /--seeds does not go with merge/)
})

Stats.run()
Shards.run()
Flags.run()
Parallel.run()
