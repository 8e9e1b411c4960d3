// Brubeck end to end on the simulated network: trackers and NetworkNodes with TrackerClients,
// fixed 10 ms links. Joins, leaves, crashes, a tracker restart, signalling and garbage.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { NetworkNode } from '../core/network-node.ts'
import type { Connection } from '../core/ports.ts'
import type { TrackerClientOptions } from '../core/tracker/tracker-client.ts'
import { TrackerOverlay } from '../core/tracker/tracker-overlay.ts'
import { trackerOf } from '../core/tracker/tracker-assignment.ts'
import { WIRE_TRACKER_INSTRUCTION, WIRE_TRACKER_SIGNAL, instructionMessage, statusMessage } from '../core/tracker/tracker-messages.ts'
import { Tracker } from '../core/tracker/tracker.ts'
import { createRandom } from '../sim/engine/random.ts'
import { Simulator } from '../sim/engine/simulator.ts'
import { createLatencyModel } from '../sim/network/latency-model.ts'
import { SimNetwork } from '../sim/network/sim-network.ts'
import { RecordingObserver } from './helpers/small-world.ts'

const SP = 'stream#0'

function world(nodeCount: number, trackerCount = 1, clientOptions: Partial<TrackerClientOptions> = {}) {
  const sim = new Simulator()
  const trackerIds = Array.from({ length: trackerCount }, (_, i) => `t${i}`)
  const nodeIds = Array.from({ length: nodeCount }, (_, i) => `n${i}`)
  const ids = [...trackerIds, ...nodeIds]
  const network = new SimNetwork(sim, createLatencyModel({ model: 'fixed', ms: 10 }, ids, 1), ids, { lossRate: 0, processingDelayMs: 0, connectionSetup: 'instant', connectTimeoutMs: 5_000 }, 1)
  const startTracker = (i: number) => new Tracker({ clock: sim, timers: sim, random: createRandom(1, trackerIds[i]), transport: network.transport(i) })
  const trackers = trackerIds.map((_, i) => startTracker(i))
  const observers = nodeIds.map(() => new RecordingObserver(sim))
  const nodes = nodeIds.map((id, k) => new NetworkNode({
    clock: sim, timers: sim, random: createRandom(1, id), transport: network.transport(trackerCount + k), observer: observers[k],
  }))
  const overlay = new TrackerOverlay(trackerIds, { timers: sim, randomFor: (id) => createRandom(1, id, 'tracker') }, clientOptions)
  return { sim, network, trackers, trackerIds, nodes, observers, overlay, startTracker, indexOfNode: (k: number) => trackerCount + k }
}

/** What the nodes themselves have: id -> neighbour ids, for the nodes in the part. */
function nodeView(nodes: NetworkNode[], sp = SP): Map<string, string[]> {
  const view = new Map<string, string[]>()
  for (const n of nodes) {
    const part = n.streamPart(sp)
    if (part !== undefined) view.set(n.id, part.neighbours.map((c) => c.remoteId).sort())
  }
  return view
}

function sorted(view: Map<string, string[]>): [string, string[]][] {
  return [...view].map(([k, v]) => [k, [...v].sort()] as [string, string[]]).sort((a, b) => a[0].localeCompare(b[0]))
}

function components(view: Map<string, string[]>): number {
  const seen = new Set<string>()
  let count = 0
  for (const start of view.keys()) {
    if (seen.has(start)) continue
    count++
    const stack = [start]
    seen.add(start)
    while (stack.length > 0) {
      for (const n of view.get(stack.pop()!) ?? []) {
        if (!seen.has(n) && view.has(n)) {
          seen.add(n)
          stack.push(n)
        }
      }
    }
  }
  return count
}

function assertHealthy(view: Map<string, string[]>, minFull: number, what: string): void {
  for (const [id, list] of view) {
    assert.ok(list.length <= 4, `${what}: ${id} has ${list.length} neighbours`)
    for (const n of list) assert.ok(view.get(n)?.includes(id), `${what}: ${id}-${n} one-sided`)
  }
  const full = [...view.values()].filter((l) => l.length === 4).length
  assert.ok(full >= minFull, `${what}: only ${full} of ${view.size} nodes have 4 neighbours`)
  assert.is(components(view), 1, `${what}: overlay split`)
}

const Overlay = suite('tracker overlay')

Overlay('connects 50 nodes joining at once with degrees <= 4, nearly all exactly 4, as the tracker has it', () => {
  const w = world(50)
  for (const n of w.nodes) w.overlay.join(n, SP)
  w.sim.run(20_000)
  const view = nodeView(w.nodes)
  assertHealthy(view, 48, 'at once')
  assert.equal(sorted(view), sorted(w.trackers[0].overlay(SP)), 'nodes and tracker agree')
})

Overlay('connects 50 nodes joining one by one (every 200 ms) the same way', () => {
  const w = world(50)
  w.nodes.forEach((n, i) => w.sim.call(i * 200, () => w.overlay.join(n, SP)))
  w.sim.run(30_000)
  const view = nodeView(w.nodes)
  assertHealthy(view, 48, 'one by one')
  assert.equal(sorted(view), sorted(w.trackers[0].overlay(SP)))
})

Overlay('tells the tracker of a graceful leave (-1), and re-instructs and refills the neighbours', () => {
  const w = world(20)
  for (const n of w.nodes) w.overlay.join(n, SP)
  w.sim.run(20_000)
  const leaver = w.nodes[7]
  const former = nodeView(w.nodes).get(leaver.id)!
  assert.is(former.length, 4)
  const applied = new Map(former.map((id) => [id, w.overlay.client(w.nodes[Number(id.slice(1))])!.stats.instructionsApplied]))
  w.overlay.leave(leaver, SP)
  w.sim.run(40_000)
  assert.is(w.trackers[0].stats.leavesReceived, 1)
  const view = nodeView(w.nodes)
  assert.not.ok(view.has(leaver.id))
  for (const id of former) {
    assert.not.ok(view.get(id)!.includes(leaver.id))
    assert.ok(w.overlay.client(w.nodes[Number(id.slice(1))])!.stats.instructionsApplied > applied.get(id)!, `${id} re-instructed`)
  }
  assertHealthy(view, 17, 'after leave')
  assert.equal(sorted(view), sorted(w.trackers[0].overlay(SP)))
})

Overlay('learns of a crash from the dropped link, and re-instructs and refills the neighbours', () => {
  const w = world(20)
  for (const n of w.nodes) w.overlay.join(n, SP)
  w.sim.run(20_000)
  const victim = w.nodes[11]
  const former = nodeView(w.nodes).get(victim.id)!
  w.network.takeDown(w.indexOfNode(11), true)
  w.overlay.crashed(victim)
  w.sim.run(60_000)
  assert.is(w.trackers[0].stats.leavesReceived, 0, 'a crash says nothing')
  assert.is(w.trackers[0].stats.nodesDisconnected, 1)
  const view = nodeView(w.nodes.filter((n) => n !== victim))
  for (const id of former) assert.not.ok(view.get(id)!.includes(victim.id))
  assertHealthy(view, 17, 'after crash')
  assert.equal(sorted(view), sorted(w.trackers[0].overlay(SP)))
})

Overlay('survives a tracker crash and restart: nodes reconnect with backoff, the new tracker rebuilds the overlay from statuses', () => {
  const w = world(20)
  for (const n of w.nodes.slice(0, 19)) w.overlay.join(n, SP)
  w.sim.run(20_000)
  const before = sorted(nodeView(w.nodes))
  w.network.takeDown(0, true)
  w.trackers[0].stop()
  // While the tracker is down one more node joins: it retries until the tracker is back.
  w.sim.call(21_000, () => w.overlay.join(w.nodes[19], SP))
  w.sim.run(40_000)
  assert.ok(w.nodes.every((n) => !w.overlay.client(n)!.isLinkedTo('t0')), 'everyone noticed')
  w.network.bringUp(0)
  const restarted = w.startTracker(0)
  w.sim.run(120_000)
  assert.ok(w.nodes.every((n) => w.overlay.client(n)!.isLinkedTo('t0')), 'everyone reconnected')
  assert.ok(w.overlay.client(w.nodes[19])!.stats.trackerConnectFailures >= 2, 'retried with backoff')
  const view = nodeView(w.nodes)
  assertHealthy(view, 18, 'after restart')
  assert.equal(sorted(view), sorted(restarted.overlay(SP)), 'rebuilt from statuses')
  // The old overlay survived: only links needed to fit the newcomer in changed.
  const kept = before.filter(([id, list]) => list.every((n) => view.get(id)!.includes(n))).length
  assert.ok(kept >= 19 - 4, `only ${kept} of 19 nodes kept all their links`)
})

Overlay('has each stream part built by its own tracker only, with two trackers', () => {
  const w = world(16, 2)
  const parts = ['a#0', 'a#1', 'a#2', 'a#3', 'a#4', 'a#5']
  const byTracker = new Map<string, string[]>()
  for (const sp of parts) byTracker.set(trackerOf(sp, w.trackerIds), [...(byTracker.get(trackerOf(sp, w.trackerIds)) ?? []), sp])
  assert.is(byTracker.size, 2, 'the parts chosen cover both trackers')
  for (const sp of parts) for (const n of w.nodes) w.overlay.join(n, sp)
  w.sim.run(20_000)
  for (const [i, t] of w.trackers.entries()) {
    assert.equal(t.streamPartIds().sort(), byTracker.get(`t${i}`)!.sort())
    for (const sp of t.streamPartIds()) assertHealthy(nodeView(w.nodes, sp), 15, sp)
  }
})

Overlay('relays signals through the tracker to the addressee', () => {
  const w = world(3)
  for (const n of w.nodes) w.overlay.join(n, SP)
  w.sim.run(1_000)
  const got: [string, string][] = []
  w.overlay.client(w.nodes[2])!.onSignal((from, payload) => got.push([from, payload]))
  assert.ok(w.overlay.client(w.nodes[0])!.sendSignal(SP, 'n2', '{"type":"offer","sdp":"v=0"}'))
  w.overlay.client(w.nodes[0])!.sendSignal(SP, 'n9', 'nobody')
  w.sim.run(2_000)
  assert.equal(got, [['n0', '{"type":"offer","sdp":"v=0"}']])
  assert.equal([w.trackers[0].stats.signalsRelayed, w.trackers[0].stats.signalsDropped], [1, 1])
})

Overlay('lets a publisher that joins through the tracker and publishes at once reach everyone', () => {
  const w = world(12)
  for (const n of w.nodes.slice(1)) w.overlay.join(n, SP)
  w.sim.run(10_000)
  w.overlay.join(w.nodes[0], SP)
  w.nodes[0].publish('stream', 0, new Uint8Array(16))
  w.sim.run(20_000)
  for (const [i, o] of w.observers.entries()) if (i > 0) assert.is(o.delivered_.length, 1, `n${i}`)
})

const Client = suite('TrackerClient')

Client('counts garbage tracker messages as malformed and ignores stray ones, never throwing', () => {
  const w = world(2)
  for (const n of w.nodes) w.overlay.join(n, SP)
  w.sim.run(1_000)
  const node = w.nodes[0]
  const trackerLink = node.connection('t0')!
  const garbage: unknown[] = [
    { kind: WIRE_TRACKER_INSTRUCTION }, { kind: WIRE_TRACKER_INSTRUCTION, sizeBytes: 1, streamPartId: SP, neighbours: 'n1', counter: 9 },
    { kind: WIRE_TRACKER_SIGNAL, sizeBytes: 1, from: 'x' }, statusMessage(SP, [], 0), { kind: 13, sizeBytes: 1 },
  ]
  for (const g of garbage) node.onMessage(trackerLink, g)
  assert.is(w.observers[0].malformeds, 5, 'kind 13 belongs to nobody; the rest fail the tracker checks (a node takes no statuses)')
  // Well-formed but not for us: an instruction from a peer that is not the part's tracker, or for a part not joined.
  const stranger: Connection = { remoteId: 'n1', send() {}, close() {} }
  node.onMessage(stranger, instructionMessage(SP, ['evil'], 999))
  node.onMessage(trackerLink, instructionMessage('unjoined#0', ['evil'], 999))
  assert.is(w.overlay.client(node)!.stats.strayMessagesIgnored, 2)
  assert.is(w.observers[0].malformeds, 5, 'stray messages are not malformed')
  assert.not.ok(node.streamPart(SP)!.hasNeighbour('evil'))
})

Client('ignores a stale instruction (counter below the one applied)', () => {
  const w = world(6)
  for (const n of w.nodes) w.overlay.join(n, SP)
  w.sim.run(10_000)
  const client = w.overlay.client(w.nodes[0])!
  const counter = client.counterOf(SP)!
  assert.ok(counter >= 1)
  const before = nodeView(w.nodes).get('n0')
  w.nodes[0].onMessage(w.nodes[0].connection('t0')!, instructionMessage(SP, [], counter - 1))
  w.sim.run(11_000)
  assert.is(client.stats.staleInstructionsIgnored, 1)
  assert.equal(nodeView(w.nodes).get('n0'), before)
})

Client('sends no status heartbeat: a formed overlay is quiet unless the last instruction is re-applied, which reports every Nth time', () => {
  const quiet = world(4, 1, { instructionRetryIntervalMs: 0 })
  for (const n of quiet.nodes) quiet.overlay.join(n, SP)
  quiet.sim.run(5_000)
  const formed = quiet.trackers[0].stats.statusesReceived
  quiet.sim.run(600_000)
  assert.is(quiet.trackers[0].stats.statusesReceived, formed, 'nothing for ten minutes of a stable overlay')

  const w = world(4, 1, { instructionRetryIntervalMs: 1_000, statusEveryNthRetry: 3 })
  for (const n of w.nodes) w.overlay.join(n, SP)
  w.sim.run(5_000)
  const at5 = w.trackers[0].stats.statusesReceived
  w.sim.run(35_000)
  // Each node re-applies every second and reports on retries 1, 4, 7, ...: a third of them.
  const perNodePerSecond = (w.trackers[0].stats.statusesReceived - at5) / 4 / 30
  assert.ok(Math.abs(perNodePerSecond - 1 / 3) < 0.05, `${perNodePerSecond} statuses/s per node`)
  w.nodes[2].leaveStreamPart(SP)
  w.sim.run(36_000)
  assert.is(w.trackers[0].stats.leavesReceived, 1, 'a part left behind the client\'s back is still reported as left')
  assert.not.ok(w.trackers[0].overlay(SP).has('n2'))
})

Client('validates its options', () => {
  assert.throws(() => world(1, 1, { reconnectIntervalMs: 0 }), RangeError)
  assert.throws(() => world(1, 1, { statusEveryNthRetry: 0 }), RangeError)
  assert.throws(() => world(1, 1, { statusDebounceMs: -1 }), RangeError)
})

Overlay.run()
Client.run()
