// Writes one run's files into its folder: summary.json, scenario.yaml, topology.json,
// timeseries.csv and, when asked, deliveries.csv.

import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { once } from 'node:events'
import { toResolvedYaml } from '../scenario/resolved-yaml.ts'
import type { Simulation } from '../simulation.ts'
import type { LatencyModel } from '../network/latency-model.ts'
import type { MetricsCollector } from '../metrics/collector.ts'
import type { Scenario } from '../scenario/types.ts'
import { TIMESERIES_COLUMNS } from '../metrics/timeseries.ts'
import { csvNumber, csvPreamble } from './csv.ts'
import type { Summary } from './summary-types.ts'
import type { NodeRole, TopologyEdge, TopologyJson, TopologyNode } from './topology-types.ts'

export type { TopologyJson }

export async function writeRun(dir: string, simulation: Simulation, summary: Summary): Promise<void> {
  const run: RunRecord = { scenario: simulation.scenario, metrics: simulation.metrics, nodeIds: simulation.nodeIds, endMs: simulation.sim.now() }
  await writeRunFiles(dir, run, topologyOf(simulation), summary)
}

/** What the files of a run are written from, whichever transport produced it. */
export interface RunRecord {
  readonly scenario: Scenario
  readonly metrics: MetricsCollector
  readonly nodeIds: readonly string[]
  /** The run's clock at its end, where the last timeseries window closes. */
  readonly endMs: number
}

export async function writeRunFiles(dir: string, run: RunRecord, topology: TopologyJson, summary: Summary): Promise<void> {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`)
  writeFileSync(join(dir, 'scenario.yaml'), toResolvedYaml(run.scenario))
  writeFileSync(join(dir, 'topology.json'), JSON.stringify(topology))
  writeFileSync(join(dir, 'timeseries.csv'), timeseriesCsv(run))
  if (run.metrics.deliveryLog !== null) await writeDeliveries(join(dir, 'deliveries.csv'), run)
}

/** One stream part's overlay among its online members: node indices and each one's neighbour indices. */
export interface OverlayLinks {
  readonly id: string
  readonly online: readonly number[]
  neighbours(member: number): readonly number[]
}

/** A node's roles, adversary kind and publisher address for topology.json (see TopologyNode). */
export type NodeDescription = Pick<TopologyNode, 'roles' | 'adversary' | 'address'>

/** `history: false` leaves out topology.json's history (the live view sends the overlay as it is now). */
export function topologyOf(simulation: Simulation, opts: { history?: boolean } = {}): TopologyJson {
  const { nodes } = simulation
  const topology = topologyJson(simulation.network.latency, simulation.nodeIds, simulation.streamParts.map((part) => ({
    id: part.id,
    online: simulation.onlineMembers(part),
    neighbours: (m: number) => (nodes[m].streamPart(part.id)?.neighbours ?? []).map((c) => simulation.network.remoteIndexOf(c)),
  })), (m) => simulation.describeNode(m))
  const history = opts.history === false ? undefined : simulation.overlayHistory
  if (history !== undefined) {
    const latency = simulation.network.latency
    const ids = simulation.nodeIds
    const N = ids.length
    const endMs = simulation.sim.now()
    // Still up at the end: closes at endMs. One first seen at a sample at endMs was never up for any time: dropped.
    const closed = (up: readonly number[]) => (up.length % 2 === 0 ? [...up] : up[up.length - 1] < endMs ? [...up, endMs] : up.slice(0, -1))
    simulation.streamParts.forEach((part, p) => {
      const h = history.parts[p]
      topology.streamParts[part.id].history = {
        everyMs: simulation.scenario.record.timeseriesIntervalS * 1000,
        nodes: [...h.nodes].sort((x, y) => x[0] - y[0]).map(([m, up]) => ({ ...placed(latency, ids[m], m), ...simulation.describeNode(m), up: closed(up) })).filter((x) => x.up.length > 0),
        links: [...h.links].sort((x, y) => x[0] - y[0]).filter(([, up]) => closed(up).length > 0).map(([key, up]) => {
          const a = Math.floor(key / N), b = key % N
          return { from: ids[a], to: ids[b], latencyMs: roundMs(latency.meanOneWayMs(a, b)), up: closed(up) }
        }),
      }
    })
  }
  if (simulation.trackerIds.length > 0) {
    const n = simulation.nodeIds.length
    topology.trackers = simulation.trackerIds.map((id, t) => ({ ...placed(simulation.network.latency, id, n + t), roles: ['tracker'] as NodeRole[] }))
  }
  return topology
}

const roundMs = (v: number) => Math.round(v * 1000) / 1000

/** A node with its region and coordinates when the latency model has them. */
function placed(latency: LatencyModel, id: string, index: number): TopologyNode {
  const spatial = latency.regions.length > 1 || latency.regions[0].lat !== undefined
  if (!spatial) return { id }
  const r = latency.regions[latency.nodeRegion[index]]
  return r.lat === undefined ? { id, region: r.name } : { id, region: r.name, lat: r.lat, lon: r.lon }
}

export function topologyJson(latency: LatencyModel, nodeIds: readonly string[], parts: readonly OverlayLinks[], describe?: (m: number) => NodeDescription): TopologyJson {
  const streamParts: TopologyJson['streamParts'] = {}
  for (const part of parts) {
    const online = part.online
    const listed = new Set<string>()
    for (const m of online) for (const to of part.neighbours(m)) listed.add(`${m} ${to}`)
    const isOnline = new Set(online)
    let halfOpen = 0
    const edges: TopologyEdge[] = []
    for (const m of online) {
      for (const to of part.neighbours(m)) {
        if (!isOnline.has(to)) continue
        if (listed.has(`${to} ${m}`)) edges.push({ from: nodeIds[m], to: nodeIds[to], latencyMs: roundMs(latency.meanOneWayMs(m, to)) })
        else halfOpen++
      }
    }
    streamParts[part.id] = {
      nodes: online.map((m) => (describe === undefined ? placed(latency, nodeIds[m], m) : { ...placed(latency, nodeIds[m], m), ...describe(m) })),
      edges,
      halfOpenLinks: halfOpen,
    }
  }
  return { streamParts }
}

function timeseriesCsv(run: RunRecord): string {
  const ts = run.metrics.timeseries
  ts.finish(run.endMs)
  const rows = ts.rows.map((r) => TIMESERIES_COLUMNS.map((c) => csvNumber(r[c])).join(','))
  return `${csvPreamble(run.scenario)}${TIMESERIES_COLUMNS.join(',')}\n${rows.map((r) => `${r}\n`).join('')}`
}

async function writeDeliveries(file: string, run: RunRecord): Promise<void> {
  const log = run.metrics.deliveryLog!
  const ids = run.nodeIds
  const out = createWriteStream(file)
  out.write(csvPreamble(run.scenario))
  out.write('messageId,publisher,publishedAtMs,node,receivedAtMs,hops,from,duplicate,copy\n')
  const CHUNK = 10_000
  for (let start = 0; start < log.length; start += CHUNK) {
    let text = ''
    for (let i = start; i < Math.min(log.length, start + CHUNK); i++) {
      const m = log.message[i]
      text += `${log.messageIds[m]},${log.publishers[m]},${csvNumber(log.publishedAtMs[m])},${ids[log.node[i]]},${csvNumber(log.receivedAtMs[i])},${log.hops[i]},${ids[log.from[i]]},${log.duplicate[i]},${log.copies[m]}\n`
    }
    if (!out.write(text)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}
