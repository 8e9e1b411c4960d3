// Measures WebRTC link setup on loopback: two WebRtcTransports whose signalling is relayed with a
// fixed delay (a tracker in a box), one link after another, with the offerer as DTLS client (our
// default) and with libdatachannel's default roles. Reproduces the figures in live/README.md.
//   npx tsx live/bench-webrtc-setup.ts [--links 100] [--delay-ms 5]

import { parseArgs } from 'node:util'
import type { Connection, TransportHandler } from '../core/ports.ts'
import { WebRtcTransport, shutdownWebRtc } from './webrtc-transport.ts'

const { values } = parseArgs({ options: { links: { type: 'string' }, 'delay-ms': { type: 'string' } } })
const links = Number(values.links ?? 100)
const delayMs = Number(values['delay-ms'] ?? 5)

class Handler implements TransportHandler {
  connected: Connection[] = []
  disconnected = 0
  failed = 0
  onConnected(c: Connection): void { this.connected.push(c) }
  onConnectFailed(): void { this.failed++ }
  onMessage(): void {}
  onDisconnected(): void { this.disconnected++ }
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((resolve) => setTimeout(resolve, 1))
}

async function measure(offererIsDtlsClient: boolean): Promise<number[]> {
  const options = { bindAddress: '127.0.0.1', iceServers: [], offererIsDtlsClient }
  const a = new WebRtcTransport('a', options)
  const b = new WebRtcTransport('b', options)
  a.setSignalSender((_to, payload) => { setTimeout(() => b.handleSignal('a', payload), delayMs); return true })
  b.setSignalSender((_to, payload) => { setTimeout(() => a.handleSignal('b', payload), delayMs); return true })
  const ha = new Handler()
  const hb = new Handler()
  a.setHandler(ha)
  b.setHandler(hb)
  const times: number[] = []
  for (let i = 0; i < links; i++) {
    const start = performance.now()
    a.connect('b')
    await until(() => (ha.connected.length === i + 1 && hb.connected.length === i + 1) || ha.failed > 0)
    times.push(performance.now() - start)
    ha.connected[i].close()
    await until(() => hb.disconnected === i + 1)
  }
  await Promise.all([a.close(), b.close()])
  return times.sort((x, y) => x - y)
}

function summary(label: string, t: number[]): string {
  const q = (p: number) => t[Math.min(t.length - 1, Math.ceil(p * t.length) - 1)].toFixed(1)
  return `${label}: median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms, over 500 ms: ${t.filter((x) => x > 500).length} of ${t.length}`
}

console.log(`${links} links one after another, signalling delay ${delayMs} ms each way`)
console.log(summary('offerer is DTLS client (default)', await measure(true)))
console.log(summary('libdatachannel default roles    ', await measure(false)))
shutdownWebRtc()
