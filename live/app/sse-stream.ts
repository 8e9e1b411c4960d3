// Server-sent events on a raw HTTP response. A subscriber that stops reading is closed once
// `maxQueuedBytes` wait in its socket, so a stalled client costs a bounded amount of memory and
// never holds back the node or other subscribers. Comments every `keepAliveMs` keep proxies
// from closing an idle stream.

import type { ServerResponse } from 'node:http'

export interface SseOptions {
  maxQueuedBytes: number
  keepAliveMs: number
}

export class SseStream {
  private closed = false
  private readonly keepAlive: ReturnType<typeof setInterval>
  private readonly closeListeners: (() => void)[] = []

  constructor(private readonly res: ServerResponse, private readonly options: SseOptions, private readonly onSlow: () => void) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    res.flushHeaders()
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), options.keepAliveMs)
    res.on('close', () => this.close())
  }

  /** One event; `data` may hold newlines (pretty-printed JSON content), sent as several data lines. */
  send(data: string, id?: number, event?: string): void {
    let frame = ''
    if (event !== undefined) frame += `event: ${event}\n`
    if (id !== undefined) frame += `id: ${id}\n`
    frame += `data: ${data.replace(/\r\n|\r|\n/g, '\ndata: ')}\n\n`
    this.write(frame)
  }

  onClose(listener: () => void): void {
    if (this.closed) listener()
    else this.closeListeners.push(listener)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    clearInterval(this.keepAlive)
    if (!this.res.writableEnded) this.res.end()
    for (const l of this.closeListeners.splice(0)) l()
  }

  private write(frame: string): void {
    if (this.closed) return
    if (this.res.writableLength > this.options.maxQueuedBytes) {
      this.onSlow()
      this.res.destroy()
      this.close()
      return
    }
    this.res.write(frame)
  }
}
