// What a scenario asks for that a live run cannot give, each named by its field. A live run is
// real nodes on this one machine, so it is bounded in size and has no model of link capacity
// or scripted network faults. The message layer (security, ordering, storage nodes) runs live on
// the static builder's nodes with real cryptography; adversaries are not hosted live.
// Sections the live runner does not drive at all (adversaries, and any section added later)
// must keep their defaults: every field that differs is refused. The rest carries over
// (docs/fragments/live-runs.md).
// Refusing is the point: a live run that silently ran without the partition its scenario
// scripts would report numbers that look comparable and are not.

import { relative } from 'node:path'
import { ScenarioError, ScenarioErrors } from '../../sim/scenario/errors.ts'
import { parseScenario } from '../../sim/scenario/load.ts'
import type { Scenario } from '../../sim/scenario/types.ts'
import { usesMessageLayer } from '../../sim/simulation.ts'

/** Top-level fields the live runner carries out (or that only describe the run). */
const DRIVEN = new Set(['name', 'description', 'protocol', 'seed', 'nodes', 'topology', 'network', 'churn', 'workload', 'security', 'ordering', 'storage', 'durationS', 'record', 'budgets', 'sweep', 'sourceFile'])

/**
 * Every live node is a real WebRTC endpoint with its own sockets and native threads. The live
 * scale bench (bench/live-scale.ts, README "Live scale") measures how many this machine holds
 * and sweeps up to this; beyond it nothing has been measured.
 */
export const MAX_LIVE_NODES = 1_000

export interface LiveRefusal {
  path: string
  value: unknown
  expected: string
}

export function liveRefusals(scenario: Scenario): LiveRefusal[] {
  const out: LiveRefusal[] = []
  const net = scenario.network
  if (scenario.nodes > MAX_LIVE_NODES) {
    out.push({ path: 'nodes', value: scenario.nodes, expected: `at most ${MAX_LIVE_NODES} with --transport live (every node is a real WebRTC endpoint on this machine)` })
  }
  if (net.uploadMbps !== undefined) {
    out.push({ path: 'network.uploadMbps', value: net.uploadMbps, expected: 'no bandwidth limit with --transport live (live links have the capacity of loopback; remove the field)' })
  }
  if (net.downloadMbps !== undefined) {
    out.push({ path: 'network.downloadMbps', value: net.downloadMbps, expected: 'no bandwidth limit with --transport live (live links have the capacity of loopback; remove the field)' })
  }
  net.events.forEach((event, k) => {
    out.push({ path: `network.events[${k}]`, value: event.type, expected: `no scripted network events with --transport live (a ${event.type} would need control of real sockets the live transport does not have)` })
  })
  if (scenario.protocol !== 'brubeck' && scenario.topology.builder !== 'dht') {
    out.push({ path: 'protocol', value: scenario.protocol, expected: 'brubeck with --transport live for the static and tracker builders (their live nodes run the tracker era; tatum runs live with topology.builder dht)' })
  }
  messageLayerRefusals(scenario, out)
  const defaults = parseScenario(`name: defaults\nprotocol: ${scenario.protocol}\nnodes: ${Math.max(2, scenario.nodes)}\n`, 'defaults.yaml') as unknown as Record<string, unknown>
  for (const [key, value] of Object.entries(scenario)) {
    if (!DRIVEN.has(key)) differences(key, value, defaults[key], out)
  }
  return out
}

/**
 * The message layer live: real cryptography only (live nodes sign what they publish and encrypt
 * with real keys; security.costs, the simulator's model of that CPU time, has nothing to model),
 * on the static builder, whose nodes the run wires with the scenario's settings.
 */
function messageLayerRefusals(scenario: Scenario, out: LiveRefusal[]): void {
  if (!usesMessageLayer(scenario)) return
  if (scenario.security.crypto !== 'real') {
    out.push({
      path: 'security.crypto', value: scenario.security.crypto,
      expected: scenario.security.crypto === 'off'
        ? 'real with --transport live when the scenario orders or stores (live links carry signed messages only, so live subscribers validate signatures)'
        : 'real with --transport live (live nodes sign and encrypt with real cryptography; modelled crypto is the simulator\'s stand-in)',
    })
  }
  if (scenario.topology.builder !== 'static') {
    out.push({
      path: 'topology.builder', value: scenario.topology.builder,
      expected: 'static with --transport live when the scenario runs the message layer (security, ordering, storage): the static builder\'s live nodes take the scenario\'s message layer settings',
    })
  }
}

/** Every leaf of `value` that is not the default, as a refusal. */
function differences(path: string, value: unknown, fallback: unknown, out: LiveRefusal[]): void {
  if (isRecord(value) && isRecord(fallback)) {
    for (const key of new Set([...Object.keys(value), ...Object.keys(fallback)])) differences(`${path}.${key}`, value[key], fallback[key], out)
    return
  }
  if (JSON.stringify(value) === JSON.stringify(fallback)) return
  const section = path.split('.')[0]
  const why = section === 'adversaries' ? 'live runs have no adversarial nodes' : `live runs do not drive the ${section} section`
  out.push({ path, value, expected: `the default ${JSON.stringify(fallback) ?? 'absent'} with --transport live (${why})` })
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/** A ScenarioErrors, so the command line exits 2 (bad input, nothing run), worded for live mode. */
export class LiveModeRefused extends ScenarioErrors {
  constructor(file: string, refusals: readonly LiveRefusal[]) {
    super(refusals.map((r) => new ScenarioError({ file, path: r.path, value: r.value, expected: r.expected })))
    const count = refusals.length === 1 ? '1 problem' : `${refusals.length} problems`
    this.message = `cannot run live (${count}):\n${this.errors.map((e) => `  ${e.message}`).join('\n')}`
    this.name = 'LiveModeRefused'
  }
}

export function assertLiveRunnable(scenario: Scenario): void {
  const refusals = liveRefusals(scenario)
  if (refusals.length === 0) return
  const shown = relative(process.cwd(), scenario.sourceFile)
  throw new LiveModeRefused(shown === '' || shown.startsWith('..') ? scenario.sourceFile : shown, refusals)
}
