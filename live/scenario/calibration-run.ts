// A sim-versus-live calibration run: the scenario once in the simulator and N times live with
// the same per-link delays (the delay shim), each run compared with the simulated one
// (calibration.ts), the table and charts written (calibration-report.ts). Each run also writes
// its usual folder under results/<scenario>/ (sim-... and live-...). calibrate.ts is the command.

import os from 'node:os'
import { relative } from 'node:path'
import { newRunDir } from '../../sim/results/run-dir.ts'
import { runScenario } from '../../sim/runner.ts'
import { PROJECT_ROOT } from '../../sim/results/run-metadata.ts'
import { writeRun } from '../../sim/results/write-run.ts'
import { ScenarioErrors } from '../../sim/scenario/load.ts'
import { ScenarioError } from '../../sim/scenario/errors.ts'
import type { Scenario } from '../../sim/scenario/types.ts'
import type { Summary } from '../../sim/results/summary-types.ts'
import type { AppMetrics } from '../../sim/metrics/app-metrics.ts'
import { type Simulation, usesMessageLayer } from '../../sim/simulation.ts'
import { type Comparison, type RunSample, compareRuns, receiptGaps } from './calibration.ts'
import { type CalibrationRow, calibrationMarkdown, writeCalibration } from './calibration-report.ts'
import { defaultWorkerCount } from './coordinator.ts'
import type { LiveSummary } from './live-summary.ts'
import { type LiveRun, runLiveAndWrite } from './run-live.ts'

export interface CalibrationOutcome {
  files: string[]
  markdown: string
  comparisons: Comparison[]
  sim: Summary
  live: LiveSummary[]
}

/**
 * Receipt by receipt, the calibration needs the same overlay in both modes: only the static
 * builder's graph is fixed by the seed. The DHT builder is taken too, for what it can say: the
 * protocol forms its own overlay in each run (in both modes), so its comparison is of
 * distributions (latency, KS, duplicates, time to first neighbour, join time), and its receipt
 * gaps mix transport with topology. The tracker builder is refused: its live overlay is the
 * tracker's random choice, which the simulator's tracker makes differently.
 */
function checkCalibratable(scenario: Scenario): void {
  if (scenario.topology.builder === 'tracker') {
    throw new ScenarioErrors([new ScenarioError({
      file: scenario.sourceFile, path: 'topology.builder', value: scenario.topology.builder,
      expected: 'static (or dht) for a calibration (a tracker builds a different overlay in every run, so latencies would differ by topology, not by transport)',
    })])
  }
}

/** What the method text says of the overlay the two modes share, or do not. */
function overlayMethod(scenario: Scenario): string {
  return scenario.topology.builder === 'dht'
    ? `each run's own overlay, formed by the Tatum protocol (layers 0-2) in both modes from the same seeded ids, entry points and `
      + `servers (compare distributions, not single receipts: receipt gaps here mix transport with topology), `
    : `the static builder's seeded graph, `
}

export async function calibrate(scenario: Scenario, options: { runs: number; workers?: number; out: string; quiet: boolean }): Promise<CalibrationOutcome> {
  checkCalibratable(scenario)
  // Receipt-by-receipt matching reads the delivery logs.
  const s: Scenario = { ...scenario, record: { ...scenario.record, deliveries: true } }
  const say = (line: string) => { if (!options.quiet) console.error(line) }
  say(`calibration: ${s.name}, simulated once`)
  const simulated = await runScenario(s)
  const simDir = newRunDir(s.name, 'sim-', s.seed)
  await writeRun(simDir, simulated.simulation, simulated.summary)
  const sim: RunSample = {
    summary: simulated.summary, latencies: Float64Array.from(simulated.simulation.metrics.latencyMs.sorted()),
    log: simulated.simulation.metrics.deliveryLog!, nodeIds: simulated.simulation.nodeIds,
    ...appLatencies(simulated.simulation.messageLayer),
    ...signingNames(simulated.simulation),
  }
  const loadAtStart = os.loadavg()
  const lives: (LiveRun & { dir: string })[] = []
  for (let k = 0; k < options.runs; k++) {
    say(`calibration: live run ${k + 1} of ${options.runs}`)
    lives.push(await runLiveAndWrite(s, { quiet: options.quiet, ...(options.workers !== undefined ? { workers: options.workers } : {}) }, `${s.name} ${k + 1}/${options.runs}`))
  }
  const samples: RunSample[] = lives.map((l) => ({
    summary: l.summary, latencies: Float64Array.from(l.record.metrics.latencyMs.sorted()), log: l.record.metrics.deliveryLog!, nodeIds: l.record.nodeIds,
    ...appLatencies(l.record.messageLayer),
  }))
  const comparisons = samples.map((l) => compareRuns(sim, l))
  const gapMedians = comparisons.map((c) => c.receiptGapMs.p50)
  const medianRun = gapMedians.indexOf([...gapMedians].sort((a, b) => a - b)[(gapMedians.length - 1) >> 1])
  const workers = lives[0]?.summary.live.workers ?? options.workers ?? defaultWorkerCount(s.nodes)
  const report = {
    scenario: s,
    method: `Same scenario and seed in both modes: ${overlayMethod(s)}every transmission held for the latency model's `
      + `one-way delay of its link (live: by the delay shim at the sender, live/delayed-transport.ts), the same publish schedule. `
      + `Simulated once (it is deterministic; ${fromRoot(simDir)}); run live ${options.runs} time(s) on this machine with real WebRTC data channels on loopback `
      + `in ${workers} worker process(es) (${lives.map((l) => fromRoot(l.dir)).join(', ')}). `
      + `"receipt gap" pairs the first receipt of the k-th message of a publisher at a node in both modes: live minus simulated latency. `
      + `KS: two-sample Kolmogorov-Smirnov distance between the latency distributions, with its critical value at alpha 0.05. `
      + (usesMessageLayer(s) ? messageLayerMethod : '')
      + `Time to first neighbour is not like for like: live it includes WebRTC signalling through a relay, ICE and DTLS; the simulator opens a link in one round trip. `
      + `Load average when the live runs started (other work on this machine counts in every live figure): ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}.`,
    rows: rowsOf(sim.summary, lives.map((l) => l.summary), comparisons),
    simLatencies: sim.latencies,
    liveLatencies: samples.map((l) => l.latencies),
    gapsOfMedianRun: medianRun >= 0 ? receiptGaps(sim, samples[medianRun]) : [],
    medianRun: Math.max(0, medianRun),
    conditions: { workers, linkDelays: 'delay shim (live/delayed-transport.ts)', loadAverageAtStart: loadAtStart.map((x) => x.toFixed(2)).join(' ') },
  }
  const files = writeCalibration(options.out, report)
  return { files, markdown: calibrationMarkdown(report), comparisons, sim: sim.summary, live: lives.map((l) => l.summary) }
}

/** What the method text adds for a scenario that runs the message layer. */
const messageLayerMethod = `App level (the message layer): the same subscribers permitted and revoked in both modes, the same key events at the same times; `
  + `"app latency" runs from the publish call (before signing and encryption) to the subscriber's app getting the plaintext in chain order; `
  + `the simulator charges modelled CPU costs for the cryptography, live nodes spend the real CPU (secp256k1 and AES-GCM in JavaScript). `

function appLatencies(layer: { app: AppMetrics } | undefined): { appLatencies?: Float64Array } {
  return layer === undefined ? {} : { appLatencies: Float64Array.from(layer.app.latencyMs.sorted()) }
}

/** The simulator's message layer signs with keys of its own: its log names publishers by those addresses. */
function signingNames(simulation: Simulation): { publisherNodes?: Map<string, string> } {
  const layer = simulation.messageLayer
  if (layer === undefined) return {}
  const names = new Map<string, string>()
  simulation.nodeIds.forEach((id, i) => {
    const address = layer.addressOf(i)
    if (address !== undefined) names.set(address, id)
  })
  return { publisherNodes: names }
}

function rowsOf(sim: Summary, live: LiveSummary[], cmp: Comparison[]): CalibrationRow[] {
  const both = (metric: string, unit: string, f: (s: Summary) => number): CalibrationRow => ({ metric, unit, sim: f(sim), live: live.map(f) })
  const liveOnly = (metric: string, unit: string, f: (s: LiveSummary, k: number) => number): CalibrationRow => ({ metric, unit, sim: null, live: live.map(f) })
  return [...(sim.messageLayer === undefined ? [] : appRows(both, liveOnly, cmp)), ...networkRows(both, liveOnly, cmp)]
}

type Both = (metric: string, unit: string, f: (s: Summary) => number) => CalibrationRow
type LiveOnly = (metric: string, unit: string, f: (s: LiveSummary, k: number) => number) => CalibrationRow

/** What the subscribers' apps got: plaintext, in order, and what could not be decrypted. */
function appRows(both: Both, liveOnly: LiveOnly, cmp: Comparison[]): CalibrationRow[] {
  const ml = (s: Summary) => s.messageLayer!
  return [
    both('app latency mean', 'ms', (s) => ml(s).app.latencyMs.mean),
    both('app latency p50', 'ms', (s) => ml(s).app.latencyMs.p50),
    both('app latency p90', 'ms', (s) => ml(s).app.latencyMs.p90),
    both('app latency p99', 'ms', (s) => ml(s).app.latencyMs.p99),
    both('app latency max', 'ms', (s) => ml(s).app.latencyMs.max),
    both('app latency samples', 'count', (s) => ml(s).app.latencyMs.count),
    liveOnly('app latency KS distance to sim', 'D', (_, k) => cmp[k].appKsDistance),
    liveOnly('app latency KS critical value (alpha 0.05)', 'D', (_, k) => cmp[k].appKsCritical),
    both('app delivery ratio', 'ratio', (s) => ml(s).app.deliveryRatio),
    both('app deliveries expected', 'count', (s) => ml(s).app.expected),
    both('subscribers missing a message', 'count', (s) => ml(s).app.incompleteSubscribers),
    both('out of order to apps', 'count', (s) => ml(s).app.outOfOrder),
    both('revoked subscribers', 'count', (s) => ml(s).revokedSubscribers),
    both('revoked reads after rekey', 'count', (s) => ml(s).revokedReadsAfterRekey),
    both('unpermitted reads', 'count', (s) => ml(s).unpermittedReads),
    both('undecryptable', 'count', (s) => ml(s).keyExchange.undecryptable),
    both('key requests sent', 'count', (s) => ml(s).keyExchange.requestsSent),
    both('key requests answered', 'count', (s) => ml(s).keyExchange.answered),
    both('key requests refused', 'count', (s) => ml(s).keyExchange.refused),
    both('key request timeouts', 'count', (s) => ml(s).keyExchange.timeouts),
    both('keys from rotation', 'count', (s) => ml(s).keyExchange.keysFromRotation),
    both('gaps skipped', 'count', (s) => ml(s).ordering.gapsSkipped),
  ]
}

/** The network layer: first receipts, duplicates, the overlay. */
function networkRows(both: Both, liveOnly: LiveOnly, cmp: Comparison[]): CalibrationRow[] {
  return [
    both('latency mean', 'ms', (s) => s.latencyMs.mean),
    both('latency p50', 'ms', (s) => s.latencyMs.p50),
    both('latency p90', 'ms', (s) => s.latencyMs.p90),
    both('latency p99', 'ms', (s) => s.latencyMs.p99),
    both('latency max', 'ms', (s) => s.latencyMs.max),
    both('latency samples', 'count', (s) => s.latencyMs.count),
    liveOnly('KS distance to sim', 'D', (_, k) => cmp[k].ksDistance),
    liveOnly('KS critical value (alpha 0.05)', 'D', (_, k) => cmp[k].ksCritical),
    liveOnly('matched receipts', 'count', (_, k) => cmp[k].matchedReceipts),
    liveOnly('receipt gap mean', 'ms', (_, k) => cmp[k].receiptGapMs.mean),
    liveOnly('receipt gap p50', 'ms', (_, k) => cmp[k].receiptGapMs.p50),
    liveOnly('receipt gap p99', 'ms', (_, k) => cmp[k].receiptGapMs.p99),
    liveOnly('receipt gap max', 'ms', (_, k) => cmp[k].receiptGapMs.max),
    liveOnly('receipt gap per hop, mean', 'ms', (_, k) => cmp[k].gapPerHopMs.mean),
    liveOnly('first copy from the same neighbour', 'share', (_, k) => cmp[k].sameSenderShare),
    both('overlay links', 'count', (s) => s.overlay[0]?.edges ?? NaN),
    liveOnly('WebRTC connects failed (then redialled)', 'count', (s) => s.live.transport.webrtcConnectsFailed),
    both('hops mean', 'hops', (s) => s.hops.mean),
    both('hops max', 'hops', (s) => s.hops.max),
    both('delivery ratio', 'ratio', (s) => s.deliveryRatio),
    both('duplicates', 'count', (s) => s.duplicates),
    both('duplicates per delivery', 'ratio', (s) => s.duplicatesPerDelivery),
    both('payload transmissions', 'count', (s) => s.payloadTransmissions),
    liveOnly('delay shim lateness p50', 'ms', (s) => s.live.shimLatenessMs?.p50 ?? NaN),
    liveOnly('delay shim lateness p99', 'ms', (s) => s.live.shimLatenessMs?.p99 ?? NaN),
    both('time to first neighbour p50', 'ms', (s) => s.timeToFirstNeighbourMs.p50),
    both('join time p50', 'ms', (s) => s.joinTimeMs?.p50 ?? NaN),
    both('DHT: layer-0 lookup hops, mean', 'hops', (s) => s.dht?.lookups.layer0.hops.mean ?? NaN),
    both('DHT: layer-0 links per node, mean', 'links', (s) => s.dht?.connectionsPerNode.layer0.mean ?? NaN),
    both('DHT: RPCs', 'count', (s) => s.dht?.rpc.requests ?? NaN),
    both('wall time', 's', (s) => s.wallSeconds),
  ]
}

/** Run folders as the project sees them, so a report reads the same on every clone. */
function fromRoot(dir: string): string {
  return relative(PROJECT_ROOT, dir)
}
