// Writes one run's files into its folder: summary.json, scenario.yaml, topology.json,
// timeseries.csv and, when asked, deliveries.csv.

import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { once } from 'node:events'
import { toResolvedYaml } from '../scenario/resolved-yaml.ts'
import type { Simulation } from '../simulation.ts'
import type { SimConnection } from '../network/sim-network.ts'
import { TIMESERIES_COLUMNS } from '../metrics/timeseries.ts'
import { csvNumber, csvPreamble } from './csv.ts'
import type { Summary } from './summary-types.ts'
import type { TopologyJson } from './topology-types.ts'

export type { TopologyJson }

export async function writeRun(dir: string, simulation: Simulation, summary: Summary): Promise<void> {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`)
  writeFileSync(join(dir, 'scenario.yaml'), toResolvedYaml(simulation.scenario))
  writeFileSync(join(dir, 'topology.json'), JSON.stringify(topologyOf(simulation)))
  writeFileSync(join(dir, 'timeseries.csv'), timeseriesCsv(simulation))
  if (simulation.metrics.deliveryLog !== null) await writeDeliveries(join(dir, 'deliveries.csv'), simulation)
}

export function topologyOf(simulation: Simulation): TopologyJson {
  const { network, nodeIds, nodes } = simulation
  const latency = network.latency
  const spatial = latency.regions.length > 1 || latency.regions[0].lat !== undefined
  const round = (v: number) => Math.round(v * 1000) / 1000
  const streamParts: TopologyJson['streamParts'] = {}
  for (const part of simulation.streamParts) {
    // Online members only; a link to a crashed peer its neighbour has not noticed yet is left out.
    const online = simulation.onlineMembers(part)
    const isOnline = new Set(online)
    streamParts[part.id] = {
      nodes: online.map((m) => {
        if (!spatial) return { id: nodeIds[m] }
        const r = latency.regions[latency.nodeRegion[m]]
        return r.lat === undefined ? { id: nodeIds[m], region: r.name } : { id: nodeIds[m], region: r.name, lat: r.lat, lon: r.lon }
      }),
      edges: online.flatMap((m) => (nodes[m].streamPart(part.id)?.neighbours ?? [])
        .map((c) => (c as SimConnection).remote)
        .filter((to) => isOnline.has(to))
        .map((to) => ({ from: nodeIds[m], to: nodeIds[to], latencyMs: round(latency.meanOneWayMs(m, to)) }))),
    }
  }
  return { streamParts }
}

function timeseriesCsv(simulation: Simulation): string {
  const ts = simulation.metrics.timeseries
  ts.finish(simulation.sim.now())
  const rows = ts.rows.map((r) => TIMESERIES_COLUMNS.map((c) => csvNumber(r[c])).join(','))
  return `${csvPreamble(simulation.scenario)}${TIMESERIES_COLUMNS.join(',')}\n${rows.map((r) => `${r}\n`).join('')}`
}

async function writeDeliveries(file: string, simulation: Simulation): Promise<void> {
  const log = simulation.metrics.deliveryLog!
  const ids = simulation.nodeIds
  const out = createWriteStream(file)
  out.write(csvPreamble(simulation.scenario))
  out.write('messageId,publisher,publishedAtMs,node,receivedAtMs,hops,from,duplicate\n')
  const CHUNK = 10_000
  for (let start = 0; start < log.length; start += CHUNK) {
    let text = ''
    for (let i = start; i < Math.min(log.length, start + CHUNK); i++) {
      const m = log.message[i]
      text += `${log.messageIds[m]},${log.publishers[m]},${csvNumber(log.publishedAtMs[m])},${ids[log.node[i]]},${csvNumber(log.receivedAtMs[i])},${log.hops[i]},${ids[log.from[i]]},${log.duplicate[i]}\n`
    }
    if (!out.write(text)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}
