// What the live scale bench (bench/live-scale.ts) reads: a small live run whose workers report
// their event-loop lag, open file descriptors and threads, and write a CPU profile of the run
// when asked; the profile summary sums self time by file and function and leaves idle time out;
// the gauges see a blocked event loop; the bench refuses a bad sweep naming the flag. Live runs
// print a SKIP line without node-datachannel.

import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { formatProfileTotals, summarizeProfiles } from '../live/scenario/cpu-profile-totals.ts'
import { ProcessGauges } from '../live/scenario/process-gauges.ts'
import { runLive } from '../live/scenario/run-live.ts'
import { PROJECT_ROOT } from '../sim/results/run-metadata.ts'
import { scenarioFrom } from './helpers/scenario.ts'

let skipReason: string | undefined
try {
  await import('node-datachannel')
} catch (error) {
  skipReason = `node-datachannel did not load: ${(error as Error).message.split('\n')[0]}`
}

const Profiles = suite('cpu profile summary')

Profiles('sums self time by file and by function over every profile under the folders, idle left out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brtc-profiles-'))
  try {
    const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0, scriptId: '0' })
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4] },
        { id: 2, callFrame: frame('(idle)', '') },
        { id: 3, callFrame: frame('proveTo', `file://${PROJECT_ROOT}/live/link-proof.ts`, 9) },
        { id: 4, callFrame: frame('mod', `file://${PROJECT_ROOT}/node_modules/@noble/curves/abstract/modular.js`, 31) },
      ],
      startTime: 0, endTime: 100,
      samples: [2, 3, 4, 4, 3, 2],
      timeDeltas: [10, 20, 30, 30, 20, 1000],
    }
    writeFileSync(join(dir, 'worker-0.cpuprofile'), JSON.stringify(profile))
    // A profile one folder down counts too; other files do not.
    mkdirSync(join(dir, 'n100-1'))
    writeFileSync(join(dir, 'n100-1', 'worker-1.cpuprofile'), JSON.stringify(profile))
    writeFileSync(join(dir, 'notes.txt'), 'not a profile')
    const totals = summarizeProfiles([dir])
    assert.is(totals.profiles, 2)
    assert.is(totals.totalUs, 2220)
    assert.is(totals.idleUs, 2020)
    assert.is(totals.byFile.get('live/link-proof.ts'), 80)
    assert.is(totals.byFile.get('@noble/curves'), 120)
    assert.is(totals.byFunction.get('proveTo live/link-proof.ts:10:1'), 80)
    const text = formatProfileTotals(totals, 5)
    assert.match(text, /@noble\/curves\s+0\.00\s+60\.0%/)
    assert.match(text, /live\/link-proof\.ts\s+0\.00\s+40\.0%/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

const Gauges = suite('process gauges')

Gauges('count open descriptors and threads, and see a blocked event loop', async () => {
  const gauges = new ProcessGauges()
  gauges.start()
  // The histogram measures from its timer's first tick; then block the loop for 60 ms, which it must see most of.
  await new Promise((resolve) => setTimeout(resolve, 35))
  const until = performance.now() + 60
  while (performance.now() < until) { /* blocking on purpose */ }
  await new Promise((resolve) => setTimeout(resolve, 30))
  gauges.sample()
  const f = gauges.figures()
  assert.ok(f.loopDelayMaxMs >= 40, `max lag ${f.loopDelayMaxMs} ms after blocking 60 ms`)
  assert.ok(f.loopDelayP50Ms <= f.loopDelayP99Ms && f.loopDelayP99Ms <= f.loopDelayMaxMs)
  assert.ok(Number.isNaN(f.beforeSplitLoopDelayMaxMs), 'no split, no first phase')
  if (process.platform === 'linux') {
    assert.ok(f.maxOpenFds >= 3, `${f.maxOpenFds} open fds`)
    assert.ok(f.maxThreads >= 1, `${f.maxThreads} threads`)
  }
})

Gauges('split: the lag before it stays with the first phase', async () => {
  const gauges = new ProcessGauges()
  gauges.start()
  await new Promise((resolve) => setTimeout(resolve, 35))
  const until = performance.now() + 60
  while (performance.now() < until) { /* blocking on purpose */ }
  await new Promise((resolve) => setTimeout(resolve, 30))
  gauges.split()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const f = gauges.figures()
  assert.ok(f.beforeSplitLoopDelayMaxMs >= 40, `first phase max lag ${f.beforeSplitLoopDelayMaxMs} ms after blocking 60 ms`)
  assert.ok(f.beforeSplitLoopDelayP99Ms <= f.beforeSplitLoopDelayMaxMs)
  assert.ok(Number.isFinite(f.loopDelayMaxMs))
})

const LiveRun = suite('live run with gauges and profiles')

if (skipReason !== undefined) console.log(`SKIP live-scale: a profiled live run (${skipReason})`)
else LiveRun('a small live run reports each worker\'s gauges and writes one CPU profile per worker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'brtc-scale-'))
  try {
    const scenario = scenarioFrom(`
name: scale-small
protocol: brubeck
seed: 3
nodes: 6
topology: { builder: tracker, degree: 2, trackers: 1 }
network: { latency: { model: fixed, ms: 0 } }
workload: { publishersPerStream: 1, messagesPerPublisher: 10, ratePerSecond: 20, payloadBytes: 64, warmupS: 5 }
`)
    // 5 s to link up: every link proves its key first, and on a loaded CI machine (load 7) 2 s left
    // most of the six nodes unlinked when publishing began (delivery 0.4).
    const { summary } = await runLive(scenario, { quiet: true, workers: 2, profileDir: dir })
    assert.is(summary.deliveryRatio, 1)
    assert.is(summary.live.processes.length, 2)
    for (const p of summary.live.processes) {
      assert.ok(Number.isFinite(p.loopDelayP99Ms) && p.loopDelayP99Ms >= 0, `worker ${p.worker} loop lag ${p.loopDelayP99Ms}`)
      assert.ok(Number.isFinite(p.joinLoopDelayP99Ms) && p.joinLoopDelayP99Ms <= p.joinLoopDelayMaxMs, `worker ${p.worker} lag while joining ${p.joinLoopDelayP99Ms}`)
      if (process.platform === 'linux') assert.ok(p.maxOpenFds > 3 && p.maxThreads > 1, `worker ${p.worker}: ${p.maxOpenFds} fds, ${p.maxThreads} threads`)
    }
    assert.equal(readdirSync(dir).sort(), ['worker-0.cpuprofile', 'worker-1.cpuprofile'])
    for (const file of readdirSync(dir)) {
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { samples: number[] }
      assert.ok(profile.samples.length > 0, `${file} has no samples`)
    }
    assert.ok(summarizeProfiles([dir]).byFile.size > 0)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

const Cli = suite('bench --only live-scale options')

function bench(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench/run.ts'), ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d })
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

Cli('a bad size or layout is refused with exit 2, naming the flag and what it expected', async () => {
  const sizes = await bench(['--only', 'live-scale', '--scale-sizes', '100,0'])
  assert.is(sizes.code, 2)
  assert.match(sizes.stderr, /--scale-sizes: expected node counts >= 1/)
  const layouts = await bench(['--only', 'live-scale', '--scale-per-process', 'cores,many'])
  assert.is(layouts.code, 2)
  assert.match(layouts.stderr, /--scale-per-process: expected "cores" or nodes per worker process/)
})

Profiles.run()
Gauges.run()
LiveRun.run()
Cli.run()
