// Hops are the relays on the path of a node's first copy, wherever validation runs and however
// long a CPU queue, a validator or the propagation buffer held the message on the way.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runScenario } from '../sim/runner.ts'
import type { Simulation } from '../sim/simulation.ts'
import { scenarioFrom } from './helpers/scenario.ts'

const Hops = suite('hops')

// A hostile network (spammers inject junk that each node must verify) on equal-latency links: the
// first copy then travels a fewest-hops path, whatever the validation placement adds per hop.
const HOSTILE = `
name: hops-hostile
protocol: brubeck
seed: 3
nodes: 200
topology: { builder: static, degree: 4 }
network: { latency: { model: fixed, ms: 20 } }
workload: { messagesPerPublisher: 10, ratePerSecond: 5, warmupS: 2 }
security: { crypto: modelled }
adversaries: { spammers: { fraction: 0.05, mode: invalid, ratePerSecond: 10 } }
record: { deliveries: true }
`

/** Fewest hops from `source` to every node, by a breadth-first search written here, apart from the simulator's. */
function fewestHops(simulation: Simulation, source: number): Map<number, number> {
  const part = simulation.streamParts[0]
  const neighbours = (i: number) => (simulation.nodes[i].streamPart(part.id)?.neighbours ?? []).map((c) => Number(c.remoteId.slice(1)))
  const dist = new Map([[source, 0]])
  let frontier = [source]
  while (frontier.length > 0) {
    const next: number[] = []
    for (const u of frontier) for (const v of neighbours(u)) if (!dist.has(v)) { dist.set(v, dist.get(u)! + 1); next.push(v) }
    frontier = next
  }
  return dist
}

/** Hops of each genuine first receipt, keyed `message node`. */
function firstReceiptHops(simulation: Simulation): Map<string, number> {
  const log = simulation.metrics.deliveryLog!
  const out = new Map<string, number>()
  for (let i = 0; i < log.length; i++) {
    if (log.duplicate[i] === 1 || log.copies[log.message[i]] !== 'genuine') continue
    out.set(`${log.messageIds[log.message[i]]} ${log.node[i]}`, log.hops[i])
  }
  return out
}

Hops('with validation at the subscriber and at every relay, hops are the fewest-hops distance, node by node', async () => {
  const atSubscriber = await runScenario(scenarioFrom(HOSTILE, ['security.validation=subscriber']))
  const atRelay = await runScenario(scenarioFrom(HOSTILE, ['security.validation=relay']))
  for (const [placement, { summary }] of [['subscriber', atSubscriber], ['relay', atRelay]] as const) {
    assert.ok(summary.hops.count > 1000, `${placement}: ${summary.hops.count} samples`)
    assert.ok(summary.hops.mean > 1 && summary.hops.max > 2, `${placement}: hops mean ${summary.hops.mean}, max ${summary.hops.max}`)
  }
  const rejectedAtRelays = atRelay.summary.messageLayer?.rejected.atRelays ?? {}
  assert.ok(Object.values(rejectedAtRelays).reduce((a, b) => a + b, 0) > 0, 'relays did verify (and refuse the spam)')
  const publisher = atRelay.simulation.streamParts[0].publishers[0]
  const expected = fewestHops(atRelay.simulation, publisher)
  const sub = firstReceiptHops(atSubscriber.simulation)
  const relay = firstReceiptHops(atRelay.simulation)
  assert.is(relay.size, sub.size)
  for (const [key, hops] of relay) {
    const node = Number(key.split(' ')[1])
    assert.is(hops, expected.get(node), `relay validation, ${key}`)
    assert.is(sub.get(key), hops, `the same at the subscriber, ${key}`)
  }
})

Hops('a copy re-sent from the propagation buffer is one hop further than the sender\'s own copy', async () => {
  // A late joiner on a static overlay gets buffered messages from its graph neighbours when they
  // link: each had sent them to only one other neighbour, besides the one they came from.
  const { simulation } = await runScenario(scenarioFrom(`
name: hops-buffer
protocol: brubeck
seed: 4
nodes: 60
topology: { builder: static, degree: 3 }
network: { latency: { model: fixed, ms: 10 } }
churn: { initialNodes: 59, events: [ { type: join, atS: 2.5, count: 1 } ] }
workload: { messagesPerPublisher: 3, ratePerSecond: 10, warmupS: 2 }
record: { deliveries: true }
`))
  const log = simulation.metrics.deliveryLog!
  const hopsAt = new Map<string, number>()
  for (let i = 0; i < log.length; i++) if (log.duplicate[i] === 0) hopsAt.set(`${log.message[i]} ${log.node[i]}`, log.hops[i])
  let late = 0
  for (let i = 0; i < log.length; i++) {
    if (log.node[i] !== 59) continue
    late++
    assert.is(log.hops[i], hopsAt.get(`${log.message[i]} ${log.from[i]}`)! + 1, `copy ${i} from n${log.from[i]}`)
  }
  assert.ok(late > 0, 'the joiner received something')
})

Hops.run()
