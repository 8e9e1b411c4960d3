// The browser node in real Chromium: the explorer serves node.html and the core bundled for the
// browser; the page joins demo#0 through a live tracker, links to a Node node (node-datachannel)
// over a WebRTC data channel, and messages flow both ways, with the browser offering (its id is
// the smaller) and with the Node node offering. Garbage frames and signals from the Node side are
// counted by the browser and dropped. Prints join-to-neighbour times and one-way latencies
// (npx tsx live/bench-browser-setup.ts measures bare link setup and round trips).
// The bundle test runs anywhere; without /usr/bin/chromium or node-datachannel, each browser test
// prints one `SKIP live-browser: ...` line instead.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import type { StreamMessage } from '../core/message.ts'
import { SilentObserver } from '../core/observer.ts'
import type { Connection } from '../core/ports.ts'
import type { LiveConnection } from '../live/live-link.ts'
import { buildApp } from '../viz/app.ts'
import { buildBrowserNodeBundle } from '../viz/browser-bundle.ts'
import { loadWebRtcModules, until } from './helpers/live.ts'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
/**
 * Chromium gathers no ICE candidate on a loopback interface, and hides host addresses behind mDNS
 * names. Where the host has another interface that is enough: the Node node's 127.0.0.1 candidate
 * is reachable and it learns the browser's address from its checks. A host with loopback only
 * (a bare network namespace) needs both of these.
 */
const LOOPBACK_ONLY_ARGS = ['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns']
const ART = join(import.meta.dirname ?? 'test', '.artifacts')
const SP = 'demo#0'
const NODE_ID = 'n-node'
const encoder = new TextEncoder()
const decoder = new TextDecoder()

const loaded = existsSync(CHROMIUM) ? await loadWebRtcModules() : { modules: undefined, skipReason: `no ${CHROMIUM}` }
const skipReason = loaded.skipReason
const rtc = loaded.modules?.rtc
const liveNode = loaded.modules?.liveNode
const liveTracker = loaded.modules?.liveTracker

class Receipts extends SilentObserver {
  got: { message: StreamMessage; from: Connection; latencyMs: number }[] = []
  override delivered(message: StreamMessage, from: Connection): void {
    this.got.push({ message, from, latencyMs: performance.timeOrigin + performance.now() - message.messageId.timestamp })
  }
}

let tracker: import('../live/live-tracker.ts').LiveTracker
let node: import('../live/live-node.ts').LiveNode
const receipts = new Receipts()
let app: FastifyInstance
let base = ''
let root = ''
let browser: Browser

const BROWSER_TESTS: Record<string, () => Promise<void>> = {}
const browserTest = (name: string, fn: () => Promise<void>) => { BROWSER_TESTS[name] = fn }

const Bundle = suite('browser node bundle')

Bundle('builds with no Node-only code, and is served by the explorer', async () => {
  const bundle = await buildBrowserNodeBundle()
  assert.ok(bundle.inputs.includes('live/browser/browser-webrtc-transport.ts'))
  assert.ok(bundle.inputs.includes('core/network-node.ts'))
  const nodeOnly = bundle.inputs.filter((p) => /node_modules\/(ws|node-datachannel)\/|^node:|live\/(webrtc|websocket)-transport\.ts$/.test(p))
  assert.equal(nodeOnly, [])
  assert.not.match(bundle.code, /from ["']node:/)
  const served = buildApp({ resultsDir: tmpdir() })
  const response = await served.inject({ method: 'GET', url: '/bundle/browser-node.js' })
  assert.is(response.statusCode, 200)
  assert.match(response.headers['content-type'] as string, /javascript/)
  assert.match(response.body, /BrowserNode/)
  assert.is((await served.inject({ method: 'GET', url: '/node.html' })).statusCode, 200)
  await served.close()
  console.log(`  bundle: ${(bundle.code.length / 1024).toFixed(0)} KiB with its source map, ${bundle.inputs.length} inputs, built in ${bundle.buildMs.toFixed(0)} ms`)
})

/** The page, joined to demo#0 as `pageId`, and everything it logged as an error. */
async function joinedPage(pageId: string): Promise<{ page: Page; errors: string[]; joinToNeighboursMs: number }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  const errors: string[] = []
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console: ${m.text()}`) })
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  await page.goto(`${base}/node.html?tracker=${encodeURIComponent(tracker.url)}`)
  await page.waitForSelector('body[data-ready=true]')
  assert.is(await page.inputValue('#tracker-url'), tracker.url, 'tracker URL taken from the query')
  assert.is(await page.inputValue('#stream-part'), SP)
  await page.fill('#node-id', pageId)
  const start = performance.now()
  await page.click('#join')
  await until('the Node node links to the page', () => node.neighbours(SP).includes(pageId))
  await page.waitForSelector(`#neighbours tr[data-peer="${NODE_ID}"]`)
  return { page, errors, joinToNeighboursMs: performance.now() - start }
}

/** Messages both ways over the link between the page and the Node node, each checked on arrival. */
async function exchange(page: Page, pageId: string, count: number): Promise<void> {
  const link = node.webrtc.connectionTo(pageId)
  assert.ok(link !== undefined, 'the Node node reaches the page over WebRTC')
  assert.is(node.websocket.connectionTo(pageId), undefined, 'and not over a WebSocket')
  const before = receipts.got.length
  const fromNodeRows = `#messages tr[data-from="${NODE_ID}"]`
  const rowsBefore = await page.$$eval(fromNodeRows, (trs) => trs.length)
  const sentByNode: StreamMessage[] = []
  for (let i = 0; i < count; i++) {
    sentByNode.push(node.publish('demo', 0, encoder.encode(`from the Node node to ${pageId}, #${i}`)))
    await page.fill('#text', `from ${pageId} to the Node node, #${i}`)
    await page.click('#publish')
  }
  await until('the Node node hears the page', () => receipts.got.length - before === count)
  await page.waitForFunction(`document.querySelectorAll('${fromNodeRows}').length === ${rowsBefore + count}`)

  const address = await page.evaluate('window.browserNode.identity.address') as string
  const fromPage = receipts.got.slice(before)
  for (const [i, r] of fromPage.entries()) {
    assert.is(decoder.decode(r.message.content), `from ${pageId} to the Node node, #${i}`)
    assert.is(r.message.messageId.publisherId, address, 'signed by the page')
    assert.is(r.from, node.webrtc.connectionTo(pageId), 'arrived on the data channel')
  }
  // Newest first in the table.
  const rows = (await page.$$eval(fromNodeRows, (trs) => trs.map((tr) => ({ ...(tr as HTMLElement).dataset })))).slice(0, count).reverse()
  for (const [i, row] of rows.entries()) {
    assert.is(row.text, `from the Node node to ${pageId}, #${i}`)
    assert.is(row.publisher, sentByNode[i].messageId.publisherId)
    assert.is(row.link, 'WebRTC')
  }
  for (const row of rows) assert.ok(Number(row.latencyMs) >= 0, `latency ${row.latencyMs}`)
}

async function leaveAndClose(page: Page, pageId: string): Promise<void> {
  await page.click('#leave')
  await page.waitForSelector('body[data-state=idle]')
  await until('the Node node hears the page leave', () => !node.neighbours(SP).includes(pageId))
  await page.close()
}

/**
 * One-way latencies (receipt minus the publisher's timestamp, one host clock) of `count` messages
 * each way, `gapMs` apart, with nothing else going on in the page: signing, the link, and
 * verification, as an app sees them.
 */
async function steadyLatencies(page: Page, count: number, gapMs: number): Promise<{ toBrowserMs: number[]; toNodeMs: number[] }> {
  const fromNodeRows = `#messages tr[data-from="${NODE_ID}"]`
  const rowsBefore = await page.$$eval(fromNodeRows, (trs) => trs.length)
  for (let i = 0; i < count; i++) {
    node.publish('demo', 0, encoder.encode(`steady ${i}`))
    await new Promise((resolve) => setTimeout(resolve, gapMs))
  }
  await page.waitForFunction(`document.querySelectorAll('${fromNodeRows}').length === ${rowsBefore + count}`)
  const toBrowserMs = (await page.$$eval(fromNodeRows, (trs) => trs.map((tr) => Number((tr as HTMLElement).dataset.latencyMs)))).slice(0, count)
  const before = receipts.got.length
  await page.evaluate(`(async () => {
    for (let i = 0; i < ${count}; i++) {
      window.browserNode.publish('demo', 0, new TextEncoder().encode('steady ' + i))
      await new Promise((resolve) => setTimeout(resolve, ${gapMs}))
    }
  })()`)
  await until('steady messages from the page', () => receipts.got.length - before === count)
  return { toBrowserMs, toNodeMs: receipts.got.slice(before).map((r) => r.latencyMs) }
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)].toFixed(2)

function report(pageId: string, offerer: string, joinMs: number, latencies: { toBrowserMs: number[]; toNodeMs: number[] }): void {
  const { toBrowserMs, toNodeMs } = latencies
  console.log(`  ${pageId}: ${offerer} offered; join -> neighbours ${joinMs.toFixed(0)} ms; one-way latency of ${toNodeMs.length} signed messages each way, `
    + `p50/max Node -> browser ${quantile(toBrowserMs, 0.5)}/${quantile(toBrowserMs, 1)} ms, browser -> Node ${quantile(toNodeMs, 0.5)}/${quantile(toNodeMs, 1)} ms`)
}

browserTest('a browser node whose id is the smaller offers, links to the Node node and exchanges messages both ways', async () => {
  const pageId = 'a-browser'
  const relayedBefore = tracker.tracker.stats.signalsRelayed
  const { page, errors, joinToNeighboursMs } = await joinedPage(pageId)
  assert.is(node.webrtc.connectionTo(pageId)!.dialedByMe, false, 'the page offered')
  assert.is(await page.evaluate(`window.browserNode.webrtc.connectionTo(${JSON.stringify(NODE_ID)}).dialedByMe`), true)
  assert.ok(tracker.tracker.stats.signalsRelayed - relayedBefore >= 3, 'offer, answer and candidates went through the tracker')
  await exchange(page, pageId, 5)
  report(pageId, 'the browser', joinToNeighboursMs, await steadyLatencies(page, 20, 20))

  // Garbage from the Node side: frames that do not decode and signals that do not parse are
  // counted and dropped; the link stays up while under maxGarbageFrames.
  const sink = (node.webrtc.connectionTo(pageId) as LiveConnection).sink
  for (const frame of [Uint8Array.of(0xb1, 0xff), Uint8Array.of(1, 2, 3), Uint8Array.of(0xb0, 9, 9)]) sink.send(frame)
  node.client!.sendSignal(SP, pageId, 'not a signal')
  node.client!.sendSignal(SP, pageId, JSON.stringify({ t: 'answer', a: 'no-such-attempt', i: 'x', sdp: 'v=0' }))
  await page.waitForFunction('window.browserNode.webrtc.stats.garbageFrames === 3 && window.browserNode.webrtc.rtcStats.badSignals === 1 && window.browserNode.webrtc.rtcStats.staleSignals >= 1')
  assert.ok(await page.evaluate(`window.browserNode.webrtc.connectionTo(${JSON.stringify(NODE_ID)}) !== undefined`), 'link kept')
  await exchange(page, pageId, 1)

  await page.fill('#text', 'hello from the browser')
  await page.click('#publish')
  node.publish('demo', 0, encoder.encode('hello from Node'))
  await page.waitForFunction(`[...document.querySelectorAll('#messages tr')].some((tr) => tr.dataset.text === 'hello from Node')`)
  await mkdir(ART, { recursive: true })
  await page.screenshot({ path: join(ART, 'node-page.png') })
  assert.is(await page.evaluate('window.browserNode.webrtc.stats.errors + window.browserNode.websocket.stats.errors'), 0)
  assert.equal(errors, [])
  await leaveAndClose(page, pageId)
})

browserTest('the Node node offers to a browser node whose id is the larger, and messages flow both ways', async () => {
  const pageId = 'z-browser'
  const { page, errors, joinToNeighboursMs } = await joinedPage(pageId)
  assert.is(node.webrtc.connectionTo(pageId)!.dialedByMe, true, 'the Node node offered')
  assert.is(await page.evaluate(`window.browserNode.webrtc.connectionTo(${JSON.stringify(NODE_ID)}).dialedByMe`), false)
  await exchange(page, pageId, 5)
  report(pageId, 'the Node node', joinToNeighboursMs, await steadyLatencies(page, 20, 20))
  assert.is(await page.evaluate('window.browserNode.webrtc.stats.garbageFrames + window.browserNode.webrtc.stats.errors'), 0)
  assert.equal(errors, [])
  await leaveAndClose(page, pageId)
})

const BrowserNode = suite('browser node in Chromium')

if (skipReason !== undefined) {
  for (const name of Object.keys(BROWSER_TESTS)) console.log(`SKIP live-browser: ${name} (${skipReason})`)
} else {
  BrowserNode.before(async () => {
    root = await mkdtemp(join(tmpdir(), 'live-browser-'))
    tracker = await liveTracker!.LiveTracker.start({ id: 't0', seed: 1 })
    node = new liveNode!.LiveNode({
      id: NODE_ID, seed: 1, trackers: [{ id: 't0', url: tracker.url }], webrtc: { bindAddress: '127.0.0.1' }, observer: receipts,
    })
    node.join(SP)
    app = buildApp({ resultsDir: root })
    base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1')
    const loopbackOnly = Object.values(networkInterfaces()).flat().every((i) => i === undefined || i.internal)
    if (loopbackOnly) console.log(`  this host has loopback only: Chromium gets ${LOOPBACK_ONLY_ARGS.join(' ')}`)
    const { chromium } = await import('playwright-core')
    browser = await chromium.launch({ executablePath: CHROMIUM, args: loopbackOnly ? [...ARGS, ...LOOPBACK_ONLY_ARGS] : ARGS })
  })
  BrowserNode.after(async () => {
    await browser?.close()
    await node?.stop()
    await tracker?.stop()
    await app?.close()
    rtc?.shutdownWebRtc()
    await rm(root, { recursive: true, force: true })
  })
  for (const [name, fn] of Object.entries(BROWSER_TESTS)) BrowserNode(name, fn)
}

Bundle.run()
BrowserNode.run()
