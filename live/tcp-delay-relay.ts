// A user-space TCP relay that adds a one-way delay between a client and a server on one host,
// for measuring WebSocket connection setup at a chosen round-trip time without root (no netem).
// Clients connect to the relay's port; each accepted connection gets its own connection to the
// target, and every chunk is forwarded after the one-way delay, FIFO per direction (DelayLine
// from udp-delay-relay.ts). An end (FIN) follows the data before it, delayed the same way.
//
// TCP's own handshake: the kernel completes the client's SYN/SYN-ACK with the relay at once,
// before the relay even accepts, so the client believes it is connected ~1 RTT early and sends
// its first bytes (the HTTP upgrade) right away. On a real path it could send them only after
// SYN (d) and SYN-ACK (d). With `emulateHandshake` (the default) the relay holds client bytes
// so none reaches the server before accept + RTT + d, which is when the first byte of a real
// client would. Every time measured at the client after a reply from the server, and every time
// measured at the server, is then what a real path would give; only the client's 'connect'
// event itself still fires early, and nothing here measures that.
//
// Not modelled: bandwidth, back-pressure (chunks are written as they come due, whatever the
// socket has buffered: fine for handshakes, wrong for bulk transfer), Nagle (both legs set
// noDelay, as `ws` does), and segmentation (a chunk is whatever one read returned).

import { type Server, type Socket, connect, createServer } from 'node:net'
import { type DelayLine, DelayQueue, type LatenessSummary, summarizeLateness } from './delay-line.ts'

export interface TcpDelayRelayOptions {
  /** Where the relay listens. */
  host: string
  /** Port to listen on; 0: any free port. */
  port: number
  /** The real server. */
  targetHost: string
  targetPort: number
  /** Added to every chunk, per direction. */
  oneWayDelayMs: number | { clientToServer: number; serverToClient: number }
  /** Charge the client the TCP handshake the kernel skipped (see above). */
  emulateHandshake: boolean
  /** See DelayQueue (delay-line.ts). */
  spinMs: number
  /** Keep a record of every chunk (connection, time, direction, size). */
  trace: boolean
}

export const DEFAULT_TCP_DELAY_RELAY_OPTIONS: Readonly<Omit<TcpDelayRelayOptions, 'targetPort'>> = {
  host: '127.0.0.1',
  port: 0,
  targetHost: '127.0.0.1',
  oneWayDelayMs: 0,
  emulateHandshake: true,
  spinMs: 1,
  trace: false,
}

export type TcpDirection = 'c>s' | 's>c'

export interface ChunkRecord {
  /** Relay connection number, from 0 in accept order. */
  conn: number
  /** performance.now() when the chunk reached the relay. */
  t: number
  dir: TcpDirection
  bytes: number
}

export interface TcpDelayRelayStats {
  accepted: number
  chunks: Record<TcpDirection, number>
  bytes: Record<TcpDirection, number>
  /** Upstream connects that failed, or sockets that errored. */
  errors: number
}

/** A chunk to write, or the end of the stream. */
type Item = Buffer | 'end'

export class TcpDelayRelay {
  private readonly options: TcpDelayRelayOptions
  private readonly server: Server
  private readonly delays: Record<TcpDirection, number>
  private readonly sockets = new Set<Socket>()
  private readonly queue: DelayQueue
  private readonly lines = new Set<DelayLine<Item>>()
  private readonly records: ChunkRecord[] = []
  private closed = false
  readonly stats: TcpDelayRelayStats = { accepted: 0, chunks: { 'c>s': 0, 's>c': 0 }, bytes: { 'c>s': 0, 's>c': 0 }, errors: 0 }

  /** Listens; the relay is ready when this resolves. */
  static async listen(options: Partial<TcpDelayRelayOptions> & { targetPort: number }): Promise<TcpDelayRelay> {
    const relay = new TcpDelayRelay({ ...DEFAULT_TCP_DELAY_RELAY_OPTIONS, ...options })
    await new Promise<void>((resolve, reject) => {
      relay.server.once('error', reject)
      relay.server.listen(relay.options.port, relay.options.host, () => {
        relay.server.off('error', reject)
        resolve()
      })
    })
    return relay
  }

  private constructor(options: TcpDelayRelayOptions) {
    this.options = options
    const d = options.oneWayDelayMs
    this.delays = typeof d === 'number' ? { 'c>s': d, 's>c': d } : { 'c>s': d.clientToServer, 's>c': d.serverToClient }
    for (const v of Object.values(this.delays)) if (!(v >= 0)) throw new RangeError(`one-way delay must be >= 0, got ${v}`)
    // allowHalfOpen: a client's FIN must reach the server late, like its data, not close both ways at once.
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => this.accept(client))
    this.server.on('error', () => { this.stats.errors++ })
    this.queue = new DelayQueue(() => performance.now(), options.spinMs, () => { this.stats.errors++ })
  }

  get port(): number {
    const address = this.server.address()
    if (address === null || typeof address === 'string') throw new Error('relay not listening')
    return address.port
  }

  /** `ws://host:port` of the relay, for a WebSocket client. */
  get wsUrl(): string {
    const h = this.options.host
    return `ws://${h.includes(':') ? `[${h}]` : h}:${this.port}`
  }

  get trace(): readonly ChunkRecord[] {
    return this.records
  }

  lateness(): LatenessSummary {
    return summarizeLateness(this.latenessSamples())
  }

  latenessSamples(): readonly number[] {
    return this.queue.latenessMs
  }

  /** Stops listening and cuts every relayed connection. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const line of this.lines) this.retire(line)
    this.queue.clear()
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private accept(client: Socket): void {
    if (this.closed) {
      client.destroy()
      return
    }
    const conn = this.stats.accepted++
    const acceptedAt = performance.now()
    const upstream = connect({ host: this.options.targetHost, port: this.options.targetPort, allowHalfOpen: true, noDelay: true })
    client.setNoDelay(true)
    this.sockets.add(client)
    this.sockets.add(upstream)
    const writer = (socket: Socket) => (item: Item): void => {
      if (socket.destroyed) return
      if (item === 'end') socket.end()
      else socket.write(item)
    }
    const toServer = this.queue.line(writer(upstream))
    const toClient = this.queue.line(writer(client))
    this.lines.add(toServer)
    this.lines.add(toClient)
    // The earliest a real client's first byte could reach the server: SYN, SYN-ACK, then data.
    const firstByteAt = this.options.emulateHandshake ? acceptedAt + this.delays['c>s'] + this.delays['s>c'] + this.delays['c>s'] : 0
    const forward = (dir: TcpDirection, line: DelayLine<Item>) => (chunk: Buffer): void => {
      const now = performance.now()
      this.stats.chunks[dir]++
      this.stats.bytes[dir] += chunk.length
      if (this.options.trace) this.records.push({ conn, t: now, dir, bytes: chunk.length })
      const due = dir === 'c>s' ? Math.max(now + this.delays[dir], firstByteAt) : now + this.delays[dir]
      line.pushAt(chunk, due)
    }
    client.on('data', forward('c>s', toServer))
    upstream.on('data', forward('s>c', toClient))
    client.on('end', () => toServer.push('end', this.delays['c>s']))
    upstream.on('end', () => toClient.push('end', this.delays['s>c']))
    let finished = false
    const finish = (): void => {
      if (finished) return
      finished = true
      client.destroy()
      upstream.destroy()
      this.sockets.delete(client)
      this.sockets.delete(upstream)
      this.retire(toServer)
      this.retire(toClient)
    }
    // An error (reset, refused upstream) cuts both legs at once rather than after the delay:
    // nothing measured here depends on how late a reset arrives.
    client.on('error', () => { this.stats.errors++; finish() })
    upstream.on('error', () => { this.stats.errors++; finish() })
    // A leg that is fully closed (both FINs or a destroy) ends the pair once its queue drained.
    const closeWhenDrained = (line: DelayLine<Item>): void => {
      if (line.pending === 0) finish()
      else setTimeout(() => closeWhenDrained(line), Math.max(1, this.delays['c>s'] + this.delays['s>c']))
    }
    client.on('close', () => closeWhenDrained(toServer))
    upstream.on('close', () => closeWhenDrained(toClient))
  }

  private retire(line: DelayLine<Item>): void {
    if (this.lines.delete(line)) line.close()
  }
}
