// A user-space UDP relay that adds a one-way delay (and optionally loss) between two WebRTC
// peers on one host, so link setup can be measured at a chosen round-trip time without root
// (no tc/netem) and without touching the loopback interface other processes use.
//
// How it sits in the path: every ICE candidate a peer signals is rewritten, before the other
// peer sees it, to the address of a relay socket (a "proxy") that stands for that candidate.
// For a real endpoint X of peer A the relay owns proxy P(X); B is told "A is at P(X)". When B
// sends to P(X), the relay forwards the datagram to X *from P(Y)*, where Y is B's real address
// (the source of the datagram) and P(Y) is the proxy A was told stands for B. So each peer only
// ever talks to, and hears from, the addresses it was given for the other: ICE sees the pair it
// expects, no peer-reflexive candidate appears, and nothing can bypass the delay (a candidate the
// relay cannot proxy is dropped rather than passed on unchanged).
//
// Timing: each direction is one FIFO DelayLine (delay-line.ts) on the relay's own DelayQueue,
// which sleeps on a timer and spins the last `spinMs`; how late each datagram actually left is
// recorded, so a benchmark can report the relay's own error next to what it measured.
//
// Proxies are bound in advance (`poolSize`) because candidates are rewritten synchronously in a
// signalling callback, and binding a socket is asynchronous: a lazy bind would add its own delay
// to the very signal being measured.

import { type RemoteInfo, type Socket, createSocket } from 'node:dgram'
import { isIP } from 'node:net'
import seedrandom from 'seedrandom'
import { DelayQueue, type DelayLine, type LatenessSummary, summarizeLateness } from './delay-line.ts'
import { parseSignal } from './webrtc-signalling.ts'

/** The two peers, as the relay names them: a is usually the offerer. */
export type Side = 'a' | 'b'

/** Direction of travel, named by where a datagram came from. */
export type Direction = 'a>b' | 'b>a'

// ---------------------------------------------------------------------------------------------
// What a datagram is (RFC 7983 demultiplexing), so setup can be split into ICE, DTLS and SCTP.

export interface DtlsRecordInfo {
  /** 20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data (SCTP). */
  contentType: number
  epoch: number
  /** Handshake message type when readable (epoch 0 handshake records): 1 ClientHello, 3 HelloVerifyRequest, ... */
  handshakeType: number | undefined
}

export type DatagramClass =
  | { kind: 'stun'; /** 'request' | 'indication' | 'success' | 'error' */ stunClass: string; useCandidate: boolean }
  | { kind: 'dtls'; records: DtlsRecordInfo[] }
  | { kind: 'other' }

const STUN_MAGIC_COOKIE = 0x2112a442
const STUN_ATTR_USE_CANDIDATE = 0x0025

export function classifyDatagram(d: Uint8Array): DatagramClass {
  const first = d[0]
  if (first <= 3 && d.length >= 20 && readU32(d, 4) === STUN_MAGIC_COOKIE) {
    const type = (d[0] << 8) | d[1]
    const cls = ((type >> 7) & 0b10) | ((type >> 4) & 0b01)
    const stunClass = ['request', 'indication', 'success', 'error'][cls]
    let useCandidate = false
    for (let off = 20; off + 4 <= d.length;) {
      const attr = (d[off] << 8) | d[off + 1]
      const len = (d[off + 2] << 8) | d[off + 3]
      if (attr === STUN_ATTR_USE_CANDIDATE) useCandidate = true
      off += 4 + ((len + 3) & ~3)
    }
    return { kind: 'stun', stunClass, useCandidate }
  }
  if (first >= 20 && first <= 63) {
    // A datagram may carry several records (a whole flight); read every header.
    const records: DtlsRecordInfo[] = []
    for (let off = 0; off + 13 <= d.length;) {
      const contentType = d[off]
      const epoch = (d[off + 3] << 8) | d[off + 4]
      const len = (d[off + 11] << 8) | d[off + 12]
      const handshakeType = contentType === 22 && epoch === 0 && off + 13 < d.length ? d[off + 13] : undefined
      records.push({ contentType, epoch, handshakeType })
      off += 13 + len
    }
    return { kind: 'dtls', records }
  }
  return { kind: 'other' }
}

function readU32(d: Uint8Array, off: number): number {
  return ((d[off] << 24) >>> 0) + (d[off + 1] << 16) + (d[off + 2] << 8) + d[off + 3]
}

// ---------------------------------------------------------------------------------------------
// The relay.

export interface UdpDelayRelayOptions {
  /** Address the proxies bind to; both peers must reach it (127.0.0.1 on loopback). */
  host: string
  /** Added to every datagram, per direction. */
  oneWayDelayMs: number | { aToB: number; bToA: number }
  /** Probability that a datagram is dropped, each independently. */
  lossProbability: number
  /** Seeds the loss draws, so a lossy run can be repeated. */
  seed: string
  /** Proxies bound up front: one per candidate address of either peer. */
  poolSize: number
  /** See DelayQueue (delay-line.ts). */
  spinMs: number
  /** Keep a record of every datagram (time, direction, size, class) for analysis. */
  trace: boolean
}

export const DEFAULT_UDP_DELAY_RELAY_OPTIONS: Readonly<UdpDelayRelayOptions> = {
  host: '127.0.0.1',
  oneWayDelayMs: 0,
  lossProbability: 0,
  seed: 'udp-delay-relay',
  poolSize: 8,
  spinMs: 1,
  trace: false,
}

/** One datagram as the relay saw it arrive (before the delay). */
export interface DatagramRecord {
  /** performance.now() when it reached the relay, which on loopback is when it was sent. */
  t: number
  dir: Direction
  bytes: number
  cls: DatagramClass
  dropped: boolean
}

export interface UdpDelayRelayStats {
  forwarded: Record<Direction, number>
  /** Dropped by the loss draw. */
  lost: Record<Direction, number>
  /** Datagrams from an address no proxy stands for, with no spare proxy to adopt it. */
  unknownSource: number
  /** Candidates not proxied (pool exhausted, another address family, not UDP): dropped. */
  candidatesDropped: number
  candidatesRewritten: number
  sendErrors: number
}

interface Proxy {
  readonly socket: Socket
  readonly port: number
  /** The real endpoint this proxy stands for, once assigned. */
  real: { side: Side; address: string; port: number } | undefined
}

const CANDIDATE_RE = /^(a=)?candidate:(\S+) (\d+) (\S+) (\d+) (\S+) (\d+) (typ \S+.*)$/

export class UdpDelayRelay {
  private readonly options: UdpDelayRelayOptions
  private readonly free: Proxy[]
  /** "address:port" of a real endpoint -> the proxy that stands for it. */
  private readonly byReal = new Map<string, Proxy>()
  private readonly queue: DelayQueue
  private readonly lines: Record<Direction, DelayLine<{ msg: Buffer; from: Proxy; to: Proxy }>>
  private readonly random: () => number
  private readonly delays: Record<Direction, number>
  private readonly records: DatagramRecord[] = []
  private closed = false
  readonly stats: UdpDelayRelayStats = {
    forwarded: { 'a>b': 0, 'b>a': 0 }, lost: { 'a>b': 0, 'b>a': 0 }, unknownSource: 0, candidatesDropped: 0, candidatesRewritten: 0, sendErrors: 0,
  }

  /** Binds the proxy pool; the relay is ready when this resolves. */
  static async create(options: Partial<UdpDelayRelayOptions> = {}): Promise<UdpDelayRelay> {
    const o = { ...DEFAULT_UDP_DELAY_RELAY_OPTIONS, ...options }
    const family = isIP(o.host)
    if (family === 0) throw new RangeError(`host must be an IP address, got ${o.host}`)
    if (!(o.lossProbability >= 0 && o.lossProbability < 1)) throw new RangeError(`lossProbability must be in [0, 1), got ${o.lossProbability}`)
    const sockets = await Promise.all(Array.from({ length: o.poolSize }, () => bindSocket(family === 6 ? 'udp6' : 'udp4', o.host)))
    return new UdpDelayRelay(o, sockets)
  }

  private constructor(options: UdpDelayRelayOptions, sockets: Socket[]) {
    this.options = options
    const d = options.oneWayDelayMs
    this.delays = typeof d === 'number' ? { 'a>b': d, 'b>a': d } : { 'a>b': d.aToB, 'b>a': d.bToA }
    for (const v of Object.values(this.delays)) if (!(v >= 0)) throw new RangeError(`one-way delay must be >= 0, got ${v}`)
    this.random = seedrandom.alea(options.seed)
    const send = (dir: Direction) => ({ msg, from, to }: { msg: Buffer; from: Proxy; to: Proxy }): void => {
      if (this.closed || to.real === undefined) return
      this.stats.forwarded[dir]++
      from.socket.send(msg, to.real.port, to.real.address, (error) => { if (error) this.stats.sendErrors++ })
    }
    this.queue = new DelayQueue(() => performance.now(), options.spinMs, () => { this.stats.sendErrors++ })
    this.lines = { 'a>b': this.queue.line(send('a>b')), 'b>a': this.queue.line(send('b>a')) }
    this.free = sockets.map((socket) => {
      const proxy: Proxy = { socket, port: socket.address().port, real: undefined }
      socket.on('message', (msg, rinfo) => this.onDatagram(proxy, msg, rinfo))
      // A send to a peer that has just closed its socket can surface as an error here (ICMP).
      socket.on('error', () => { this.stats.sendErrors++ })
      return proxy
    })
  }

  /**
   * The candidate line (with or without "a=") as the other peer should see it: `side`'s address
   * replaced by the proxy standing for it. undefined: it cannot be proxied, so do not pass it on.
   */
  rewriteCandidate(side: Side, line: string): string | undefined {
    const m = CANDIDATE_RE.exec(line.trim())
    if (m === null) return line // not a candidate (end-of-candidates, blank): nothing to route
    const [, prefix = '', foundation, component, transport, priority, address, port, rest] = m
    if (transport.toUpperCase() !== 'UDP' || isIP(address) !== isIP(this.options.host)) {
      this.stats.candidatesDropped++
      return undefined
    }
    const proxy = this.proxyFor(side, address, Number(port))
    if (proxy === undefined) {
      this.stats.candidatesDropped++
      return undefined
    }
    this.stats.candidatesRewritten++
    return `${prefix}candidate:${foundation} ${component} ${transport} ${priority} ${this.options.host} ${proxy.port} ${rest}`
  }

  /** An SDP with every a=candidate line rewritten (lines that cannot be proxied removed). */
  rewriteSdp(side: Side, sdp: string): string {
    const eol = sdp.includes('\r\n') ? '\r\n' : '\n'
    const out: string[] = []
    for (const line of sdp.split(eol)) {
      if (!line.startsWith('a=candidate:')) {
        out.push(line)
        continue
      }
      const rewritten = this.rewriteCandidate(side, line)
      if (rewritten !== undefined) out.push(rewritten)
    }
    return out.join(eol)
  }

  /**
   * One of our signalling payloads (webrtc-signalling.ts) from `side`, with its candidates
   * rewritten. undefined: a candidate that cannot be proxied, to be dropped. A payload that is
   * not ours passes unchanged (the receiver will count it as bad, as it would anyway).
   */
  rewriteSignal(side: Side, payload: string): string | undefined {
    if (this.closed) return payload
    const s = parseSignal(payload)
    if (s === undefined) return payload
    if (s.t === 'cand') {
      const c = this.rewriteCandidate(side, s.c)
      return c === undefined ? undefined : JSON.stringify({ ...s, c })
    }
    return JSON.stringify({ ...s, sdp: this.rewriteSdp(side, s.sdp) })
  }

  /** Every datagram seen so far, when created with trace: true. */
  get trace(): readonly DatagramRecord[] {
    return this.records
  }

  /** How late datagrams left their due time, both directions pooled. */
  lateness(): LatenessSummary {
    return summarizeLateness(this.queue.latenessMs)
  }

  latenessSamples(): readonly number[] {
    return this.queue.latenessMs
  }

  /** Drops whatever is in flight and closes every proxy. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.lines['a>b'].close()
    this.lines['b>a'].close()
    this.queue.clear()
    const all = new Set<Proxy>([...this.free, ...this.byReal.values()])
    await Promise.all([...all].map((p) => new Promise<void>((resolve) => {
      try {
        p.socket.close(() => resolve())
      } catch {
        resolve() // already closed
      }
    })))
  }

  private proxyFor(side: Side, address: string, port: number): Proxy | undefined {
    const key = `${address}:${port}`
    const existing = this.byReal.get(key)
    if (existing !== undefined) return existing
    const proxy = this.free.shift()
    if (proxy === undefined) return undefined
    proxy.real = { side, address, port }
    this.byReal.set(key, proxy)
    return proxy
  }

  /** A datagram to `to` (standing for a real endpoint) from some real endpoint of the other side. */
  private onDatagram(to: Proxy, msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return
    if (to.real === undefined) {
      // Nobody was told about this proxy: stray traffic.
      this.stats.unknownSource++
      return
    }
    const fromSide: Side = to.real.side === 'a' ? 'b' : 'a'
    // A source we never saw a candidate for (it should not happen on loopback, where the host
    // candidate is the only address) is adopted so the reply path exists.
    const from = this.proxyFor(fromSide, rinfo.address, rinfo.port)
    if (from === undefined || from.real?.side !== fromSide) {
      this.stats.unknownSource++
      return
    }
    const dir: Direction = fromSide === 'a' ? 'a>b' : 'b>a'
    const dropped = this.options.lossProbability > 0 && this.random() < this.options.lossProbability
    if (this.options.trace) this.records.push({ t: performance.now(), dir, bytes: msg.length, cls: classifyDatagram(msg), dropped })
    if (dropped) {
      this.stats.lost[dir]++
      return
    }
    this.lines[dir].push({ msg, from, to }, this.delays[dir])
  }
}

function bindSocket(type: 'udp4' | 'udp6', host: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(type)
    socket.once('error', reject)
    socket.bind(0, host, () => {
      socket.off('error', reject)
      resolve(socket)
    })
  })
}
