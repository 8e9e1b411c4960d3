// Link setup time as a function of network round-trip time (RTT) and signalling delay (S), on
// loopback with the delay injected in user space, so the simulator can model connection setup as
// "fixed cost + k x RTT + signalling legs".
//
//   npx tsx live/bench-connection-setup.ts [--links N] [--quick] [--out DIR] [--only webrtc|websocket] [--libdatachannel-roles]
//   npx tsx live/bench-connection-setup.ts --render results/bench/connection-setup.json   (tables and fits again, no measuring)
//
// WebRTC (node-datachannel): two WebRtcTransports in this process; their UDP goes through
// udp-delay-relay.ts (one-way delay RTT/2 each way, a fresh relay per link) and every signalling
// payload is held S ms (setTimeout, as bench-webrtc-setup.ts does: one leg node -> tracker ->
// node). Time runs from a.connect('b') to onConnected on the offerer (a) and on the answerer (b).
// WebSocket: a bare `ws` client to a `ws` server, and the project's WebSocketTransport (dial to
// onConnected, which includes its hello/welcome), through tcp-delay-relay.ts.
//
// Round trips expected on the critical path (d = RTT/2; the offerer is the DTLS client, ICE
// controlling, and creates the channel; webrtc-attempts.ts):
//   signalling   offer a -> b (S), answer and b's candidate b -> a (S): 2S before a can check.
//   ICE          a's connectivity check and its response: 1 RTT (b's checks start at S, before
//                a has the answer, so at S > d they are already done and cost a nothing).
//   DTLS 1.2     ClientHello / ServerHello..ServerHelloDone / Certificate..Finished / CCS,Finished:
//                2 RTT for the client; the server is done after 1.5. +1 RTT if the server sends
//                a HelloVerifyRequest (cookie exchange).
//   SCTP         INIT / INIT-ACK / COOKIE-ECHO / COOKIE-ACK: 2 RTT, but both ends start it (each
//                when its DTLS is up, the server 0.5 RTT before the client) and usrsctp may bundle
//                the first DATA chunk with COOKIE-ECHO.
//   DCEP         DATA_CHANNEL_OPEN a -> b, ACK b -> a: 1 RTT for a if it waits for the ACK; b
//                has its channel when the OPEN arrives (0.5 RTT). Not used for negotiated channels
//                (ours are not).
//   So, strictly in sequence, offerer ~ 1 + 2 + 2 + 1 = 6 RTT + 2S + local cost, answerer about
//   0.5 RTT less; overlaps (SCTP started by the DTLS server, DATA bundled with COOKIE-ECHO) can
//   take the offerer down to ~5 RTT.
//   WebSocket: TCP 1 RTT + HTTP upgrade 1 RTT = 2 RTT for a bare client (its server sees the
//   upgrade after 1.5 RTT); the project's transport adds hello -> welcome: client 3 RTT, server
//   (hello received) 2.5 RTT.
// The fits below (ordinary least squares over every successful link, and over cell medians)
// give k, m and c to set against these; the relay also classifies each datagram (STUN, DTLS
// handshake, DTLS application data = SCTP) so the round trips per phase can be counted, not only
// inferred from the slope.
//
// What the datagram traces show (node-datachannel 0.33.4, results/bench/connection-setup.md):
// ICE 1 RTT (a's check and its response; a sends USE-CANDIDATE with its ClientHello, so
// nomination costs nothing more); DTLS 2 RTT, no HelloVerifyRequest, one flight each way per
// half trip; then b, the DTLS server, sends its first SCTP packet (INIT) in the same instant as
// its Finished, so SCTP is under way 0.5 RTT before a's DTLS is done. SCTP is encrypted, so
// the rest is read from flight counts and timing: a answers (INIT-ACK), b's next flight
// (COOKIE-ECHO) brings a's association up 1 RTT after its DTLS, a sends DCEP OPEN (b's channel
// opens on it) and a's opens on the ACK: SCTP + DCEP cost a 2 RTT. So
// offerer = 2S + 5 RTT + c, answerer = 2S + 4.5 RTT + c, and the fits agree (k 5.0 and 4.5,
// m 1.0, c 12-13 ms over cell medians for RTT > 0).
// Tails a simulator may want: (1) when b's first check reaches a about when the answer does
// (S = one-way delay: RTT 50/S 25 and RTT 0/S 0 here), a's own check may wait for libjuice's
// next pacing slot (Ta = 50 ms, STUN_PACING_TIME): +50 ms on 3 to 9 of 20 links at RTT 50/S 25
// and up to 7 of 40 at RTT 0/S 0 over four runs, almost never elsewhere; (2) at RTT ~0 only,
// a's ClientHello can reach b microseconds after b's ICE went connected but before its DTLS
// transport exists; b drops it and OpenSSL resends it after 1 s (2-3 of 40 links at RTT 0/S 0,
// none at RTT >= 10 ms in over 1,000 links). With libdatachannel's default roles
// (--libdatachannel-roles) the same drop hits b's ClientHello whenever it beats the answer to a
// (webrtc-attempts.ts): 9 of 10 links at RTT 20/S 25, 3-4 of 10 in several other cells, and
// about 0.5 RTT more at S = 0 even without it.
// Other tail links coincide with the relay running late (column "stalled"): this process, not
// the stack, stalled (a shared 2-core VM with hypervisor steal), so model with the medians.
// WebSocket: k = 2.00 / 1.50 (bare client / server) and 3.01 / 2.51 (WebSocketTransport), c 1-2.5 ms.
//
// Cells run in a seeded shuffled order so slow drift in the machine's load does not masquerade
// as a trend in RTT or S. Each cell starts with one unrecorded link (the first link of a pair of
// transports pays for certificates and thread start-up).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { basename, dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import seedrandom from 'seedrandom'
import WebSocket, { WebSocketServer } from 'ws'
import type { Connection, NodeId, TransportHandler } from '../core/ports.ts'
import { PROJECT_ROOT } from '../sim/results/run-metadata.ts'
import { TcpDelayRelay } from '../live/tcp-delay-relay.ts'
import { type LatenessSummary, summarizeLateness } from '../live/delay-line.ts'
import { type DatagramClass, type DatagramRecord, type Direction, type Side, UdpDelayRelay } from '../live/udp-delay-relay.ts'
import { parseSignal } from '../live/webrtc-signalling.ts'
import { WebRtcTransport, shutdownWebRtc } from '../live/webrtc-transport.ts'
import { WebSocketTransport } from '../live/websocket-transport.ts'

const USAGE = 'usage: npx tsx live/bench-connection-setup.ts [--links N (per cell; default 40 below 50 ms RTT, 20 from 50 ms)] [--quick] [--out DIR (results/bench)] [--only webrtc|websocket] [--libdatachannel-roles] [--render FILE.json (recompute tables and fits from a saved run)]'

/** One link setup may take this long before it counts as failed (the transport gives up at 12 s). */
const LINK_TIMEOUT_MS = 15_000
/** Waiting for the far side to hear of a close; its idle timeout (15 s) is the backstop. */
const TEARDOWN_TIMEOUT_MS = 20_000
const WARMUP_LINKS = 1
/** Relay lateness above this on a link means the process (relay and transports share its main thread) stalled. */
const STALL_MS = 5
/** libjuice paces connectivity checks at Ta = 50 ms; an ICE phase this much over 1 RTT waited for a slot. */
const ICE_SLOT_MS = 40
const HOST = '127.0.0.1'

// ---------------------------------------------------------------------------------------------
// Statistics.

interface Summary {
  n: number
  medianMs: number
  p10Ms: number
  p90Ms: number
  meanMs: number
  minMs: number
  maxMs: number
}

/** Linear-interpolation quantile (type 7) of sorted values. */
function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const h = (sorted.length - 1) * p
  const lo = Math.floor(h)
  const hi = Math.ceil(h)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo)
}

function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) return undefined
  const s = [...values].sort((x, y) => x - y)
  return {
    n: s.length, medianMs: quantile(s, 0.5), p10Ms: quantile(s, 0.1), p90Ms: quantile(s, 0.9),
    meanMs: s.reduce((x, y) => x + y, 0) / s.length, minMs: s[0], maxMs: s[s.length - 1],
  }
}

function median(values: readonly number[]): number {
  return quantile([...values].sort((x, y) => x - y), 0.5)
}

interface Coefficient {
  value: number
  se: number
}

interface Fit {
  /** What was regressed on what. */
  model: string
  /** 'samples': every successful link; 'medians': one point per cell. */
  over: 'samples' | 'medians'
  n: number
  coef: Record<string, Coefficient>
  /** m when it was fixed rather than fitted (the model then regresses t - m 2S). */
  mFixed: number | undefined
  r2: number
  residualSdMs: number
}

/**
 * Ordinary least squares y = X b, with standard errors from sigma^2 (X'X)^-1. Columns are named;
 * the caller includes a column of ones for the intercept.
 */
function ols(model: string, over: Fit['over'], names: readonly string[], rows: readonly number[][], y: readonly number[], mFixed?: number): Fit {
  const p = names.length
  const n = rows.length
  if (n <= p) throw new Error(`${model}: ${n} points for ${p} coefficients`)
  const xtx = Array.from({ length: p }, () => new Array<number>(p).fill(0))
  const xty = new Array<number>(p).fill(0)
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < p; i++) {
      xty[i] += rows[r][i] * y[r]
      for (let j = 0; j < p; j++) xtx[i][j] += rows[r][i] * rows[r][j]
    }
  }
  const inv = invert(xtx)
  const b = inv.map((row) => row.reduce((acc, v, j) => acc + v * xty[j], 0))
  let rss = 0
  const mean = y.reduce((x, v) => x + v, 0) / n
  let tss = 0
  for (let r = 0; r < n; r++) {
    const fitted = rows[r].reduce((acc, v, j) => acc + v * b[j], 0)
    rss += (y[r] - fitted) ** 2
    tss += (y[r] - mean) ** 2
  }
  const sigma2 = rss / (n - p)
  const coef: Record<string, Coefficient> = {}
  names.forEach((name, i) => { coef[name] = { value: b[i], se: Math.sqrt(sigma2 * inv[i][i]) } })
  return { model, over, n, coef, mFixed, r2: tss > 0 ? 1 - rss / tss : 1, residualSdMs: Math.sqrt(sigma2) }
}

/** Gauss-Jordan with partial pivoting; the matrices here are at most 3 x 3. */
function invert(m: readonly number[][]): number[][] {
  const n = m.length
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))])
  for (let c = 0; c < n; c++) {
    let pivot = c
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) pivot = r
    if (Math.abs(a[pivot][c]) < 1e-12) throw new Error('singular design matrix (does the grid vary RTT and S?)')
    ;[a[c], a[pivot]] = [a[pivot], a[c]]
    const d = a[c][c]
    for (let j = 0; j < 2 * n; j++) a[c][j] /= d
    for (let r = 0; r < n; r++) {
      if (r === c) continue
      const f = a[r][c]
      for (let j = 0; j < 2 * n; j++) a[r][j] -= f * a[c][j]
    }
  }
  return a.map((row) => row.slice(n))
}

/** The fitted setup time (t itself, also for a fit with m fixed). */
function predict(fit: Fit, rttMs: number, signallingMs: number): number {
  const c = fit.coef
  const m = c.m?.value ?? fit.mFixed ?? 0
  return (c.c?.value ?? 0) + (c.k?.value ?? 0) * rttMs + m * 2 * signallingMs
}

// ---------------------------------------------------------------------------------------------
// Waiting on transport events without polling (polling timers would share the event loop with
// the relay and blur the times being measured).

class Waiters {
  private readonly checks = new Set<() => void>()

  notify(): void {
    for (const check of [...this.checks]) check()
  }

  /** Resolves true once cond() holds (checked on every notify), false after timeoutMs. */
  waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true)
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        clearTimeout(timer)
        this.checks.delete(check)
        resolve(value)
      }
      const check = (): void => { if (cond()) done(true) }
      const timer = setTimeout(() => done(false), timeoutMs)
      this.checks.add(check)
    })
  }
}

/** For state nothing notifies about (native peer connections closing): a short poll, outside any measurement. */
async function pollUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs
  while (!cond()) {
    if (performance.now() > end) return false
    await sleep(2)
  }
  return true
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

class Recorder implements TransportHandler {
  readonly connected: { connection: Connection; t: number }[] = []
  readonly failed: { peer: NodeId; reason: string; t: number }[] = []
  readonly disconnected: { reason: string; t: number }[] = []

  constructor(private readonly waiters: Waiters) {}

  onConnected(connection: Connection): void {
    this.connected.push({ connection, t: performance.now() })
    this.waiters.notify()
  }

  onConnectFailed(peer: NodeId, reason: string): void {
    this.failed.push({ peer, reason, t: performance.now() })
    this.waiters.notify()
  }

  onMessage(): void {}

  onDisconnected(_connection: Connection, reason: string): void {
    this.disconnected.push({ reason, t: performance.now() })
    this.waiters.notify()
  }
}

// ---------------------------------------------------------------------------------------------
// WebRTC.

interface SignalCounts {
  offer: number
  answer: number
  cand: number
}

/** Milliseconds from connect(); undefined when it did not happen. */
interface WebRtcTimeline {
  offerSent: number | undefined
  offerAtAnswerer: number | undefined
  answerSent: number | undefined
  answerAtOfferer: number | undefined
  firstStun: number | undefined
  firstStunFromOfferer: number | undefined
  /** The controlling side's (a) first check with USE-CANDIDATE: nomination. */
  firstUseCandidate: number | undefined
  /** The DTLS client's first ClientHello (a's unless --libdatachannel-roles). */
  clientHello: number | undefined
  /** The DTLS server's first encrypted handshake record (its Finished): the client's DTLS is done one-way delay later. */
  serverFinished: number | undefined
  /** First DTLS application data (SCTP) from either side, and from each. */
  firstSctp: number | undefined
  firstSctpFromOfferer: number | undefined
  firstSctpFromAnswerer: number | undefined
}

type PerDirection = Record<Direction, number>

/** Datagrams through the relay before the offerer's onConnected. */
interface DatagramCounts {
  stun: PerDirection
  /** DTLS datagrams with handshake, change-cipher-spec or alert records only. */
  dtlsHandshake: PerDirection
  /** DTLS datagrams carrying application data (SCTP). */
  sctp: PerDirection
  other: PerDirection
  helloVerifyRequest: boolean
  clientHellos: number
}

/** One datagram in a compact trace: ms from connect(), direction, what it is. */
type TraceEntry = [number, Direction, string]

interface WebRtcLinkSample {
  rttMs: number
  signallingDelayMs: number
  index: number
  ok: boolean
  failure: string | undefined
  offererMs: number | undefined
  answererMs: number | undefined
  /** Offer/answer rounds the offerer started (1 unless an attempt timed out and was retried). */
  attempts: number
  signals: { offerer: SignalCounts; answerer: SignalCounts }
  timeline: WebRtcTimeline
  datagrams: DatagramCounts
  /** How late the relay released this link's datagrams: a large max means this process stalled, not the stack. */
  relayLateMaxMs: number
  relayLateMeanMs: number
  trace: TraceEntry[]
}

interface WebRtcCellResult {
  rttMs: number
  signallingDelayMs: number
  samples: WebRtcLinkSample[]
  relayLateness: LatenessSummary
  signalLateness: LatenessSummary
}

const HANDSHAKE_NAMES: Record<number, string> = {
  0: 'HelloRequest', 1: 'ClientHello', 2: 'ServerHello', 3: 'HelloVerifyRequest', 4: 'NewSessionTicket', 11: 'Certificate', 12: 'ServerKeyExchange',
  13: 'CertificateRequest', 14: 'ServerHelloDone', 15: 'CertificateVerify', 16: 'ClientKeyExchange', 20: 'Finished',
}

function labelDatagram(cls: DatagramClass): string {
  if (cls.kind === 'stun') return `STUN ${cls.stunClass}${cls.useCandidate ? ' USE-CANDIDATE' : ''}`
  if (cls.kind === 'other') return 'other'
  return cls.records.map((r) => {
    if (r.contentType === 23) return 'SCTP'
    if (r.contentType === 20) return 'CCS'
    if (r.contentType === 21) return 'alert'
    if (r.contentType === 22) return r.handshakeType === undefined ? 'Finished(enc)' : (HANDSHAKE_NAMES[r.handshakeType] ?? `hs${r.handshakeType}`)
    return `rec${r.contentType}`
  }).join('+')
}

function zeroDir(): PerDirection {
  return { 'a>b': 0, 'b>a': 0 }
}

/** Splits the relay's trace of one link into phases and counts, relative to `start`. */
function analyseTrace(trace: readonly DatagramRecord[], start: number, offererAt: number | undefined, until: number): {
  timeline: Pick<WebRtcTimeline, 'firstStun' | 'firstStunFromOfferer' | 'firstUseCandidate' | 'clientHello' | 'serverFinished' | 'firstSctp' | 'firstSctpFromOfferer' | 'firstSctpFromAnswerer'>
  datagrams: DatagramCounts
  entries: TraceEntry[]
} {
  const timeline: ReturnType<typeof analyseTrace>['timeline'] = {
    firstStun: undefined, firstStunFromOfferer: undefined, firstUseCandidate: undefined, clientHello: undefined, serverFinished: undefined,
    firstSctp: undefined, firstSctpFromOfferer: undefined, firstSctpFromAnswerer: undefined,
  }
  const datagrams: DatagramCounts = { stun: zeroDir(), dtlsHandshake: zeroDir(), sctp: zeroDir(), other: zeroDir(), helloVerifyRequest: false, clientHellos: 0 }
  const entries: TraceEntry[] = []
  let clientDir: Direction | undefined
  for (const d of trace) {
    const t = d.t - start
    if (d.t > until) break
    entries.push([Math.round(t * 100) / 100, d.dir, labelDatagram(d.cls) + (d.dropped ? ' (lost)' : '')])
    const beforeConnected = offererAt === undefined || d.t <= offererAt
    const cls = d.cls
    if (cls.kind === 'stun') {
      timeline.firstStun ??= t
      if (d.dir === 'a>b') timeline.firstStunFromOfferer ??= t
      if (d.dir === 'a>b' && cls.useCandidate && cls.stunClass === 'request') timeline.firstUseCandidate ??= t
      if (beforeConnected) datagrams.stun[d.dir]++
    } else if (cls.kind === 'dtls') {
      const sctp = cls.records.some((r) => r.contentType === 23)
      if (sctp) {
        timeline.firstSctp ??= t
        if (d.dir === 'a>b') timeline.firstSctpFromOfferer ??= t
        else timeline.firstSctpFromAnswerer ??= t
      }
      for (const r of cls.records) {
        if (r.handshakeType === 3) datagrams.helloVerifyRequest = true
        if (r.handshakeType === 1 && beforeConnected) datagrams.clientHellos++
        if (r.handshakeType === 1 && clientDir === undefined) {
          clientDir = d.dir
          timeline.clientHello = t
        }
        if (r.contentType === 22 && r.epoch > 0 && clientDir !== undefined && d.dir !== clientDir) timeline.serverFinished ??= t
      }
      if (beforeConnected) datagrams[sctp ? 'sctp' : 'dtlsHandshake'][d.dir]++
    } else if (beforeConnected) {
      datagrams.other[d.dir]++
    }
  }
  return { timeline, datagrams, entries }
}

interface LinkContext {
  relay: UdpDelayRelay
  start: number
  signals: { offerer: SignalCounts; answerer: SignalCounts }
  timeline: Pick<WebRtcTimeline, 'offerSent' | 'offerAtAnswerer' | 'answerSent' | 'answerAtOfferer'>
}

/** The two transports of a cell, their signalling through a delay, and the relay of the link under way. */
class WebRtcPair {
  readonly waiters = new Waiters()
  readonly ha = new Recorder(this.waiters)
  readonly hb = new Recorder(this.waiters)
  readonly a: WebRtcTransport
  readonly b: WebRtcTransport
  /** The link being measured; signals are counted and their candidates proxied for it. */
  current: LinkContext | undefined
  /** Signals sent and not yet delivered: the next link waits for none to be left. */
  inFlight = 0
  readonly signalLate: number[] = []

  constructor(private readonly signallingDelayMs: number, offererIsDtlsClient: boolean) {
    const options = { bindAddress: HOST, iceServers: [], offererIsDtlsClient }
    this.a = new WebRtcTransport('a', options)
    this.b = new WebRtcTransport('b', options)
    this.a.setHandler(this.ha)
    this.b.setHandler(this.hb)
    this.a.setSignalSender((_to, payload) => this.relaySignal('a', payload))
    this.b.setSignalSender((_to, payload) => this.relaySignal('b', payload))
  }

  private relaySignal(from: Side, payload: string): boolean {
    const link = this.current
    const now = performance.now()
    const s = parseSignal(payload)
    if (link !== undefined && s !== undefined) {
      link.signals[from === 'a' ? 'offerer' : 'answerer'][s.t]++
      if (s.t === 'offer') link.timeline.offerSent ??= now - link.start
      if (s.t === 'answer') link.timeline.answerSent ??= now - link.start
    }
    // Rewritten now, with the relay of the link it belongs to, even if it arrives after that link.
    const rewritten = link === undefined ? payload : link.relay.rewriteSignal(from, payload)
    // A candidate the relay cannot proxy is swallowed: passing it on would let ICE bypass the delay.
    if (rewritten === undefined) return true
    const to = from === 'a' ? this.b : this.a
    const due = now + this.signallingDelayMs
    this.inFlight++
    const deliver = (): void => {
      this.inFlight--
      const at = performance.now()
      this.signalLate.push(at - due)
      if (link !== undefined && s !== undefined) {
        if (s.t === 'offer') link.timeline.offerAtAnswerer ??= at - link.start
        if (s.t === 'answer') link.timeline.answerAtOfferer ??= at - link.start
      }
      to.handleSignal(from, rewritten)
    }
    // Never synchronously: we are inside the sender's native callback.
    if (this.signallingDelayMs > 0) setTimeout(deliver, this.signallingDelayMs)
    else setImmediate(deliver)
    return true
  }

  async close(): Promise<void> {
    this.current = undefined
    await Promise.all([this.a.close(), this.b.close()])
  }
}

/** One link, measured; the relay's lateness samples are appended to `relayLate`. */
async function measureWebRtcLink(pair: WebRtcPair, rttMs: number, signallingDelayMs: number, index: number, relayLate: number[]): Promise<WebRtcLinkSample> {
  const relay = await UdpDelayRelay.create({ host: HOST, oneWayDelayMs: rttMs / 2, trace: true, seed: `link-${rttMs}-${signallingDelayMs}-${index}` })
  const { a, ha, hb, waiters } = pair
  const ca = ha.connected.length
  const cb = hb.connected.length
  const fa = ha.failed.length
  const attempts0 = a.rtcStats.attemptsStarted
  const link: LinkContext = {
    relay, start: 0,
    signals: { offerer: { offer: 0, answer: 0, cand: 0 }, answerer: { offer: 0, answer: 0, cand: 0 } },
    timeline: { offerSent: undefined, offerAtAnswerer: undefined, answerSent: undefined, answerAtOfferer: undefined },
  }
  pair.current = link
  try {
    link.start = performance.now()
    a.connect('b')
    const settled = await waiters.waitFor(() => (ha.connected.length > ca && hb.connected.length > cb) || ha.failed.length > fa, LINK_TIMEOUT_MS)
    const offererAt = ha.connected.length > ca ? ha.connected[ca].t : undefined
    const answererAt = hb.connected.length > cb ? hb.connected[cb].t : undefined
    const ok = offererAt !== undefined && answererAt !== undefined
    const failure = ok ? undefined : !settled ? 'timed out' : `offerer: ${ha.failed[fa]?.reason ?? 'no link'}${answererAt === undefined ? ', answerer: no link' : ''}`
    // Keep the trace a little past the later side's link, so the last flight shows.
    const until = Math.max(offererAt ?? 0, answererAt ?? 0) + rttMs + 5
    const { timeline, datagrams, entries } = analyseTrace(relay.trace, link.start, offererAt, ok ? until : Infinity)
    const late = relay.lateness()
    return {
      rttMs, signallingDelayMs, index, ok, failure,
      offererMs: offererAt === undefined ? undefined : offererAt - link.start,
      answererMs: answererAt === undefined ? undefined : answererAt - link.start,
      attempts: a.rtcStats.attemptsStarted - attempts0,
      signals: link.signals,
      timeline: { ...link.timeline, ...timeline },
      datagrams,
      relayLateMaxMs: late.maxMs,
      relayLateMeanMs: late.meanMs,
      trace: entries,
    }
  } finally {
    await teardownWebRtcLink(pair)
    pair.current = undefined
    if (index >= 0) relayLate.push(...relay.latenessSamples())
    await relay.close()
  }
}

/** Closes whatever link is up and waits until both sides have heard and let go of it. */
async function teardownWebRtcLink(pair: WebRtcPair): Promise<void> {
  const { a, b, hb, waiters } = pair
  const db = hb.disconnected.length
  const ab = a.connectionTo('b')
  if (ab !== undefined) {
    const bLinked = b.connectionTo('a') !== undefined
    ab.close()
    // b hears of the close through the relay (DTLS close_notify / SCTP), one-way delay later.
    if (bLinked && !(await waiters.waitFor(() => hb.disconnected.length > db, TEARDOWN_TIMEOUT_MS))) b.connectionTo('a')?.close()
  } else {
    b.connectionTo('a')?.close()
  }
  await pollUntil(() => a.nativeCount === 0 && b.nativeCount === 0 && pair.inFlight === 0, TEARDOWN_TIMEOUT_MS)
}

async function runWebRtcCell(rttMs: number, signallingDelayMs: number, links: number, offererIsDtlsClient: boolean, log: (line: string) => void): Promise<WebRtcCellResult> {
  let pair = new WebRtcPair(signallingDelayMs, offererIsDtlsClient)
  const samples: WebRtcLinkSample[] = []
  const relayLate: number[] = []
  try {
    for (let i = -WARMUP_LINKS; i < links; i++) {
      const sample = await measureWebRtcLink(pair, rttMs, signallingDelayMs, i, relayLate)
      if (i >= 0) samples.push(sample)
      if (!sample.ok) {
        // A failed attempt may leave the answerer's half alive until its own timeout: start clean.
        log(`  link ${i} failed: ${sample.failure}`)
        await pair.close()
        pair = new WebRtcPair(signallingDelayMs, offererIsDtlsClient)
      }
    }
    return { rttMs, signallingDelayMs, samples, relayLateness: summarizeLateness(relayLate), signalLateness: summarizeLateness(pair.signalLate) }
  } finally {
    await pair.close()
  }
}

// ---------------------------------------------------------------------------------------------
// WebSocket.

type WsKind = 'bare ws' | 'WebSocketTransport'

interface WsSample {
  kind: WsKind
  rttMs: number
  index: number
  ok: boolean
  failure: string | undefined
  /** Client: connect call to 'open' (bare) or onConnected (transport). */
  clientMs: number | undefined
  /** Server: 'connection' (bare, upgrade done) or onConnected (transport, hello received). */
  serverMs: number | undefined
  /** Chunks through the relay before the client was connected. */
  chunks: { clientToServer: number; serverToClient: number }
}

interface WsCellResult {
  kind: WsKind
  rttMs: number
  samples: WsSample[]
  relayLateness: LatenessSummary
}

function chunksBefore(relay: TcpDelayRelay, conn: number, until: number | undefined): WsSample['chunks'] {
  const mine = relay.trace.filter((c) => c.conn === conn && (until === undefined || c.t <= until))
  return { clientToServer: mine.filter((c) => c.dir === 'c>s').length, serverToClient: mine.filter((c) => c.dir === 's>c').length }
}

async function runBareWsCell(rttMs: number, links: number): Promise<WsCellResult> {
  const server = new WebSocketServer({ host: HOST, port: 0, perMessageDeflate: false })
  let relay: TcpDelayRelay | undefined
  const waiters = new Waiters()
  const serverConnections: { t: number; closed: boolean }[] = []
  server.on('connection', (ws) => {
    const entry = { t: performance.now(), closed: false }
    serverConnections.push(entry)
    ws.on('close', () => { entry.closed = true; waiters.notify() })
    ws.on('error', () => {})
    waiters.notify()
  })
  try {
    await new Promise<void>((resolve, reject) => { server.once('listening', resolve); server.once('error', reject) })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('unexpected server address')
    relay = await TcpDelayRelay.listen({ host: HOST, targetHost: HOST, targetPort: address.port, oneWayDelayMs: rttMs / 2, trace: true })
    const samples: WsSample[] = []
    for (let i = -WARMUP_LINKS; i < links; i++) {
      const conn = relay.stats.accepted
      const s0 = serverConnections.length
      let openAt: number | undefined
      let error: string | undefined
      let clientClosed = false
      const start = performance.now()
      const client = new WebSocket(relay.wsUrl, { perMessageDeflate: false })
      client.on('open', () => { openAt = performance.now(); waiters.notify() })
      client.on('error', (e) => { error = e.message; waiters.notify() })
      client.on('close', () => { clientClosed = true; waiters.notify() })
      const settled = await waiters.waitFor(() => (openAt !== undefined && serverConnections.length > s0) || error !== undefined || clientClosed, LINK_TIMEOUT_MS)
      const serverAt = serverConnections[s0]?.t
      const ok = openAt !== undefined && serverAt !== undefined
      if (i >= 0) {
        samples.push({
          kind: 'bare ws', rttMs, index: i, ok, failure: ok ? undefined : (error ?? (settled ? 'closed' : 'timed out')),
          clientMs: openAt === undefined ? undefined : openAt - start, serverMs: serverAt === undefined ? undefined : serverAt - start,
          chunks: chunksBefore(relay, conn, openAt),
        })
      }
      if (client.readyState === WebSocket.OPEN) client.close()
      else client.terminate()
      await waiters.waitFor(() => clientClosed && (serverConnections[s0] === undefined || serverConnections[s0].closed), TEARDOWN_TIMEOUT_MS)
    }
    return { kind: 'bare ws', rttMs, samples, relayLateness: relay.lateness() }
  } finally {
    await relay?.close()
    for (const ws of server.clients) ws.terminate()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

async function runTransportWsCell(rttMs: number, links: number): Promise<WsCellResult> {
  const waiters = new Waiters()
  const hs = new Recorder(waiters)
  const hc = new Recorder(waiters)
  const server = new WebSocketTransport('srv')
  server.setHandler(hs)
  let client: WebSocketTransport | undefined
  let relay: TcpDelayRelay | undefined
  try {
    const url = new URL(await server.listen(0, HOST))
    relay = await TcpDelayRelay.listen({ host: HOST, targetHost: HOST, targetPort: Number(url.port), oneWayDelayMs: rttMs / 2, trace: true })
    client = new WebSocketTransport('cli', { peers: { srv: relay.wsUrl } })
    client.setHandler(hc)
    const samples: WsSample[] = []
    for (let i = -WARMUP_LINKS; i < links; i++) {
      const conn = relay.stats.accepted
      const cs = hs.connected.length
      const cc = hc.connected.length
      const fc = hc.failed.length
      const start = performance.now()
      client.connect('srv')
      const settled = await waiters.waitFor(() => (hc.connected.length > cc && hs.connected.length > cs) || hc.failed.length > fc, LINK_TIMEOUT_MS)
      const clientAt = hc.connected[cc]?.t
      const serverAt = hs.connected[cs]?.t
      const ok = clientAt !== undefined && serverAt !== undefined
      if (i >= 0) {
        samples.push({
          kind: 'WebSocketTransport', rttMs, index: i, ok, failure: ok ? undefined : (hc.failed[fc]?.reason ?? (settled ? 'no link' : 'timed out')),
          clientMs: clientAt === undefined ? undefined : clientAt - start, serverMs: serverAt === undefined ? undefined : serverAt - start,
          chunks: chunksBefore(relay, conn, clientAt),
        })
      }
      const ds = hs.disconnected.length
      const serverLinked = server.connectionTo('cli') !== undefined
      client.connectionTo('srv')?.close()
      if (serverLinked && !(await waiters.waitFor(() => hs.disconnected.length > ds, TEARDOWN_TIMEOUT_MS))) server.connectionTo('cli')?.close()
    }
    return { kind: 'WebSocketTransport', rttMs, samples, relayLateness: relay.lateness() }
  } finally {
    await client?.close()
    await server.close()
    await relay?.close()
  }
}

// ---------------------------------------------------------------------------------------------
// Per-cell statistics, fits and the report.

interface WebRtcCellStats {
  rttMs: number
  signallingDelayMs: number
  n: number
  failures: number
  /** Links whose offerer needed a second offer/answer round (a 5 s attempt timeout inside). */
  retried: number
  /** Links during which the relay released some datagram over STALL_MS late: this process stalled. */
  stalled: number
  offerer: Summary | undefined
  answerer: Summary | undefined
  /** Median signals sent per link by each side. */
  signals: { offerer: SignalCounts; answerer: SignalCounts }
  /**
   * Medians over successful links, ms from connect(), as the offerer lives them: the answer
   * reaches it, it sends its ClientHello (ICE done), b's Finished reaches it (DTLS done), its
   * channel opens (SCTP and DCEP done).
   */
  phases: {
    answerAtOfferer: number
    clientHello: number
    dtlsDoneAtOfferer: number
    firstSctp: number
    offerer: number
    answerer: number
  }
  /** Medians over successful links, datagrams before the offerer's onConnected. */
  datagrams: { stun: PerDirection; dtlsHandshake: PerDirection; sctp: PerDirection; helloVerifyRequests: number; clientHellos: number }
  /** Links whose ClientHello went out more than once: b ignored the first, OpenSSL resent it 1 s later. */
  repeatedClientHello: number
  /** Links whose ICE phase (answer at a -> ClientHello) took over RTT + ICE_SLOT_MS: a's check waited a pacing slot. */
  iceSlotWaits: number
  relayLateness: LatenessSummary
  signalLateness: LatenessSummary
}

function webRtcCellStats(cell: WebRtcCellResult): WebRtcCellStats {
  const ok = cell.samples.filter((s) => s.ok)
  const med = (f: (s: WebRtcLinkSample) => number | undefined): number => median(ok.map(f).filter((v): v is number => v !== undefined))
  const medCounts = (side: 'offerer' | 'answerer'): SignalCounts => ({
    offer: med((s) => s.signals[side].offer), answer: med((s) => s.signals[side].answer), cand: med((s) => s.signals[side].cand),
  })
  const medDir = (f: (s: WebRtcLinkSample) => PerDirection): PerDirection => ({ 'a>b': med((s) => f(s)['a>b']), 'b>a': med((s) => f(s)['b>a']) })
  return {
    rttMs: cell.rttMs, signallingDelayMs: cell.signallingDelayMs, n: ok.length, failures: cell.samples.length - ok.length,
    retried: cell.samples.filter((s) => s.attempts > 1).length,
    stalled: ok.filter((s) => s.relayLateMaxMs > STALL_MS).length,
    offerer: summarize(ok.map((s) => s.offererMs!)), answerer: summarize(ok.map((s) => s.answererMs!)),
    signals: { offerer: medCounts('offerer'), answerer: medCounts('answerer') },
    phases: {
      answerAtOfferer: med((s) => s.timeline.answerAtOfferer), clientHello: med((s) => s.timeline.clientHello),
      dtlsDoneAtOfferer: med((s) => (s.timeline.serverFinished === undefined ? undefined : s.timeline.serverFinished + s.rttMs / 2)),
      firstSctp: med((s) => s.timeline.firstSctp), offerer: med((s) => s.offererMs), answerer: med((s) => s.answererMs),
    },
    datagrams: {
      stun: medDir((s) => s.datagrams.stun), dtlsHandshake: medDir((s) => s.datagrams.dtlsHandshake), sctp: medDir((s) => s.datagrams.sctp),
      helloVerifyRequests: ok.filter((s) => s.datagrams.helloVerifyRequest).length, clientHellos: med((s) => s.datagrams.clientHellos),
    },
    repeatedClientHello: ok.filter((s) => s.datagrams.clientHellos > 1).length,
    iceSlotWaits: ok.filter((s) => {
      const { clientHello, answerAtOfferer } = s.timeline
      return clientHello !== undefined && answerAtOfferer !== undefined && clientHello - answerAtOfferer > s.rttMs + ICE_SLOT_MS
    }).length,
    relayLateness: cell.relayLateness, signalLateness: cell.signalLateness,
  }
}

interface WsCellStats {
  kind: WsKind
  rttMs: number
  n: number
  failures: number
  client: Summary | undefined
  server: Summary | undefined
  chunks: { clientToServer: number; serverToClient: number }
  relayLateness: LatenessSummary
}

function wsCellStats(cell: WsCellResult): WsCellStats {
  const ok = cell.samples.filter((s) => s.ok)
  return {
    kind: cell.kind, rttMs: cell.rttMs, n: ok.length, failures: cell.samples.length - ok.length,
    client: summarize(ok.map((s) => s.clientMs!)), server: summarize(ok.map((s) => s.serverMs!)),
    chunks: { clientToServer: median(ok.map((s) => s.chunks.clientToServer)), serverToClient: median(ok.map((s) => s.chunks.serverToClient)) },
    relayLateness: cell.relayLateness,
  }
}

interface WebRtcFits {
  /** t = c + k RTT + m 2S over every successful link. */
  free: Fit
  /** The same over cell medians: what a few slow links (timer retransmissions) cannot pull. Absent with too few cells. */
  freeMedians: Fit | undefined
  /** t - 2S = c + k RTT (m fixed at 1). */
  mFixed: Fit
  mFixedMedians: Fit | undefined
  /**
   * The free fit without the RTT 0 cells: with no delay everything runs hot in one turn of the
   * event loop, a cheaper regime than any real path (its residual is several ms negative).
   */
  freePositiveRtt: Fit | undefined
  freePositiveRttMedians: Fit | undefined
}

function fitWebRtc(side: 'offerer' | 'answerer', samples: readonly WebRtcLinkSample[], cells: readonly WebRtcCellStats[]): WebRtcFits | undefined {
  const ok = samples.filter((s) => s.ok)
  const t = (s: WebRtcLinkSample): number => (side === 'offerer' ? s.offererMs! : s.answererMs!)
  const withS = new Set(ok.map((s) => s.signallingDelayMs)).size > 1
  const withRtt = new Set(ok.map((s) => s.rttMs)).size > 1
  if (!withRtt) return undefined
  const mCells = cells.filter((c) => c[side] !== undefined)
  const cellMedian = (c: WebRtcCellStats): number => c[side]!.medianMs
  const label = `${side} time`
  const freeNames = withS ? ['c', 'k', 'm'] : ['c', 'k']
  const freeRow = (rtt: number, sig: number): number[] => (withS ? [1, rtt, 2 * sig] : [1, rtt])
  const free = ols(`${label} = c + k RTT${withS ? ' + m 2S' : ''}`, 'samples', freeNames, ok.map((s) => freeRow(s.rttMs, s.signallingDelayMs)), ok.map(t))
  const freeMedians = mCells.length > freeNames.length
    ? ols(free.model, 'medians', freeNames, mCells.map((c) => freeRow(c.rttMs, c.signallingDelayMs)), mCells.map(cellMedian))
    : undefined
  const fixedModel = `${label} - 2S = c + k RTT`
  const mFixed = ols(fixedModel, 'samples', ['c', 'k'], ok.map((s) => [1, s.rttMs]), ok.map((s) => t(s) - 2 * s.signallingDelayMs), 1)
  const mFixedMedians = mCells.length > 2
    ? ols(fixedModel, 'medians', ['c', 'k'], mCells.map((c) => [1, c.rttMs]), mCells.map((c) => cellMedian(c) - 2 * c.signallingDelayMs), 1)
    : undefined
  const pos = ok.filter((s) => s.rttMs > 0)
  const posCells = mCells.filter((c) => c.rttMs > 0)
  const posModel = `${free.model} (RTT > 0)`
  const freePositiveRtt = new Set(pos.map((s) => s.rttMs)).size > 1
    ? ols(posModel, 'samples', freeNames, pos.map((s) => freeRow(s.rttMs, s.signallingDelayMs)), pos.map(t))
    : undefined
  const freePositiveRttMedians = posCells.length > freeNames.length && new Set(posCells.map((c) => c.rttMs)).size > 1
    ? ols(posModel, 'medians', freeNames, posCells.map((c) => freeRow(c.rttMs, c.signallingDelayMs)), posCells.map(cellMedian))
    : undefined
  return { free, freeMedians, mFixed, mFixedMedians, freePositiveRtt, freePositiveRttMedians }
}

function fitWs(kind: WsKind, side: 'client' | 'server', samples: readonly WsSample[], cells: readonly WsCellStats[]): { samples: Fit; medians: Fit | undefined } | undefined {
  const ok = samples.filter((s) => s.ok && s.kind === kind)
  if (new Set(ok.map((s) => s.rttMs)).size < 2) return undefined
  const v = (s: WsSample): number => (side === 'client' ? s.clientMs! : s.serverMs!)
  const model = `${kind} ${side} time = c + k RTT`
  const fit = ols(model, 'samples', ['c', 'k'], ok.map((s) => [1, s.rttMs]), ok.map(v))
  const mine = cells.filter((c) => c.kind === kind && c[side] !== undefined)
  const medians = mine.length > 2 ? ols(model, 'medians', ['c', 'k'], mine.map((c) => [1, c.rttMs]), mine.map((c) => c[side]!.medianMs)) : undefined
  return { samples: fit, medians }
}

const f1 = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(1))
const f2 = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(2))
const coefText = (c: Coefficient | undefined): string => (c === undefined ? '-' : `${c.value.toFixed(2)} ± ${c.se.toFixed(2)}`)

function fitRow(name: string, fit: Fit): string {
  return `| ${name} | ${fit.over} | ${fit.n} | ${coefText(fit.coef.k)} | ${fit.coef.m !== undefined ? coefText(fit.coef.m) : fit.mFixed !== undefined ? `${fit.mFixed} (fixed)` : '-'} | ${coefText(fit.coef.c)} | ${fit.r2.toFixed(4)} | ${fit.residualSdMs.toFixed(1)} |`
}

interface Report {
  machine: Record<string, string | number | number[]>
  grid: { rttMs: number[]; signallingDelayMs: number[]; linksPerCell: Record<string, number>; offererIsDtlsClient: boolean }
  webrtc: { cells: WebRtcCellStats[]; fits: { offerer: WebRtcFits | undefined; answerer: WebRtcFits | undefined }; samples: WebRtcLinkSample[] }
  websocket: {
    cells: WsCellStats[]
    fits: Record<string, { samples: Fit; medians: Fit | undefined } | undefined>
    samples: WsSample[]
  }
}

function markdown(r: Report): string {
  const out: string[] = []
  const m = r.machine
  out.push('# Connection setup versus round-trip time', '')
  out.push(`${m.cpuModel}, ${m.cores} cores, Node ${m.node}, node-datachannel ${m.nodeDatachannel}, ws ${m.ws}; ${m.timestamp}; ${m.durationS} s; load average at start ${(m.loadAverageStart as number[]).map((x) => x.toFixed(2)).join(' ')}, at end ${(m.loadAverageEnd as number[]).map((x) => x.toFixed(2)).join(' ')}; CPU steal during the run ${m.cpuStealPercent ?? '-'} %.`)
  out.push('Delays are injected in user space (live/udp-delay-relay.ts, live/tcp-delay-relay.ts); RTT = 2 x one-way delay, S = signalling delay per relayed signal (one leg node -> tracker -> node). Times are ms from connect().', '')

  if (r.webrtc.cells.length > 0) {
    // Residuals against the fit over medians: the one to model with (the sample fit is pulled by the tails).
    const fo = r.webrtc.fits.offerer?.freeMedians ?? r.webrtc.fits.offerer?.free
    const fa = r.webrtc.fits.answerer?.freeMedians ?? r.webrtc.fits.answerer?.free
    out.push('## WebRTC (node-datachannel) link setup', '')
    out.push(r.grid.offererIsDtlsClient ? 'DTLS roles: the offerer is the DTLS client (the project\'s default, a=setup:active in the sent offer).' : 'DTLS roles: libdatachannel\'s default (the answerer is the DTLS client; --libdatachannel-roles).', '')
    out.push('| RTT | S | n | fail | retried | stalled | offerer median | p10 | p90 | answerer median | p10 | p90 | signals a (offer/answer/cand) | signals b | resid. offerer | resid. answerer | relay late mean/max | signal late mean/max |')
    out.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | --- | --- |')
    for (const c of r.webrtc.cells) {
      const ro = fo !== undefined && c.offerer !== undefined ? c.offerer.medianMs - predict(fo, c.rttMs, c.signallingDelayMs) : undefined
      const ra = fa !== undefined && c.answerer !== undefined ? c.answerer.medianMs - predict(fa, c.rttMs, c.signallingDelayMs) : undefined
      const sc = (x: SignalCounts): string => `${x.offer}/${x.answer}/${x.cand}`
      out.push(`| ${c.rttMs} | ${c.signallingDelayMs} | ${c.n} | ${c.failures} | ${c.retried} | ${c.stalled} | ${f1(c.offerer?.medianMs)} | ${f1(c.offerer?.p10Ms)} | ${f1(c.offerer?.p90Ms)} | ${f1(c.answerer?.medianMs)} | ${f1(c.answerer?.p10Ms)} | ${f1(c.answerer?.p90Ms)} | ${sc(c.signals.offerer)} | ${sc(c.signals.answerer)} | ${f1(ro)} | ${f1(ra)} | ${f2(c.relayLateness.meanMs)}/${f2(c.relayLateness.maxMs)} | ${f2(c.signalLateness.meanMs)}/${f2(c.signalLateness.maxMs)} |`)
    }
    out.push('', `Residuals are cell median minus the free fit over medians (c + k RTT + m 2S, all cells). "relay late": how late the relay released datagrams after their due time; "signal late": the same for signals (setTimeout). "stalled": links during which the relay was over ${STALL_MS} ms late somewhere (this process, which hosts the relay and both transports, stalled).`, '')
    out.push('### Fits', '')
    out.push('| model | over | n | k (per ms RTT) | m (per ms 2S) | c (ms) | R² | residual sd (ms) |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |')
    for (const side of ['offerer', 'answerer'] as const) {
      const f = r.webrtc.fits[side]
      if (f === undefined) continue
      for (const fit of [f.free, f.freeMedians, f.mFixed, f.mFixedMedians, f.freePositiveRtt, f.freePositiveRttMedians]) if (fit !== undefined) out.push(fitRow(fit.model, fit))
    }
    out.push('', 'Expected from the protocol (top of live/bench-connection-setup.ts): offerer k = 6 with every phase in sequence (ICE 1, DTLS 2 (+1 with a cookie), SCTP 2, DCEP 1); 5 when the DTLS server (b) starts SCTP with its Finished, so a\'s association is up 1 RTT after its own DTLS; answerer 0.5 less (b opens on DCEP OPEN); m = 1 (offer one way, answer back). The fits over samples are pulled by the 1 s and 50 ms tails (see below); the fits over cell medians are the ones to model with.', '')

    const phaseCells = r.webrtc.cells.filter((c) => c.signallingDelayMs === Math.min(...r.webrtc.cells.map((x) => x.signallingDelayMs)) && c.n > 0)
    out.push(`### Phases as the offerer lives them (S = ${phaseCells[0]?.signallingDelayMs ?? '-'} ms; medians, ms from connect())`, '')
    out.push('ICE: the answer reaches a -> a sends its ClientHello. DTLS: ClientHello -> b\'s Finished reaches a (its send time seen by the relay + one-way delay). SCTP+DCEP: -> a\'s channel opens. b opens its channel when a\'s DCEP OPEN arrives.', '')
    if (!r.grid.offererIsDtlsClient) out.push('With libdatachannel\'s roles the DTLS client is b: the ClientHello is b\'s, "a DTLS done" is when a\'s Finished reaches b, and "ICE" still starts at the answer reaching a.', '')
    out.push('| RTT | answer at a | a ClientHello | a DTLS done | first SCTP | a open | b open | ICE | DTLS | SCTP+DCEP | in RTTs: ICE / DTLS / SCTP+DCEP / a open / b open |')
    out.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |')
    for (const c of phaseCells) {
      const p = c.phases
      const ice = p.clientHello - p.answerAtOfferer
      const dtls = p.dtlsDoneAtOfferer - p.clientHello
      const sctp = p.offerer - p.dtlsDoneAtOfferer
      const inRtt = c.rttMs > 0 ? [ice, dtls, sctp, p.offerer, p.answerer].map((x) => (x / c.rttMs).toFixed(2)).join(' / ') : '-'
      out.push(`| ${c.rttMs} | ${f1(p.answerAtOfferer)} | ${f1(p.clientHello)} | ${f1(p.dtlsDoneAtOfferer)} | ${f1(p.firstSctp)} | ${f1(p.offerer)} | ${f1(p.answerer)} | ${f1(ice)} | ${f1(dtls)} | ${f1(sctp)} | ${inRtt} |`)
    }
    out.push('', '### Datagrams through the relay before the offerer is open (medians per link; a>b / b>a)', '')
    out.push('| RTT | S | STUN | DTLS handshake | SCTP (DTLS app data) | ClientHellos | links with HelloVerifyRequest | links with a repeated ClientHello (+1 s) | links whose ICE waited a pacing slot (+50 ms) |', '| ---: | ---: | --- | --- | --- | ---: | ---: | ---: | ---: |')
    for (const c of r.webrtc.cells) {
      const d = c.datagrams
      const pd = (x: PerDirection): string => `${x['a>b']} / ${x['b>a']}`
      out.push(`| ${c.rttMs} | ${c.signallingDelayMs} | ${pd(d.stun)} | ${pd(d.dtlsHandshake)} | ${pd(d.sctp)} | ${d.clientHellos} | ${d.helloVerifyRequests} of ${c.n} | ${c.repeatedClientHello} | ${c.iceSlotWaits} |`)
    }
    const maxRtt = Math.max(...r.webrtc.cells.map((c) => c.rttMs))
    const example = r.webrtc.samples.find((s) => s.ok && s.rttMs === maxRtt && s.signallingDelayMs === phaseCells[0]?.signallingDelayMs)
    if (example !== undefined) {
      out.push('', `### One link at RTT ${maxRtt} ms, S = ${example.signallingDelayMs} ms: every datagram as it left its sender`, '')
      out.push(`Offer sent ${f1(example.timeline.offerSent)} ms, at answerer ${f1(example.timeline.offerAtAnswerer)}; answer sent ${f1(example.timeline.answerSent)}, at offerer ${f1(example.timeline.answerAtOfferer)}; offerer open ${f1(example.offererMs)}, answerer open ${f1(example.answererMs)}.`, '')
      out.push('```')
      for (const [t, dir, label] of example.trace) out.push(`${t.toFixed(1).padStart(8)} ms  ${dir}  ${label}`)
      out.push('```')
    }
    out.push('')
  }

  if (r.websocket.cells.length > 0) {
    out.push('## WebSocket connection setup (through the TCP relay, TCP handshake emulated)', '')
    out.push('| kind | RTT | n | fail | client median | p10 | p90 | server median | p10 | p90 | chunks c>s / s>c before open | resid. client | resid. server | relay late mean/max |')
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |')
    for (const c of r.websocket.cells) {
      const fc = r.websocket.fits[`${c.kind} client`]?.medians ?? r.websocket.fits[`${c.kind} client`]?.samples
      const fs = r.websocket.fits[`${c.kind} server`]?.medians ?? r.websocket.fits[`${c.kind} server`]?.samples
      const rc = fc !== undefined && c.client !== undefined ? c.client.medianMs - predict(fc, c.rttMs, 0) : undefined
      const rs = fs !== undefined && c.server !== undefined ? c.server.medianMs - predict(fs, c.rttMs, 0) : undefined
      out.push(`| ${c.kind} | ${c.rttMs} | ${c.n} | ${c.failures} | ${f1(c.client?.medianMs)} | ${f1(c.client?.p10Ms)} | ${f1(c.client?.p90Ms)} | ${f1(c.server?.medianMs)} | ${f1(c.server?.p10Ms)} | ${f1(c.server?.p90Ms)} | ${c.chunks.clientToServer} / ${c.chunks.serverToClient} | ${f1(rc)} | ${f1(rs)} | ${f2(c.relayLateness.meanMs)}/${f2(c.relayLateness.maxMs)} |`)
    }
    out.push('', '| model | over | n | k (per ms RTT) | m | c (ms) | R² | residual sd (ms) |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |')
    for (const f of Object.values(r.websocket.fits)) {
      if (f === undefined) continue
      out.push(fitRow(f.samples.model, f.samples))
      if (f.medians !== undefined) out.push(fitRow(f.medians.model, f.medians))
    }
    out.push('', 'Expected k: bare ws client 2 (TCP 1 + upgrade 1), server 1.5; WebSocketTransport client 3 (+ hello/welcome), server 2.5.', '')
  }
  return out.join('\n')
}

// ---------------------------------------------------------------------------------------------
// Main.

/** CPU time stolen by the hypervisor so far (jiffies) and the total; undefined off Linux. */
function cpuSteal(): { steal: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    return { steal: fields[7] ?? 0, total: fields.slice(0, 8).reduce((x, y) => x + y, 0) }
  } catch {
    return undefined
  }
}

function packageVersion(name: string): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8'))
    return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

function shuffled<T>(items: readonly T[], seed: string): T[] {
  const random = seedrandom.alea(seed)
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      links: { type: 'string' }, quick: { type: 'boolean', default: false }, out: { type: 'string' }, only: { type: 'string' },
      'libdatachannel-roles': { type: 'boolean', default: false }, render: { type: 'string' },
    },
  })
  if (values.render !== undefined) return render(values.render)
  const fixedLinks = values.links === undefined ? undefined : Number(values.links)
  if ((fixedLinks !== undefined && !(Number.isInteger(fixedLinks) && fixedLinks >= 3)) || (values.only !== undefined && values.only !== 'webrtc' && values.only !== 'websocket')) {
    console.error(USAGE)
    return 2
  }
  const quick = values.quick
  const offererIsDtlsClient = !values['libdatachannel-roles']
  const rtts = quick ? [0, 50] : [0, 10, 20, 50, 100, 200]
  const sigs = quick ? [0] : [0, 25, 75]
  // Small RTTs get more links: their spread is mostly scheduling noise of the same size as the effect.
  const linksFor = (rtt: number): number => fixedLinks ?? (quick ? 5 : rtt < 50 ? 40 : 20)
  const outDir = values.out ?? join(PROJECT_ROOT, 'results', 'bench')
  const stem = quick ? 'connection-setup-quick' : 'connection-setup'
  const log = (line: string): void => { console.error(line) }

  const cpus = os.cpus()
  const machine: Report['machine'] = {
    cpuModel: cpus[0]?.model ?? 'unknown', cores: cpus.length, node: process.version, platform: `${os.platform()} ${os.release()}`,
    nodeDatachannel: packageVersion('node-datachannel'), ws: packageVersion('ws'), timestamp: new Date().toISOString(),
    loadAverageStart: os.loadavg(), loadAverageEnd: [],
  }

  const steal0 = cpuSteal()
  const webrtcResults: WebRtcCellResult[] = []
  const wsResults: WsCellResult[] = []
  const began = performance.now()
  try {
    if (values.only !== 'webrtc') {
      for (const rtt of shuffled(rtts, 'websocket-cells')) {
        for (const kind of ['bare ws', 'WebSocketTransport'] as const) {
          log(`websocket ${kind}: RTT ${rtt} ms, ${linksFor(rtt)} connections`)
          wsResults.push(kind === 'bare ws' ? await runBareWsCell(rtt, linksFor(rtt)) : await runTransportWsCell(rtt, linksFor(rtt)))
        }
      }
    }
    if (values.only !== 'websocket') {
      const cells = shuffled(rtts.flatMap((rtt) => sigs.map((s) => ({ rtt, s }))), 'webrtc-cells')
      for (const [i, { rtt, s }] of cells.entries()) {
        const t0 = performance.now()
        const cell = await runWebRtcCell(rtt, s, linksFor(rtt), offererIsDtlsClient, log)
        const st = webRtcCellStats(cell)
        log(`webrtc ${i + 1}/${cells.length}: RTT ${rtt} ms, S ${s} ms: offerer median ${f1(st.offerer?.medianMs)} ms, answerer ${f1(st.answerer?.medianMs)} ms, ${st.failures} failed (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
        webrtcResults.push(cell)
      }
    }
  } finally {
    shutdownWebRtc()
  }
  machine.loadAverageEnd = os.loadavg()
  machine.durationS = Math.round((performance.now() - began) / 1000)
  const steal1 = cpuSteal()
  // A shared VM: time the hypervisor gave to others shows up as stalls in the tails.
  if (steal0 !== undefined && steal1 !== undefined && steal1.total > steal0.total) machine.cpuStealPercent = Math.round(1000 * (steal1.steal - steal0.steal) / (steal1.total - steal0.total)) / 10

  webrtcResults.sort((x, y) => x.rttMs - y.rttMs || x.signallingDelayMs - y.signallingDelayMs)
  wsResults.sort((x, y) => x.kind.localeCompare(y.kind) || x.rttMs - y.rttMs)
  const grid: Report['grid'] = { rttMs: rtts, signallingDelayMs: sigs, linksPerCell: Object.fromEntries(rtts.map((r) => [String(r), linksFor(r)])), offererIsDtlsClient }
  writeReport(buildReport(machine, grid, webrtcResults, wsResults), outDir, stem)
  return 0
}

/** Per-cell statistics and fits from the raw results. */
function buildReport(machine: Report['machine'], grid: Report['grid'], webrtcResults: readonly WebRtcCellResult[], wsResults: readonly WsCellResult[]): Report {
  const webrtcCells = webrtcResults.map(webRtcCellStats)
  const webrtcSamples = webrtcResults.flatMap((c) => c.samples)
  const wsCells = wsResults.map(wsCellStats)
  const wsSamples = wsResults.flatMap((c) => c.samples)
  const wsFits: Report['websocket']['fits'] = {}
  for (const kind of ['bare ws', 'WebSocketTransport'] as const) {
    for (const side of ['client', 'server'] as const) wsFits[`${kind} ${side}`] = fitWs(kind, side, wsSamples, wsCells)
  }
  return {
    machine,
    grid,
    webrtc: {
      cells: webrtcCells,
      fits: { offerer: fitWebRtc('offerer', webrtcSamples, webrtcCells), answerer: fitWebRtc('answerer', webrtcSamples, webrtcCells) },
      samples: webrtcSamples,
    },
    websocket: { cells: wsCells, fits: wsFits, samples: wsSamples },
  }
}

function writeReport(report: Report, outDir: string, stem: string): void {
  const md = markdown(report)
  console.log(md)
  mkdirSync(outDir, { recursive: true })
  const jsonPath = join(outDir, `${stem}.json`)
  const mdPath = join(outDir, `${stem}.md`)
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 1)}\n`)
  writeFileSync(mdPath, `${md}\n`)
  console.log(`written: ${jsonPath}, ${mdPath}`)
}

/**
 * Recomputes statistics, fits and tables from a report this script wrote (its raw samples and
 * per-cell relay lateness), without measuring again; rewrites it in place.
 */
function render(file: string): number {
  const old = JSON.parse(readFileSync(file, 'utf8')) as Report
  const webrtc: WebRtcCellResult[] = old.webrtc.cells.map((c) => ({
    rttMs: c.rttMs, signallingDelayMs: c.signallingDelayMs, relayLateness: c.relayLateness, signalLateness: c.signalLateness,
    samples: old.webrtc.samples.filter((s) => s.rttMs === c.rttMs && s.signallingDelayMs === c.signallingDelayMs),
  }))
  const ws: WsCellResult[] = old.websocket.cells.map((c) => ({
    kind: c.kind, rttMs: c.rttMs, relayLateness: c.relayLateness,
    samples: old.websocket.samples.filter((s) => s.kind === c.kind && s.rttMs === c.rttMs),
  }))
  const stem = basename(file).replace(/\.json$/, '')
  writeReport(buildReport(old.machine, old.grid, webrtc, ws), dirname(file), stem)
  return 0
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (error: unknown) => {
  if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`error: ${error.message}\n${USAGE}`)
    process.exitCode = 2
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error)
    process.exitCode = 3
  }
})
