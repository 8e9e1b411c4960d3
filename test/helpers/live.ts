// Shared by the live transport tests: waiting on real time, and a transport handler that records.

import type { Connection, NodeId, TransportHandler } from '../../core/ports.ts'

/** Polls `cond` every `pollMs` until it holds; fails naming `what` after `timeoutMs`. */
export async function until(what: string, cond: () => boolean, timeoutMs = 10_000, pollMs = 5): Promise<void> {
  const start = performance.now()
  while (!cond()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(pollMs)
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Records what a transport reports, in order. */
export class Recorder implements TransportHandler {
  events: string[] = []
  connections: Connection[] = []
  messages: unknown[] = []
  onConnected(c: Connection): void {
    this.events.push(`connected ${c.remoteId}`)
    this.connections.push(c)
  }
  onConnectFailed(peer: NodeId, reason: string): void {
    this.events.push(`failed ${peer}: ${reason}`)
  }
  onMessage(_c: Connection, m: unknown): void {
    this.messages.push(m)
  }
  onDisconnected(c: Connection, reason: string): void {
    this.events.push(`disconnected ${c.remoteId}: ${reason}`)
  }
}
