// How a link opens on the simulated network: what it costs to make a connection, which is most
// of what a node's time to data is made of.
//
// - `instant` (runs before version 0.2): the request travels one way and the acceptance back.
// - `modelled`: as the real stack opens it.
//   - WebSocket (a node to a tracker, or to a node that runs a server): TCP's handshake, the
//     HTTP upgrade and the transport's hello/welcome, each a round trip on the pair's latency.
//     A peer that is down refuses at once (its host answers, its process is gone); a
//     partitioned one never answers and the attempt times out.
//   - Connect-back (Tatum: we run a WebSocket server, the peer does not): the request travels
//     through the signalling route and the peer dials our server, as WebSocket above.
//   - WebRTC (node to node): the offer and the answer, each with its ICE candidate, travel as
//     real messages through a signalling route (the tracker in Brubeck, routed over the DHT in
//     Tatum; straight between the two for the static builder, which has no signalling server),
//     on the modelled latencies of every leg. Then the direct path: ICE connectivity check,
//     DTLS handshake, SCTP association and data channel open, each as the round trips it takes.
//   Each round trip's packets are lost at the scenario's loss rate and resent after the
//   protocol's retransmission timeout, doubling; an attempt not open within the era's connection
//   timeout fails then, and what to do next is the node's protocol's business (as live).
//
// The round-trip counts and fixed costs are calibrated against the live transport on loopback
// with injected delay (`npm run bench:connection-setup`; README, "Connection setup"). The direct
// path's packets are drawn when it starts: a partition or crash that begins during a handshake
// is seen when the link would open (it then fails at the timeout), not packet by packet.

import type { Random } from '../../core/ports.ts'
import { createRandom } from '../engine/random.ts'
import type { Simulator } from '../engine/simulator.ts'
import type { LatencyModel } from './latency-model.ts'

export type ConnectionSetupMode = 'modelled' | 'instant'
export type LinkKind = 'webrtc' | 'websocket' | 'connect-back'

/** One phase of a handshake: request/response exchanges started by the connecting side. */
export interface HandshakePhase {
  readonly name: string
  readonly roundTrips: number
  /** First retransmission timeout of a lost packet; doubles with each retry. */
  readonly rtoMs: number
}

/**
 * Calibrated against node-datachannel 0.33.4 (libdatachannel, libjuice, usrsctp, OpenSSL) on
 * loopback with injected delay (`npm run bench:connection-setup`, 18 cells of RTT x signalling
 * delay, two runs): the offerer opens 2 signalling legs + 5.02 RTT + 11.3 ms after connect(),
 * the answerer 2 legs + 4.52 RTT + 10.8 ms (least squares over cell medians, signalling
 * coefficient fixed at 1; residuals within 5.2 ms). The datagram trace of a link shows the
 * phases: ICE 1 RTT, DTLS 1.2 2 RTT (no HelloVerifyRequest), SCTP association and data
 * channel open 2 RTT.
 */
export const WEBRTC_PHASES: readonly HandshakePhase[] = [
  // libjuice agent.h MIN_STUN_RETRANSMISSION_TIMEOUT (RFC 8445: an RTO of at least 500 ms).
  { name: 'ice', roundTrips: 1, rtoMs: 500 },
  // OpenSSL's DTLS retransmission timer starts at 1 s (RFC 6347 4.2.4.1), as libdatachannel leaves it.
  { name: 'dtls', roundTrips: 2, rtoMs: 1_000 },
  // libdatachannel SctpTransport: usrsctp_sysctl_set_sctp_rto_initial_default(1000).
  { name: 'sctp', roundTrips: 2, rtoMs: 1_000 },
]
/** Descriptions, candidate gathering and DTLS crypto on both sides: the calibration's intercept. */
export const WEBRTC_FIXED_MS = 11.3
/**
 * Calibrated against the project's WebSocket transport (ws 8.23) on loopback with injected delay:
 * the client is open 3.00 RTT + 2.6 ms after connect(), the server 2.50 RTT + 2.1 ms (two runs of
 * `npm run bench:connection-setup`; residuals within 1.2 ms). A bare ws client takes 2 RTT: the
 * third is the transport's hello/welcome.
 */
export const WEBSOCKET_PHASES: readonly HandshakePhase[] = [
  // Linux TCP_TIMEOUT_INIT: a lost SYN is sent again after 1 s (RFC 6298 2.1).
  { name: 'tcp', roundTrips: 1, rtoMs: 1_000 },
  // Linux TCP_RTO_MIN: once the SYN's round trip is measured, the RTO is at least 200 ms.
  { name: 'upgrade', roundTrips: 1, rtoMs: 200 },
  { name: 'hello', roundTrips: 1, rtoMs: 200 },
]
export const WEBSOCKET_FIXED_MS = 2.6

/**
 * Signalling payload sizes, as the live transport sends them (live/webrtc-signalling.ts): an
 * offer or answer with its SDP, and one ICE candidate line. The simulated payloads are padded to
 * these lengths so the signalling route carries and counts realistic bytes.
 */
export const OFFER_PAYLOAD_CHARS = 520
export const CANDIDATE_PAYLOAD_CHARS = 140

const SIGNAL_OFFER = 'o'
const SIGNAL_ANSWER = 'a'
const SIGNAL_CANDIDATE = 'c'
/** A connect-back request: "dial my server" (WebsocketServerConnector, @streamr/dht 103.3.1). */
const SIGNAL_CONNECT_BACK = 'b'
/** A connect-back request is a small RPC, not an SDP. */
export const CONNECT_BACK_PAYLOAD_CHARS = 80

/** Carries a signalling payload from node `from` to node `to`; false when there is no route now. */
export type SignalRoute = (from: number, to: number, payload: string) => boolean

/** What the setup needs from the network it opens links on. */
export interface SetupNetwork {
  readonly sim: Simulator
  readonly latency: LatencyModel
  readonly nodeIds: readonly string[]
  isUp(index: number): boolean
  /** On different sides of a partition: nothing passes between them. */
  separated(a: number, b: number): boolean
  /** A content-like packet of the handshake is lost at the scenario's rate. */
  readonly lossRate: number
  /** Creates the link now; each end hears of it at its time (now or later). */
  openLink(src: number, dst: number, srcOpenAtMs: number, dstOpenAtMs: number): void
  /** Tells `src`'s node at `atMs` that its connect to `dst` failed. */
  failConnect(src: number, dst: number, atMs: number, reason: string): void
  /** A connection attempt from `remote` reached `local`: a link `local` holds whose far end closed is gone now. */
  staleLinkReplaced(local: number, remote: number): void
}

/** Counts and setup times, for summary.json. */
export interface SetupStats {
  opened: number
  failed: number
  /** Request to the requester's link opening, per link opened, in the order they opened. */
  readonly setupMs: number[]
}

interface Attempt {
  readonly id: number
  readonly offerer: number
  readonly answerer: number
  readonly startedAtMs: number
  /** The answerer asked for the same link meanwhile (both were told to connect). */
  answererAsked: boolean
  /** The timer that fails the attempt at the era's connection timeout. */
  timeout: number
}

export class ConnectionSetup {
  readonly stats: SetupStats = { opened: 0, failed: 0, setupMs: [] }
  private readonly attempts = new Map<number, Attempt>()
  /** Attempts in flight by pair key, so a second connect of either side joins the first. */
  private readonly byPair = new Map<number, Attempt>()
  private nextAttempt = 1
  private readonly randoms: (Random | undefined)[]
  private signalRoute: SignalRoute | undefined
  /** Connect timeout of the era: an attempt not open by then fails. */
  private readonly timeoutMs: number

  constructor(
    private readonly net: SetupNetwork,
    readonly mode: ConnectionSetupMode,
    timeoutMs: number,
    private readonly seed: number,
    /** Which peers run a WebSocket server (trackers; in Tatum, nodes with one): links to them are WebSockets. */
    private readonly hasServer: (index: number) => boolean
  ) {
    this.timeoutMs = timeoutMs
    this.randoms = new Array(net.nodeIds.length).fill(undefined)
  }

  /** Where WebRTC offers and answers go; without one they go straight between the two nodes. */
  setSignalRoute(route: SignalRoute): void {
    this.signalRoute = route
  }

  /** How `src` reaches `dst` (Connectivity.ts expectedConnectionType, @streamr/dht 103.3.1). */
  kindOf(src: number, dst: number): LinkKind {
    if (this.hasServer(dst)) return 'websocket'
    return this.hasServer(src) ? 'connect-back' : 'webrtc'
  }

  connect(src: number, dst: number): void {
    const now = this.net.sim.now()
    if (this.mode === 'instant') {
      if (!this.net.isUp(dst) || this.net.separated(src, dst)) return this.net.failConnect(src, dst, now + this.timeoutMs, 'peer unreachable')
      const forward = this.net.latency.meanOneWayMs(src, dst)
      const back = this.net.latency.meanOneWayMs(dst, src)
      this.stats.opened++
      this.stats.setupMs.push(forward + back)
      this.net.openLink(src, dst, now + forward + back, now + forward)
      return
    }
    const pending = this.byPair.get(pairKey(src, dst, this.net.nodeIds.length))
    if (pending !== undefined) {
      // Both ends were told to connect (or one asked twice): the request rides on the attempt under way.
      if (pending.answerer === src) pending.answererAsked = true
      return
    }
    const kind = this.kindOf(src, dst)
    if (kind === 'websocket') {
      if (this.net.separated(src, dst)) return this.net.failConnect(src, dst, now + this.timeoutMs, 'peer unreachable')
      if (!this.net.isUp(dst)) {
        // A host whose server process is gone refuses at once: one round trip.
        const rtt = this.net.latency.meanOneWayMs(src, dst) + this.net.latency.meanOneWayMs(dst, src)
        return this.net.failConnect(src, dst, now + rtt, 'connection refused')
      }
      this.direct(this.begin(src, dst, now), WEBSOCKET_PHASES, WEBSOCKET_FIXED_MS)
      return
    }
    const attempt = this.begin(src, dst, now)
    if (kind === 'connect-back') {
      const request = `${SIGNAL_CONNECT_BACK}:${attempt.id}:`.padEnd(CONNECT_BACK_PAYLOAD_CHARS, '.')
      if (this.signalRoute !== undefined) this.signalRoute(src, dst, request)
      else this.sendDirect(src, dst, request)
      return
    }
    this.signal(src, dst, SIGNAL_OFFER, attempt.id)
  }

  /** A signalling payload for node `to` arrived from `from` (through the route); false if it is none of ours. */
  handleSignal(to: number, from: number, payload: string): boolean {
    const kind = payload.charAt(0)
    if (kind !== SIGNAL_OFFER && kind !== SIGNAL_ANSWER && kind !== SIGNAL_CANDIDATE && kind !== SIGNAL_CONNECT_BACK) return false
    const attempt = this.attempts.get(Number(payload.slice(2, payload.indexOf(':', 2))))
    // Late or stray (an attempt that ended): dropped, as the live transport drops stale signals.
    if (attempt === undefined) return true
    if ((kind === SIGNAL_OFFER || kind === SIGNAL_CONNECT_BACK) && to === attempt.answerer && from === attempt.offerer) {
      this.net.staleLinkReplaced(to, from)
    }
    if (kind === SIGNAL_OFFER && to === attempt.answerer && from === attempt.offerer) {
      // The answer goes back at once; the answerer's own work is in the calibrated fixed cost.
      this.signal(attempt.answerer, attempt.offerer, SIGNAL_ANSWER, attempt.id)
    } else if (kind === SIGNAL_ANSWER && to === attempt.offerer && from === attempt.answerer) {
      this.direct(attempt, WEBRTC_PHASES, WEBRTC_FIXED_MS)
    } else if (kind === SIGNAL_CONNECT_BACK && to === attempt.answerer && from === attempt.offerer) {
      this.dialBack(attempt)
    }
    return true
  }

  private begin(requester: number, peer: number, now: number): Attempt {
    const attempt: Attempt = {
      id: this.nextAttempt++, offerer: requester, answerer: peer, startedAtMs: now, answererAsked: false, timeout: -1,
    }
    this.attempts.set(attempt.id, attempt)
    this.byPair.set(pairKey(requester, peer, this.net.nodeIds.length), attempt)
    attempt.timeout = this.net.sim.setTimeout(() => this.fail(attempt, 'connect timeout'), this.timeoutMs)
    return attempt
  }

  /** Offer or answer, then its candidate, as two signalling messages. */
  private signal(from: number, to: number, kind: string, attemptId: number): void {
    const description = `${kind}:${attemptId}:`.padEnd(OFFER_PAYLOAD_CHARS, '.')
    const candidate = `${SIGNAL_CANDIDATE}:${attemptId}:`.padEnd(CANDIDATE_PAYLOAD_CHARS, '.')
    if (this.signalRoute !== undefined) {
      // No route now (no tracker link): the attempt waits for its timeout, as a live one does.
      if (this.signalRoute(from, to, description)) this.signalRoute(from, to, candidate)
      return
    }
    // No signalling server (static overlays): straight between the two, on their latency.
    this.sendDirect(from, to, description)
  }

  private sendDirect(from: number, to: number, payload: string): void {
    if (this.net.separated(from, to)) return
    const at = this.net.sim.now() + this.net.latency.sampleOneWayMs(from, to, this.randomOf(from))
    this.net.sim.call(at, () => {
      if (this.net.isUp(to)) this.handleSignal(to, from, payload)
    })
  }

  /**
   * The peer got our connect-back request and dials our server: the WebSocket handshakes, started
   * by the peer. We (the requester) are open when its last request reached us, the peer when the
   * last reply is back.
   */
  private dialBack(attempt: Attempt): void {
    const { offerer, answerer } = attempt
    if (this.net.separated(offerer, answerer) || !this.net.isUp(offerer)) return
    const exchange = this.exchange(answerer, offerer, WEBSOCKET_PHASES, this.net.sim.now() + WEBSOCKET_FIXED_MS)
    if (exchange.end - attempt.startedAtMs > this.timeoutMs) return
    this.net.sim.call(exchange.lastRequestArrival, () => this.open(attempt, exchange.lastRequestArrival, exchange.end))
  }

  /**
   * The handshakes on the direct path, started by the requester (the offerer): it opens when the
   * last reply is back, the peer when the last request reached it.
   */
  private direct(attempt: Attempt, phases: readonly HandshakePhase[], fixedMs: number): void {
    const { offerer, answerer } = attempt
    // Across a partition every packet is lost, and a node that went down answers nothing: the timeout ends it.
    if (this.net.separated(offerer, answerer) || !this.net.isUp(answerer)) return
    const exchange = this.exchange(offerer, answerer, phases, this.net.sim.now() + fixedMs)
    if (exchange.end - attempt.startedAtMs > this.timeoutMs) return
    this.net.sim.call(exchange.lastRequestArrival, () => this.open(attempt, exchange.end, exchange.lastRequestArrival))
  }

  /**
   * The round trips of `phases`, each started by `from`: per packet a latency sample and a loss
   * draw; a lost request or reply is sent again after the phase's RTO, doubling. Returns when the
   * last reply is back at `from` and when the last request reached `to`.
   */
  private exchange(from: number, to: number, phases: readonly HandshakePhase[], startMs: number): { end: number; lastRequestArrival: number } {
    const random = this.randomOf(from)
    const loss = this.net.lossRate
    const latency = this.net.latency
    let t = startMs
    let lastRequestArrival = startMs
    for (const phase of phases) {
      for (let r = 0; r < phase.roundTrips; r++) {
        let sentAt = t
        let rto = phase.rtoMs
        for (;;) {
          const requestLost = loss > 0 && random.next() < loss
          const replyLost = !requestLost && loss > 0 && random.next() < loss
          if (!requestLost && !replyLost) {
            const there = sentAt + latency.sampleOneWayMs(from, to, random)
            lastRequestArrival = there
            t = there + latency.sampleOneWayMs(to, from, random)
            break
          }
          sentAt += rto
          rto *= 2
          // Far past any timeout: give up drawing (the caller sees the end is too late).
          if (sentAt - startMs > 10 * this.timeoutMs) return { end: Infinity, lastRequestArrival: Infinity }
        }
      }
    }
    return { end: t, lastRequestArrival }
  }

  /** At the peer's open time: the link exists from now; the requester hears of it at its own time. */
  private open(attempt: Attempt, requesterOpenMs: number, peerOpenMs: number): void {
    const { offerer, answerer } = attempt
    // Went down or cut off during the handshake: the timeout fails it.
    if (!this.attempts.has(attempt.id) || !this.net.isUp(offerer) || !this.net.isUp(answerer) || this.net.separated(offerer, answerer)) return
    this.finish(attempt)
    this.stats.opened++
    this.stats.setupMs.push(requesterOpenMs - attempt.startedAtMs)
    this.net.openLink(offerer, answerer, requesterOpenMs, peerOpenMs)
  }

  private fail(attempt: Attempt, reason: string): void {
    if (!this.attempts.has(attempt.id)) return
    this.finish(attempt)
    this.stats.failed++
    const now = this.net.sim.now()
    this.net.failConnect(attempt.offerer, attempt.answerer, now, reason)
    if (attempt.answererAsked) this.net.failConnect(attempt.answerer, attempt.offerer, now, reason)
  }

  private finish(attempt: Attempt): void {
    this.net.sim.clearTimeout(attempt.timeout)
    this.attempts.delete(attempt.id)
    this.byPair.delete(pairKey(attempt.offerer, attempt.answerer, this.net.nodeIds.length))
  }

  /** Each node's own stream for its handshakes, apart from its content draws. */
  private randomOf(index: number): Random {
    let r = this.randoms[index]
    if (r === undefined) {
      r = createRandom(this.seed, 'node', this.net.nodeIds[index], 'setup')
      this.randoms[index] = r
    }
    return r
  }
}

function pairKey(a: number, b: number, n: number): number {
  return a < b ? a * n + b : b * n + a
}
