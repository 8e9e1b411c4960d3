// time-limit: 120 s
// The browser node in real Chromium joins a trackerless DHT overlay: the explorer serves
// node.html, the page is given only an entry point's ws:// URL (a Node node with a WebSocket
// server), asks it its id, proves its own on every link, and links to a Node node that has no
// server over a WebRTC data channel whose offer, answer and candidates were routed over the DHT
// (through the entry point: no tracker anywhere). Messages flow both ways.
// Without /usr/bin/chromium or node-datachannel it prints one `SKIP live-dht-browser: ...` line.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { StreamMessage } from '../core/message.ts'
import { SilentObserver } from '../core/observer.ts'
import type { Connection } from '../core/ports.ts'
import { buildApp } from '../viz/app.ts'
import { until } from './helpers/live.ts'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
/** As live-browser.test.ts: a host with loopback only needs Chromium to gather loopback candidates without mDNS. */
const LOOPBACK_ONLY_ARGS = ['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns']
const SP = 'demo#0'
const encoder = new TextEncoder()
const decoder = new TextDecoder()

let skipReason: string | undefined
if (!existsSync(CHROMIUM)) skipReason = `no ${CHROMIUM}`
else {
  try {
    await import('node-datachannel')
  } catch (error) {
    skipReason = `node-datachannel did not load: ${(error as Error).message.split('\n')[0]}`
  }
}

class Receipts extends SilentObserver {
  got: { message: StreamMessage; from: Connection }[] = []
  override delivered(message: StreamMessage, from: Connection): void {
    this.got.push({ message, from })
  }
}

const Page = suite('browser node in a DHT overlay')

if (skipReason !== undefined) {
  console.log(`SKIP live-dht-browser: the page joins a DHT overlay over WebRTC (${skipReason})`)
} else {
  Page('given only an entry point URL, the page joins the DHT, links to a serverless Node node over WebRTC signalled over the DHT, and messages flow both ways', async () => {
    const { LiveDhtNode } = await import('../live/live-dht-node.ts')
    const { shutdownWebRtc } = await import('../live/webrtc-transport.ts')
    const root = await mkdtemp(join(tmpdir(), 'live-dht-browser-'))
    const receipts = new Receipts()
    const entry = new LiveDhtNode({ seed: 'ep', entryPoints: [], server: { host: '127.0.0.1', port: 0 }, webrtc: { bindAddress: '127.0.0.1' } })
    const peer = new LiveDhtNode({ seed: 'peer', entryPoints: [], webrtc: { bindAddress: '127.0.0.1' }, observer: receipts })
    let app: FastifyInstance | undefined
    let browser: import('playwright-core').Browser | undefined
    try {
      await entry.start()
      entry.join(SP)
      await peer.listen()
      peer.begin([{ nodeId: entry.id, url: entry.url! }])
      peer.join(SP)
      await until('the Node nodes are neighbours', () => peer.neighbours(SP).includes(entry.id), 15_000)
      app = buildApp({ resultsDir: root })
      const base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1')
      const loopbackOnly = Object.values(networkInterfaces()).flat().every((i) => i === undefined || i.internal)
      const { chromium } = await import('playwright-core')
      browser = await chromium.launch({ executablePath: CHROMIUM, args: loopbackOnly ? [...ARGS, ...LOOPBACK_ONLY_ARGS] : ARGS })
      const page = await browser.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
      page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`) })
      await page.goto(`${base}/node.html?entryPoint=${encodeURIComponent(entry.url!)}`)
      await page.waitForSelector('body[data-ready=true]')
      assert.is(await page.inputValue('#entry-point'), entry.url)
      const start = performance.now()
      const routedBefore = entry.tatum.router.counts.forwarded
      await page.click('#join')
      await page.waitForSelector('body[data-state=joined]', { timeout: 15_000 }).catch(async (e: Error) => {
        throw new Error(`${e.message.split('\n')[0]}; page says: ${await page.textContent('#errors')}; ${errors.join('; ')}`)
      })
      const pageId = await page.evaluate('window.browserNode.id') as string
      assert.match(pageId, /^0x[0-9a-f]{40}$/, 'the page is known by its key')
      await until('the serverless Node node links to the page', () => peer.neighbours(SP).includes(pageId), 30_000)
      const joinToNeighbourMs = performance.now() - start
      assert.ok(peer.webrtc.connectionTo(pageId) !== undefined, 'over WebRTC (neither side has a server)')
      assert.is(peer.websocket.connectionTo(pageId), undefined)
      assert.ok(entry.tatum.router.counts.forwarded > routedBefore, 'the signalling was routed over the DHT, through the entry point')
      assert.ok(entry.websocket.connectionTo(pageId) !== undefined, 'the page dialled the entry point')
      const proved = (n: typeof entry) => n.websocket.stats.proofsAccepted + n.webrtc.stats.proofsAccepted
      assert.ok(proved(peer) >= 2 && proved(entry) >= 2, 'every link proved its ids')

      const sent: StreamMessage[] = []
      for (let i = 0; i < 3; i++) {
        sent.push(peer.publish('demo', 0, encoder.encode(`from Node #${i}`)))
        await page.fill('#text', `from the page #${i}`)
        await page.click('#publish')
      }
      await until('the Node node hears the page', () => receipts.got.filter((r) => r.message.messageId.publisherId === pageId).length === 3, 15_000)
      await page.waitForFunction(`document.querySelectorAll('#messages tr[data-publisher="${peer.id}"]').length === 3`)
      const fromPage = receipts.got.filter((r) => r.message.messageId.publisherId === pageId)
      assert.equal(fromPage.map((r) => decoder.decode(r.message.content)), ['from the page #0', 'from the page #1', 'from the page #2'])
      const rows = await page.$$eval(`#messages tr[data-publisher="${peer.id}"]`, (trs) => trs.map((tr) => (tr as HTMLElement).dataset.text))
      assert.equal(rows.reverse(), sent.map((_, i) => `from Node #${i}`))
      assert.equal(errors, [])
      console.log(`  page: join -> WebRTC neighbour ${joinToNeighbourMs.toFixed(0)} ms (entry point probe, layers 0-2, signalling routed over the DHT)`)
      await page.click('#leave')
      await page.waitForSelector('body[data-state=idle]')
    } finally {
      await browser?.close()
      await app?.close()
      await Promise.all([entry.stop({ graceful: false }), peer.stop({ graceful: false })])
      shutdownWebRtc()
      await rm(root, { recursive: true, force: true })
    }
  })
}

Page.run()
