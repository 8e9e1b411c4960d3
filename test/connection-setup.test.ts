// What opening a link costs on the simulated network: WebRTC through a signalling route, then
// ICE, DTLS and SCTP round trips; WebSocket round trips; loss and retransmission; timeouts.
// Expected times are computed here from the protocol's round-trip counts, apart from the model.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Connection, TransportHandler } from '../core/ports.ts'
import { Simulator } from '../sim/engine/simulator.ts'
import {
  WEBRTC_FIXED_MS, WEBRTC_PHASES, WEBSOCKET_FIXED_MS, WEBSOCKET_PHASES, type ConnectionSetupMode,
} from '../sim/network/connection-setup.ts'
import { createLatencyModel } from '../sim/network/latency-model.ts'
import { SimNetwork } from '../sim/network/sim-network.ts'

const ONE_WAY_MS = 20
const RTT = 2 * ONE_WAY_MS
const TIMEOUT_MS = 15_000

class Recorder implements TransportHandler {
  connectedAt = new Map<string, number>()
  failedAt = new Map<string, { atMs: number; reason: string }>()
  constructor(private readonly sim: Simulator) {}
  onConnected(c: Connection): void { this.connectedAt.set(c.remoteId, this.sim.now()) }
  onConnectFailed(peer: string, reason: string): void { this.failedAt.set(peer, { atMs: this.sim.now(), reason }) }
  onMessage(): void {}
  onDisconnected(): void {}
}

/** Nodes n0..n(k-1); the last `servers` of them run WebSocket servers. */
function world(k: number, options: { mode?: ConnectionSetupMode; lossRate?: number; servers?: number } = {}) {
  const sim = new Simulator()
  const ids = Array.from({ length: k }, (_, i) => `n${i}`)
  const servers = options.servers ?? 0
  const network = new SimNetwork(sim, createLatencyModel({ model: 'fixed', ms: ONE_WAY_MS }, ids, 1), ids, {
    lossRate: options.lossRate ?? 0, processingDelayMs: 0, connectionSetup: options.mode ?? 'modelled',
    connectTimeoutMs: TIMEOUT_MS, hasServer: (i) => i >= k - servers,
  }, 1)
  const recorders = ids.map((_, i) => {
    const r = new Recorder(sim)
    network.transport(i).setHandler(r)
    return r
  })
  return { sim, network, recorders }
}

const roundTrips = (phases: readonly { roundTrips: number }[]) => phases.reduce((a, p) => a + p.roundTrips, 0)

const Setup = suite('ConnectionSetup')

Setup('WebRTC without a signalling server: offer and answer one way each, then ICE, DTLS and SCTP round trips', () => {
  const { sim, network, recorders } = world(2)
  network.transport(0).connect('n1')
  sim.run(Infinity)
  const offerer = 2 * ONE_WAY_MS + WEBRTC_FIXED_MS + roundTrips(WEBRTC_PHASES) * RTT
  assert.is(roundTrips(WEBRTC_PHASES), 5, 'ICE 1, DTLS 2, SCTP 2, as the live trace shows')
  assert.ok(Math.abs(recorders[0].connectedAt.get('n1')! - offerer) < 1e-9, `offerer open at ${recorders[0].connectedAt.get('n1')}`)
  assert.ok(Math.abs(recorders[1].connectedAt.get('n0')! - (offerer - RTT / 2)) < 1e-9, 'the answerer half a round trip sooner')
  assert.equal(network.setup.stats.setupMs, [offerer])
})

Setup('WebRTC through a signalling route: each signal takes the route\'s time, and every signal goes through it', () => {
  const { sim, network, recorders } = world(2)
  const ROUTE_MS = 75
  const routed: string[] = []
  network.setup.setSignalRoute((from, to, payload) => {
    routed.push(`${from}>${to} ${payload.slice(0, 1)}`)
    sim.call(sim.now() + ROUTE_MS, () => network.setup.handleSignal(to, from, payload))
    return true
  })
  network.transport(0).connect('n1')
  sim.run(Infinity)
  assert.equal(routed, ['0>1 o', '0>1 c', '1>0 a', '1>0 c'], 'offer and answer, each with its candidate')
  const offerer = 2 * ROUTE_MS + WEBRTC_FIXED_MS + 5 * RTT
  assert.ok(Math.abs(recorders[0].connectedAt.get('n1')! - offerer) < 1e-9)
})

Setup('no signalling route (no tracker link): the attempt fails at the connection timeout', () => {
  const { sim, network, recorders } = world(2)
  network.setup.setSignalRoute(() => false)
  network.transport(0).connect('n1')
  sim.run(Infinity)
  assert.equal(recorders[0].failedAt.get('n1'), { atMs: TIMEOUT_MS, reason: 'connect timeout' })
  assert.is(recorders[1].connectedAt.size, 0)
  assert.equal([network.setup.stats.opened, network.setup.stats.failed], [0, 1])
})

Setup('both ends asked to connect at once: one link, both hear of it, one attempt counted', () => {
  const { sim, network, recorders } = world(2)
  network.transport(0).connect('n1')
  sim.call(1, () => network.transport(1).connect('n0'))
  sim.run(Infinity)
  assert.ok(recorders[0].connectedAt.has('n1') && recorders[1].connectedAt.has('n0'))
  assert.is(network.setup.stats.opened, 1)
  assert.is(network.linksOfNode(0).length, 1)
})

Setup('WebSocket: TCP, upgrade and hello round trips; the server is open on the last request', () => {
  const { sim, network, recorders } = world(2, { servers: 1 })
  network.transport(0).connect('n1')
  sim.run(Infinity)
  const client = WEBSOCKET_FIXED_MS + roundTrips(WEBSOCKET_PHASES) * RTT
  assert.is(roundTrips(WEBSOCKET_PHASES), 3)
  assert.ok(Math.abs(recorders[0].connectedAt.get('n1')! - client) < 1e-9)
  assert.ok(Math.abs(recorders[1].connectedAt.get('n0')! - (client - RTT / 2)) < 1e-9)
})

Setup('WebSocket to a server that is down is refused after one round trip; across a partition it times out', () => {
  const down = world(2, { servers: 1 })
  down.network.takeDown(1, true)
  down.network.transport(0).connect('n1')
  down.sim.run(Infinity)
  assert.equal(down.recorders[0].failedAt.get('n1'), { atMs: RTT, reason: 'connection refused' })
  const cut = world(2, { servers: 1 })
  cut.network.setPartition(Uint8Array.from([0, 1]))
  cut.network.transport(0).connect('n1')
  cut.sim.run(Infinity)
  assert.equal(cut.recorders[0].failedAt.get('n1'), { atMs: TIMEOUT_MS, reason: 'peer unreachable' })
})

Setup('a peer that goes down during the handshake: the asker fails at the timeout, nobody is connected', () => {
  const { sim, network, recorders } = world(2)
  network.transport(0).connect('n1')
  sim.call(50, () => network.takeDown(1, true))
  sim.run(Infinity)
  assert.equal(recorders[0].failedAt.get('n1'), { atMs: TIMEOUT_MS, reason: 'connect timeout' })
  assert.is(recorders[0].connectedAt.size, 0)
})

Setup('lost handshake packets are resent after their protocol\'s timeout, doubling: setup grows by sums of RTOs', () => {
  const { sim, network } = world(401, { lossRate: 0.2 })
  for (let i = 1; i <= 400; i++) network.transport(0).connect(`n${i}`)
  sim.run(Infinity)
  const lossless = 2 * ONE_WAY_MS + WEBRTC_FIXED_MS + 5 * RTT
  const { setupMs, opened, failed } = network.setup.stats
  assert.is(opened + failed, 400)
  const delays = setupMs.map((t) => t - lossless)
  for (const d of delays) {
    // 500 ms (ICE) and 1,000 ms (DTLS, SCTP), doubling: every delay is a whole number of 500 ms steps.
    assert.ok(d >= -1e-9 && Math.abs(d / 500 - Math.round(d / 500)) < 1e-9, `delay ${d} ms`)
  }
  const delayed = delays.filter((d) => d > 1e-9).length
  // Each link has 5 round trips of 2 packets: P(no loss) = 0.8^10 = 0.107.
  assert.ok(delayed / setupMs.length > 0.8, `${delayed} of ${setupMs.length} links waited for a resend`)
  // Loss applies to the signalling-free direct path only; content is not involved.
  assert.is(network.lost.loss, 0)
})

Setup('instant: the request one way, the acceptance back, as before the model', () => {
  const { sim, network, recorders } = world(2, { mode: 'instant' })
  network.transport(0).connect('n1')
  sim.run(Infinity)
  assert.is(recorders[0].connectedAt.get('n1'), RTT)
  assert.is(recorders[1].connectedAt.get('n0'), ONE_WAY_MS)
})

Setup.run()
