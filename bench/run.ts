// `npm run bench [-- --quick] [--only queue,dedup,relay,engine,crypto,layout,macro,live,storage,viz,live-scale] [--repeat N] [--size 10k,100k,1m]
// [--storage-messages N] [--scale-sizes 100,300,...] [--scale-per-process cores,25] [--scale-profile DIR]`: micro
// benchmarks (tinybench), whole-scenario runs and live runs on this machine, printed as tables and
// written to results/bench/<timestamp>.json with the version, commit and machine they came from.
// The live and viz (explorer FPS, bench/viz-fps.ts) groups take minutes, so --quick leaves them out
// unless --only names them. --size runs only
// the flooding runs of those sizes (each beside the bare flood); 1m is in no default set. The
// storage group stores --storage-messages messages (default 1 M, 100 k with --quick). The live
// scale group (bench/live-scale.ts) runs only when --only names it: a sweep to 1,000 live nodes
// takes the better part of an hour.

import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { timestampId } from '../sim/results/run-dir.ts'
import { PROJECT_ROOT, runMetadata } from '../sim/results/run-metadata.ts'
import type { GroupResult, MicroOptions } from './common.ts'
import { cryptoBench } from './crypto.bench.ts'
import { duplicateDetectorBench } from './duplicate-detector.bench.ts'
import { engineBench } from './engine.bench.ts'
import { eventQueueBench } from './event-queue.bench.ts'
import { layoutForceBench } from './layout-force.bench.ts'
import { FLOOD_SIZES, macroBench, type MacroResult } from './macro.ts'
import { relayBench } from './relay.bench.ts'
import { formatLive, liveBench, type LiveBenchOutput } from './live.ts'
import { SCALE_LAYOUTS, SCALE_SIZES, type ScaleLayout, type ScaleOutput, formatLiveScale, liveScaleBench } from './live-scale.ts'
import { STORAGE_BENCH_MESSAGES, STORAGE_BENCH_QUICK_MESSAGES, formatStorage, storageBench, type StorageBenchOutput } from './storage.ts'
import { formatGroup, formatMacro, formatTargets, judgeTargets } from './report.ts'
import { formatVizFps, VIZ_FPS_DEFAULTS, vizFpsBench, type VizFpsResult } from './viz-fps.ts'

const MICRO: Record<string, (opts: MicroOptions) => Promise<GroupResult>> = {
  queue: eventQueueBench,
  dedup: duplicateDetectorBench,
  relay: relayBench,
  engine: engineBench,
  crypto: cryptoBench,
  layout: layoutForceBench,
}
const GROUPS = [...Object.keys(MICRO), 'macro', 'live', 'storage', 'viz', 'live-scale']
/** Minutes each: left out by --quick unless --only names them. */
const SLOW_GROUPS = ['live', 'viz']
/** Groups a run without --only leaves out. */
const ONLY_WHEN_NAMED = ['live-scale']

const USAGE = `usage: npm run bench -- [--quick] [--only ${GROUPS.join(',')}] [--repeat N] [--size ${Object.keys(FLOOD_SIZES).join(',')}] [--storage-messages N]`
  + ` [--scale-sizes ${SCALE_SIZES.join(',')}] [--scale-per-process ${SCALE_LAYOUTS.join(',')}] [--scale-profile DIR]`

/** --scale-sizes and --scale-per-process: a list, or undefined with the reason it is not one. */
function scaleList<T>(text: string | undefined, fallback: T[], item: (s: string) => T | undefined): T[] | undefined {
  if (text === undefined) return fallback
  const items = text.split(',').map((s) => item(s.trim()))
  return items.length > 0 && items.every((x) => x !== undefined) ? items as T[] : undefined
}
const positive = (s: string) => /^[1-9][0-9]*$/.test(s) ? Number(s) : undefined

function options() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        repeat: { type: 'string', default: '1' },
        size: { type: 'string' },
        'storage-messages': { type: 'string' },
        'scale-sizes': { type: 'string' },
        'scale-per-process': { type: 'string' },
        'scale-profile': { type: 'string' },
      },
    }).values
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`)
    return undefined
  }
}

async function main(): Promise<number> {
  const values = options()
  if (values === undefined) return 2
  const sizes = values.size?.split(',').map((s) => s.trim().toLowerCase())
  // --size alone means those flooding runs and nothing else.
  const only = values.only !== undefined ? values.only.split(',').map((s) => s.trim())
    : sizes !== undefined ? ['macro'] : GROUPS.filter((g) => !ONLY_WHEN_NAMED.includes(g) && !(values.quick && SLOW_GROUPS.includes(g)))
  const unknown = [...only.filter((g) => !GROUPS.includes(g)), ...(sizes ?? []).filter((s) => !(s in FLOOD_SIZES))]
  const repeat = Number(values.repeat)
  const storageMessages = values['storage-messages'] !== undefined ? Number(values['storage-messages'])
    : values.quick ? STORAGE_BENCH_QUICK_MESSAGES : STORAGE_BENCH_MESSAGES
  if (!(Number.isSafeInteger(storageMessages) && storageMessages >= 10_000)) {
    console.error(`--storage-messages: expected an integer >= 10000, got ${JSON.stringify(values['storage-messages'])}\n${USAGE}`)
    return 2
  }
  const scaleSizes = scaleList(values['scale-sizes'], SCALE_SIZES, positive)
  const scaleLayouts = scaleList<ScaleLayout>(values['scale-per-process'], SCALE_LAYOUTS, (s) => s === 'cores' ? 'cores' : positive(s))
  if (scaleSizes === undefined || scaleLayouts === undefined) {
    console.error(`${scaleSizes === undefined ? `--scale-sizes: expected node counts >= 1, comma separated, got ${JSON.stringify(values['scale-sizes'])}`
      : `--scale-per-process: expected "cores" or nodes per worker process (>= 1), comma separated, got ${JSON.stringify(values['scale-per-process'])}`}\n${USAGE}`)
    return 2
  }
  if (unknown.length > 0 || !(Number.isInteger(repeat) && repeat >= 1)) {
    console.error(USAGE)
    return 2
  }
  const quick = values.quick
  const started = new Date()
  const { version, commit } = runMetadata()
  const cpus = os.cpus()
  const machine = {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    logicalCores: cpus.length,
    memoryGb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    platform: `${os.platform()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  }
  console.log([
    `Block RTC testbed benchmarks, version ${version}, commit ${commit}, ${started.toISOString()}`,
    `machine: ${machine.cpu}, ${machine.logicalCores} logical cores, ${machine.memoryGb} GB, ${machine.platform}, node ${machine.node} (V8 ${machine.v8})`,
    `load average at start: ${machine.loadAverageAtStart.join(' ')} (other processes on this machine count in every figure below)`,
    `mode: ${quick ? 'quick (shorter tinybench budgets, no 100k or DHT runs, no live or viz group unless --only names it)' : 'full'}; groups: ${only.join(', ')}; macro runs per scale: ${repeat}${sizes ? `; flooding sizes: ${sizes.join(', ')}` : ''}`,
    'micro figures: median over samples of (operations per sample / sample time); samples = timed tinybench iterations',
    '',
  ].join('\n'))

  const micro: GroupResult[] = []
  for (const group of only.filter((g) => g in MICRO)) {
    console.error(`running ${group} ...`)
    const result = await MICRO[group]({ quick })
    micro.push(result)
    console.log(formatGroup(result) + '\n')
  }
  let macro: MacroResult[] = []
  if (only.includes('macro')) {
    macro = await macroBench({ quick, repeat, sizes }, (line) => console.error(line))
    console.log(formatMacro(macro, repeat) + '\n')
  }
  let live: LiveBenchOutput | undefined
  if (only.includes('live')) {
    live = await liveBench({ repeat }, (line) => console.error(line))
    console.log(formatLive(live) + '\n')
  }
  let storage: StorageBenchOutput | undefined
  if (only.includes('storage')) {
    storage = await storageBench({ messages: storageMessages, repeat }, (line) => console.error(line))
    console.log(formatStorage(storage) + '\n')
  }
  let vizFps: VizFpsResult | undefined
  if (only.includes('viz')) {
    vizFps = await vizFpsBench(VIZ_FPS_DEFAULTS, (line) => console.error(line))
    console.log(formatVizFps(vizFps) + '\n')
  }
  let liveScale: ScaleOutput | undefined
  if (only.includes('live-scale')) {
    const profileDir = values['scale-profile']
    liveScale = await liveScaleBench({ sizes: scaleSizes, layouts: scaleLayouts, repeat, ...(profileDir !== undefined ? { profileDir } : {}) }, (line) => console.error(line))
    console.log(formatLiveScale(liveScale) + '\n')
  }
  const targets = judgeTargets(macro)
  if (only.includes('macro')) console.log(formatTargets(targets) + '\n')

  const seconds = (Date.now() - started.getTime()) / 1000
  const dir = join(PROJECT_ROOT, 'results', 'bench')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${timestampId(started)}.json`)
  writeFileSync(file, JSON.stringify({ version, commit, startedAt: started.toISOString(), seconds, machine, options: { quick, only, repeat, sizes, storageMessages, scaleSizes, scaleLayouts }, micro, macro, live, storage, vizFps, liveScale, targets }, null, 2) + '\n')
  console.log(`bench took ${seconds.toFixed(0)} s; written to ${file}`)
  const failed = micro.flatMap((g) => g.checks).filter((c) => !c.pass && c.expectFail !== true)
  const liveFailed = (live !== undefined && (live.workloads.some((w) => w.errors.length > 0) || 'error' in live.calibration))
    || (liveScale !== undefined && !liveScale.results.some((r) => r.held))
  return failed.length > 0 || macro.some((m) => m.errors.length > 0) || liveFailed ? 1 : 0
}

main().then((code) => { process.exitCode = code }, (error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error)
  process.exitCode = 3
})
