// time-limit: 900 s
// Layer 0 of the Tatum overlay: the routing table's rules, the contact lists, and lookups on a
// formed network checked against brute force over every online node's id.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type DhtId, bucketIndexOf, compareDistance, complementOf, dhtIdOf, dhtKeyOf } from '../core/dht/dht-id.ts'
import { KBuckets } from '../core/dht/k-buckets.ts'
import { type PeerDescriptor, peerDescriptorOf } from '../core/dht/peer-descriptor.ts'
import { RandomContactList } from '../core/dht/random-contact-list.ts'
import { RingContacts, leftDistance, ringPositionOf, rightDistance } from '../core/dht/ring.ts'
import { SortedContactList } from '../core/dht/sorted-contact-list.ts'
import { createRandom } from '../sim/engine/random.ts'
import { Simulation } from '../sim/simulation.ts'
import { scenarioFrom } from './helpers/scenario.ts'

const peers = (n: number, prefix = 'p'): PeerDescriptor[] => Array.from({ length: n }, (_, i) => peerDescriptorOf(`${prefix}${i}`))

const Ids = suite('DhtId')

Ids('is the 20 bytes of an Ethereum address, or sha1 of any other name', () => {
  assert.equal([...dhtIdOf('0x' + '01'.repeat(20))], new Array(20).fill(1))
  assert.is(dhtIdOf('n17').length, 20)
  assert.equal(dhtIdOf('n17'), dhtIdOf('n17'))
  assert.equal(dhtKeyOf('stream-0#0'), dhtIdOf('stream-0#0'))
})

Ids('orders by XOR distance and puts the complement furthest away', () => {
  const a = dhtIdOf('a')
  const far = complementOf(a)
  for (const p of peers(50)) assert.ok(compareDistance(p.dhtId, far, a) < 0)
  assert.is(bucketIndexOf(a, a), 160)
  assert.is(bucketIndexOf(a, far), 0)
})

const Buckets = suite('KBuckets')

Buckets('files a contact by the length of the prefix it shares and holds at most k per bucket', () => {
  const local = peerDescriptorOf('local')
  const table = new KBuckets(local.dhtId, 4)
  const all = peers(500)
  for (const p of all) table.add(p)
  const perBucket = new Map<number, number>()
  for (const p of table.all()) {
    const b = bucketIndexOf(local.dhtId, p.dhtId)
    perBucket.set(b, (perBucket.get(b) ?? 0) + 1)
  }
  for (const [b, count] of perBucket) assert.ok(count <= 4, `bucket ${b} holds ${count}`)
  // Half of all ids fall in bucket 0: it is full.
  assert.is(perBucket.get(0), 4)
  assert.is(table.count, table.all().length)
  assert.not.ok(table.add(local).added, 'never holds itself')
})

Buckets('a full bucket drops its contact furthest from us for the newcomer', () => {
  const local = peerDescriptorOf('local')
  const table = new KBuckets(local.dhtId, 2)
  const inBucket0 = peers(200).filter((p) => bucketIndexOf(local.dhtId, p.dhtId) === 0)
  const [a, b, c] = inBucket0
  table.add(a)
  table.add(b)
  const furthest = compareDistance(a.dhtId, b.dhtId, local.dhtId) > 0 ? a : b
  const change = table.add(c)
  assert.ok(change.added)
  assert.is(change.evicted, furthest)
  assert.ok(table.has(c.nodeId, c.dhtId))
  assert.not.ok(table.has(furthest.nodeId, furthest.dhtId))
  assert.not.ok(table.add(c).added, 'a contact already held changes nothing')
})

Buckets('returns the contacts closest to any target in order, as a full sort would', () => {
  const local = peerDescriptorOf('local')
  const table = new KBuckets(local.dhtId, 8)
  for (const p of peers(2000)) table.add(p)
  const random = createRandom(5, 'targets')
  for (let t = 0; t < 200; t++) {
    const target = randomId(random)
    const expected = table.all().sort((x, y) => compareDistance(x.dhtId, y.dhtId, target)).slice(0, 5)
    assert.equal(table.closestTo(target, 5).map((p) => p.nodeId), expected.map((p) => p.nodeId))
  }
})

const Lists = suite('contact lists')

Lists('the sorted list keeps the closest, hands back what falls off and never holds its owner', () => {
  const local = peerDescriptorOf('local')
  const list = new SortedContactList(local.dhtId, 10, local.nodeId)
  const all = peers(100)
  const removed: PeerDescriptor[] = []
  for (const p of all) {
    const r = list.add(p)
    if (r.removed !== undefined) removed.push(r.removed)
  }
  const expected = [...all].sort((x, y) => compareDistance(x.dhtId, y.dhtId, local.dhtId)).slice(0, 10)
  assert.equal(list.all().map((p) => p.nodeId), expected.map((p) => p.nodeId))
  assert.ok(removed.length > 0 && removed.every((r) => !list.has(r.nodeId)))
  assert.not.ok(list.add(local).added)
})

Lists('the random list takes about a fifth of newcomers and replaces its oldest when full', () => {
  const list = new RandomContactList('local', 50, 0.2, createRandom(3, 'random-list'))
  let taken = 0
  const all = peers(5000)
  for (const p of all) if (list.add(p)) taken++
  assert.ok(taken > 900 && taken < 1100, `took ${taken} of 5000`)
  assert.is(list.size, 50)
  const last = all.filter((p) => list.all().includes(p))
  assert.is(last.length, 50)
})

Lists('ring contacts are the closest on each side, wrapping around', () => {
  const local = peerDescriptorOf('local', 300)
  const ring = new RingContacts(ringPositionOf(local), 5, local.nodeId)
  const all = [...peers(40, 'a').map((p) => ({ ...p, region: 200 })), ...peers(40, 'b').map((p) => ({ ...p, region: 300 })), ...peers(40, 'c').map((p) => ({ ...p, region: 400 }))]
  for (const p of all) ring.add(p)
  const me = ringPositionOf(local)
  const byLeft = [...all].sort((x, y) => leftDistance(me, ringPositionOf(x)) - leftDistance(me, ringPositionOf(y))).slice(0, 5)
  const byRight = [...all].sort((x, y) => rightDistance(me, ringPositionOf(x)) - rightDistance(me, ringPositionOf(y))).slice(0, 5)
  assert.equal(ring.left.map((p) => p.nodeId), byLeft.map((p) => p.nodeId))
  assert.equal(ring.right.map((p) => p.nodeId), byRight.map((p) => p.nodeId))
  // With locality, the nearest on both sides share our region.
  assert.ok([...ring.left, ...ring.right].every((p) => p.region === 300))
})

const Lookups = suite('Kademlia lookups on a formed network')

/**
 * A 1,000-node layer 0 joined over 17 s on the geo model and left to settle until 120 s (two
 * recovery rounds: a routing table a minute old can still miss a subtree, whose contacts closed
 * their links under the connection cap), with 100 crashes at 200 s.
 */
function formingNetwork(): Simulation {
  const s = scenarioFrom(`
name: kademlia
protocol: tatum
nodes: 1000
seed: 7
topology: { builder: dht, entryPoints: 2, wsServerShare: 0.2 }
network: { latency: { model: geo, intraRegionRttMs: 2 } }
churn:
  initialNodes: 20
  arrivalRatePerS: 60
  events: [{ type: leave, atS: 200, count: 100, crashFraction: 1 }]
workload: { messagesPerPublisher: 1, ratePerSecond: 1, warmupS: 1 }
durationS: 300
`)
  return new Simulation(s)
}

/**
 * Runs `count` lookups of random keys from random online nodes, one every 100 ms from now, and
 * the network 30 s past the last; returns how many found exactly the true k closest of the
 * nodes online when the lookup started (brute force).
 */
function lookUp(simulation: Simulation, count: number): { exact: number; done: number } {
  const overlay = simulation.dhtOverlay!
  const random = createRandom(11, 'lookups', simulation.sim.now())
  const start = simulation.sim.now()
  let exact = 0
  let done = 0
  for (let q = 0; q < count; q++) {
    simulation.sim.call(start + q * 100, () => {
      const online = [...overlay.runningNodes()]
      const key = randomId(random)
      const from = online[Math.floor(random.next() * online.length)]
      const truth = online.map((n) => n.local).sort((x, y) => compareDistance(x.dhtId, y.dhtId, key))
        .filter((d) => d.nodeId !== from.local.nodeId).slice(0, 8).map((d) => d.nodeId)
      from.layer0.findClosest(key, (result) => {
        done++
        if (result.closest.map((d) => d.nodeId).join() === truth.join()) exact++
      })
    })
  }
  simulation.sim.run(start + count * 100 + 30_000)
  return { exact, done }
}

Lookups('find the true 8 closest of 1,000 ids in every lookup without churn, and in 99% after 10% of the nodes crashed', () => {
  const simulation = formingNetwork()
  simulation.sim.run(120_000)
  const settled = lookUp(simulation, 300)
  assert.is(settled.done, 300)
  assert.is(settled.exact, 300, `${settled.exact} of 300 exact without churn`)
  // 100 nodes crash at 200 s; the survivors look up 5 s later, before any recovery round.
  simulation.sim.run(205_000)
  assert.is([...simulation.dhtOverlay!.runningNodes()].length, 900)
  const crashed = lookUp(simulation, 300)
  assert.is(crashed.done, 300)
  assert.ok(crashed.exact >= 297, `${crashed.exact} of 300 exact after the crashes`)
})

function randomId(random: { next(): number }): DhtId {
  const id = new Uint8Array(20)
  for (let i = 0; i < 20; i++) id[i] = Math.floor(random.next() * 256)
  return id
}

Ids.run()
Buckets.run()
Lists.run()
Lookups.run()
