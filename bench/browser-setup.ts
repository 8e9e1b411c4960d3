// Measures WebRTC links between headless Chromium (the browser transport, from the bundle the
// explorer serves) and Node (node-datachannel) on loopback: setup time with the browser offering
// and with Node offering, each with the offerer as DTLS client (our default) and with the standard
// actpass offer; then the round trip of a 256 B content message echoed by the browser.
// Signalling is handed across directly (page.exposeFunction one way, page.evaluate the other),
// about a millisecond each way, as a relay through a tracker on the same host is.
//   npx tsx live/bench-browser-setup.ts [--links 40] [--round-trips 1000]
// Needs /usr/bin/chromium (or CHROMIUM=path).

import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { createStreamMessage } from '../core/message.ts'
import { keyPairFromSeed } from '../core/message-layer/identity.ts'
import { signStreamMessage } from '../core/message-layer/signing.ts'
import type { Connection, TransportHandler, WireMessage } from '../core/ports.ts'
import { contentWireMessage } from '../core/wire.ts'
import { buildApp } from '../viz/app.ts'
import { WebRtcTransport, shutdownWebRtc } from '../live/webrtc-transport.ts'

const { values } = parseArgs({ options: { links: { type: 'string' }, 'round-trips': { type: 'string' } } })
const links = Number(values.links ?? 40)
const roundTrips = Number(values['round-trips'] ?? 1000)
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const NODE_ID = 'n'
const PAGE_ID = 'b'

class Handler implements TransportHandler {
  connected: Connection[] = []
  failed: string[] = []
  echoed: () => void = () => {}
  onConnected(c: Connection): void { this.connected.push(c) }
  onConnectFailed(_peer: string, reason: string): void { this.failed.push(reason) }
  onMessage(): void { this.echoed() }
  onDisconnected(): void {}
}

const until = async (cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const start = performance.now()
  while (!(await cond())) {
    if (performance.now() - start > timeoutMs) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

const app = buildApp({ resultsDir: 'results' })
const base = await app.listen({ port: 0, host: '127.0.0.1' })
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
const page = await browser.newPage()
await page.goto(`${base}/node.html`)
let node: WebRtcTransport | undefined
await page.exposeFunction('signalToNode', (payload: string) => { node?.handleSignal(PAGE_ID, payload) })

/**
 * A fresh browser transport in the page: it echoes every message and counts its links. A string,
 * not a function: tsx would add helpers to a function's source that the page does not have.
 */
async function startPageTransport(offererIsDtlsClient: boolean): Promise<void> {
  await page.evaluate(`(async () => {
    const lib = await import('/bundle/browser-node.js')
    await window.benchRtc?.close()
    const rtc = new lib.BrowserWebRtcTransport(${JSON.stringify(PAGE_ID)}, { offererIsDtlsClient: ${offererIsDtlsClient} })
    window.benchConnected = 0
    window.benchDisconnected = 0
    window.benchFailed = 0
    rtc.setSignalSender((to, payload) => { window.signalToNode(payload); return true })
    rtc.setHandler({
      onConnected() { window.benchConnected++ },
      onConnectFailed() { window.benchFailed++ },
      onMessage(c, m) { c.send(m) },
      onDisconnected() { window.benchDisconnected++ },
    })
    window.benchRtc = rtc
  })()`)
}

const pageCount = (name: 'benchConnected' | 'benchDisconnected' | 'benchFailed') => page.evaluate(`window.${name}`) as Promise<number>

async function measure(browserOffers: boolean, offererIsDtlsClient: boolean): Promise<{ times: number[]; failed: number; rtts: number[] }> {
  await startPageTransport(offererIsDtlsClient)
  const n = new WebRtcTransport(NODE_ID, { bindAddress: '127.0.0.1', iceServers: [], offererIsDtlsClient })
  node = n
  const handler = new Handler()
  n.setHandler(handler)
  n.setSignalSender((_to, payload) => {
    void page.evaluate(`window.benchRtc.handleSignal(${JSON.stringify(NODE_ID)}, ${JSON.stringify(payload)})`)
    return true
  })
  const times: number[] = []
  let failed = 0
  for (let i = 0; i < links; i++) {
    const opened = handler.connected.length
    const pageOpened = await pageCount('benchConnected')
    const start = performance.now()
    if (browserOffers) await page.evaluate(`window.benchRtc.connect(${JSON.stringify(NODE_ID)})`)
    else n.connect(PAGE_ID)
    const linkFailed = async () => handler.failed.length + await pageCount('benchFailed') > failed
    await until(async () => await linkFailed() || (handler.connected.length > opened && await pageCount('benchConnected') > pageOpened))
    if (await linkFailed()) {
      failed++
      continue
    }
    times.push(performance.now() - start)
    if (i < links - 1) {
      const closedBefore = await pageCount('benchDisconnected')
      handler.connected[handler.connected.length - 1].close()
      await until(async () => await pageCount('benchDisconnected') > closedBefore)
    }
  }
  const rtts: number[] = []
  const link = handler.connected[handler.connected.length - 1]
  if (link === undefined) throw new Error('no link opened')
  const signer = keyPairFromSeed('bench/browser')
  const id = { streamId: 's', streamPartition: 0, timestamp: 1, sequenceNumber: 0, publisherId: signer.address, msgChainId: 'c' }
  const message: WireMessage = contentWireMessage(signStreamMessage(createStreamMessage(id, null, new Uint8Array(256)), signer))
  for (let i = 0; i < roundTrips; i++) {
    const echoed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no echo in 5 s (${JSON.stringify(n.stats)})`)), 5_000)
      handler.echoed = () => { clearTimeout(timer); resolve() }
    })
    const start = performance.now()
    link.send(message)
    await echoed
    rtts.push(performance.now() - start)
  }
  await n.close()
  node = undefined
  return { times: times.sort((x, y) => x - y), failed, rtts: rtts.sort((x, y) => x - y) }
}

const q = (t: number[], p: number) => t[Math.min(t.length - 1, Math.ceil(p * t.length) - 1)].toFixed(1)

console.log(`Chromium ${browser.version()} <-> node-datachannel on 127.0.0.1: ${links} links one after another per row, then ${roundTrips} round trips of a 256 B message`)
for (const browserOffers of [true, false]) {
  for (const dtls of [true, false]) {
    const { times, failed, rtts } = await measure(browserOffers, dtls)
    const who = browserOffers ? 'browser offers' : 'Node offers   '
    const roles = dtls ? 'offerer is DTLS client (default)' : 'standard actpass offer          '
    console.log(`${who}, ${roles}: setup median ${q(times, 0.5)} ms, p90 ${q(times, 0.9)}, max ${q(times, 1)}, ${failed} of ${links} failed; round trip p50 ${q(rtts, 0.5)} ms, p99 ${q(rtts, 0.99)}`)
  }
}
await browser.close()
await app.close()
shutdownWebRtc()
