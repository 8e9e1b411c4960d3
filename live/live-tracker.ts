// A live Brubeck tracker: core's Tracker on real time, accepting nodes over WebSockets. It builds
// each stream part's overlay from the nodes' statuses and relays their WebRTC signalling.

import { Tracker, type TrackerOptions } from '../core/tracker/index.ts'
import type { NodeId } from '../core/ports.ts'
import { type RealRandom, RealTimers, createRealRandom, realClock } from './real-time.ts'
import { WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.ts'

/** Where a tracker process listens unless told otherwise (`npm run tracker`). */
export const DEFAULT_TRACKER_PORT = 7700

/**
 * Ours: a live tracker applies the liveness rules (core/tracker/liveness.ts); a peer reported
 * unreachable stays apart from its reporter for 5 minutes, long enough that 20 Sybils cost an
 * honest node at most one failed connect each, short enough that a node behind a passing network
 * fault gets paired again.
 */
export const DEFAULT_LIVE_UNREACHABLE_MEMORY_MS = 300_000

/**
 * Ours: node links a tracker accepts from one source address at once (so identities per
 * address): the handful of nodes behind one home or office NAT, while 20 made-up ids from one
 * machine get 16 at most. Tests that run more nodes on loopback raise it.
 */
export const DEFAULT_TRACKER_SOCKETS_PER_ADDRESS = 16

export interface LiveTrackerOptions {
  id: NodeId
  host: string
  /** 0: any free port. */
  port: number
  seed?: string | number
  tracker?: Partial<TrackerOptions>
  websocket?: Partial<WebSocketTransportOptions>
  onError?: (error: unknown, where: string) => void
}

export class LiveTracker {
  readonly tracker: Tracker
  readonly transport: WebSocketTransport
  readonly timers: RealTimers
  readonly random: RealRandom
  private listenUrl: string | undefined

  private constructor(readonly options: LiveTrackerOptions) {
    const onError = options.onError
    this.timers = new RealTimers(onError === undefined ? {} : { onError: (e) => onError(e, 'timer') })
    this.random = createRealRandom(options.seed, options.id)
    this.transport = new WebSocketTransport(options.id, {
      maxSocketsPerAddress: DEFAULT_TRACKER_SOCKETS_PER_ADDRESS, ...options.websocket, ...(onError !== undefined ? { onError } : {}),
    })
    this.tracker = new Tracker({ clock: realClock, timers: this.timers, random: this.random, transport: this.transport },
      { unreachableMemoryMs: DEFAULT_LIVE_UNREACHABLE_MEMORY_MS, ...options.tracker })
  }

  /** Starts a tracker listening on host:port. */
  static async start(options: Partial<LiveTrackerOptions> & { id?: NodeId } = {}): Promise<LiveTracker> {
    const t = new LiveTracker({ id: 't0', host: '127.0.0.1', port: 0, ...options })
    t.listenUrl = await t.transport.listen(t.options.port, t.options.host)
    return t
  }

  get id(): NodeId {
    return this.tracker.id
  }

  get url(): string {
    return this.listenUrl!
  }

  async stop(): Promise<void> {
    this.tracker.stop()
    this.timers.dispose()
    await this.transport.close()
  }
}
