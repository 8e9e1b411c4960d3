// A bound on MQTT packet size, in front of the broker. aedes' parser buffers a whole packet
// before it hands it on, and the fixed header may declare up to 256 MB, before any
// authentication (a CONNECT is a packet too). This reads only the fixed headers as bytes go by
// and cuts the connection as soon as one declares more than the limit, so a connection costs at
// most about the limit, whoever is at the other end.

import type { Socket } from 'node:net'
import { Duplex } from 'node:stream'

/** Follows MQTT framing: a type byte, a 1-4 byte "remaining length", then that many bytes. */
export class MqttPacketSizeGuard {
  private remaining = 0
  private inBody = false
  private inLength = false
  private length = 0
  private multiplier = 1
  private lengthBytes = 0

  constructor(readonly maxPacketBytes: number) {}

  /** Undefined while the stream keeps within bounds, else what is wrong with it. */
  feed(chunk: Uint8Array): string | undefined {
    let i = 0
    while (i < chunk.length) {
      if (this.inBody) {
        const n = Math.min(this.remaining, chunk.length - i)
        i += n
        this.remaining -= n
        if (this.remaining === 0) this.inBody = false
      } else if (!this.inLength) {
        i++
        this.inLength = true
        this.length = 0
        this.multiplier = 1
        this.lengthBytes = 0
      } else {
        const b = chunk[i++]
        this.length += (b & 0x7f) * this.multiplier
        this.multiplier *= 128
        this.lengthBytes++
        if (this.length > this.maxPacketBytes) return `a packet of ${this.length}+ bytes, over the limit of ${this.maxPacketBytes}`
        if ((b & 0x80) === 0) {
          this.inLength = false
          this.remaining = this.length
          this.inBody = this.remaining > 0
        } else if (this.lengthBytes === 4) return 'a remaining length longer than 4 bytes'
      }
    }
    return undefined
  }
}

/** `socket` as a stream for the broker, with every byte read checked by a guard first. */
export function guardedStream(socket: Socket, maxPacketBytes: number, onRefused: (why: string) => void): Duplex {
  const guard = new MqttPacketSizeGuard(maxPacketBytes)
  const stream = new Duplex({
    read() {
      socket.resume()
    },
    write(chunk, encoding, done) {
      socket.write(chunk, encoding, done)
    },
    final(done) {
      socket.end(done)
    },
    destroy(error, done) {
      socket.destroy()
      done(error)
    },
  })
  socket.on('data', (chunk: Buffer) => {
    const refused = guard.feed(chunk)
    if (refused !== undefined) {
      onRefused(refused)
      stream.destroy()
      return
    }
    if (!stream.push(chunk)) socket.pause()
  })
  socket.on('end', () => stream.push(null))
  socket.on('close', () => stream.destroy())
  socket.on('error', () => stream.destroy())
  return stream
}
