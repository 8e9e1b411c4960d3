// topology.json describes what each node does (roles, adversary kind, a publisher's address) and,
// for churning runs, when each node and link was up: what the explorer colours by and replays over time.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runFiles } from './helpers/run-files.ts'
import { scenarioFrom } from './helpers/scenario.ts'
import type { TopologyJson } from '../sim/results/topology-types.ts'

const SIGNED = `
name: signed-roles
protocol: brubeck
seed: 2
nodes: 120
topology: { builder: tracker, degree: 4 }
network: { latency: { model: geo } }
workload: { messagesPerPublisher: 5, ratePerSecond: 5, warmupS: 4 }
security: { crypto: modelled, encryption: false, validation: relay }
adversaries: { forgers: { fraction: 0.1, mode: alter, maxPerSecond: 5 } }
record: { deliveries: true }
`

const CHURN = `
name: churn-history
protocol: brubeck
seed: 3
nodes: 150
topology: { builder: tracker, degree: 4 }
network: { latency: { model: geo } }
churn:
  initialNodes: 100
  arrivalRatePerS: 5
  session: { distribution: exponential, meanS: 60 }
  crashFraction: 0.5
  events: [ { type: massFailure, atS: 16, fraction: 0.2 } ]
workload: { messagesPerPublisher: 20, ratePerSecond: 1, warmupS: 4 }
record: { timeseriesIntervalS: 2, deliveries: true }
`

const Topology = suite('topology.json')

Topology('names each node\'s roles, the adversaries\' kind and the publisher\'s address that deliveries.csv uses', async () => {
  const files = await runFiles(scenarioFrom(SIGNED))
  const t = JSON.parse(files['topology.json']) as TopologyJson
  const nodes = t.streamParts['stream-0#0'].nodes
  const publishers = nodes.filter((n) => n.roles?.includes('publisher'))
  assert.is(publishers.length, 1)
  const csvPublisher = files['deliveries.csv'].split('\n').find((l) => /^stream/.test(l))!.split(',')[1]
  assert.match(csvPublisher, /^0x/)
  assert.is(publishers[0].address, csvPublisher, 'the address in deliveries.csv names the publisher node')
  const forgers = nodes.filter((n) => n.adversary === 'forger')
  assert.is(forgers.length, Math.round(0.1 * 119))
  assert.ok(nodes.filter((n) => n.roles?.includes('subscriber')).length >= 100, 'the rest subscribe')
  assert.not.ok(publishers[0].roles!.includes('subscriber'))
  assert.equal(t.trackers?.map((x) => x.roles), [['tracker']])
  assert.ok(t.trackers![0].region, 'trackers are placed too')
  assert.is(t.streamParts['stream-0#0'].history, undefined, 'no churn, no history')
})

Topology('keeps when every node and link of a churning run was up', async () => {
  const files = await runFiles(scenarioFrom(CHURN))
  const t = JSON.parse(files['topology.json']) as TopologyJson
  const part = t.streamParts['stream-0#0']
  const h = part.history!
  assert.is(h.everyMs, 2000)
  const endMs = Math.max(...h.nodes.flatMap((n) => n.up))
  // Sampled at the windows: the last sample is close to the final graph, which every node of is in the history.
  const sampled = new Set(h.nodes.map((n) => n.id))
  for (const n of part.nodes) assert.ok(sampled.has(n.id), n.id)
  const upAtEnd = h.nodes.filter((n) => n.up[n.up.length - 1] === endMs).length
  assert.ok(Math.abs(upAtEnd - part.nodes.length) <= part.nodes.length * 0.1, `${upAtEnd} up at the last sample, ${part.nodes.length} at the end`)
  assert.ok(h.nodes.length > part.nodes.length, 'nodes that left are kept')
  assert.ok(h.nodes.some((n) => n.up[0] > 2000), 'late joiners start later')
  for (const n of h.nodes) {
    assert.is(n.up.length % 2, 0, n.id)
    for (let k = 1; k < n.up.length; k++) assert.ok(n.up[k] > n.up[k - 1], `${n.id} intervals ascend`)
  }
  const up = (x: { up: number[] }, at: number) => x.up.some((v, k) => k % 2 === 0 && v <= at && at < x.up[k + 1])
  const ids = new Map(h.nodes.map((n) => [n.id, n]))
  for (const l of h.links) {
    const at = l.up[0]
    assert.ok(up(ids.get(l.from)!, at) && up(ids.get(l.to)!, at), `link ${l.from}-${l.to} ${l.up} is up only while both ends are: ${ids.get(l.from)!.up} ${ids.get(l.to)!.up}`)
  }
  // The mass failure at 16 s shows as a drop between the samples around it.
  const alive = (at: number) => h.nodes.filter((n) => up(n, at)).length
  assert.ok(alive(18000) < alive(14000) * 0.9, `${alive(14000)} -> ${alive(18000)}`)
})

Topology.run()
