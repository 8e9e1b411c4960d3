// The explorer in real Chromium: pages load clean, the graph draws every node, the replay reaches
// every receiver, the report opens from file://, the live page follows a fake feed. Screenshots go
// to test/.artifacts/. Without /usr/bin/chromium each test prints one `SKIP viz-browser: ...` line.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { ARTIFACTS as ART, CHROMIUM, launchChromium, openPage } from './helpers/chromium.ts'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../viz/app.ts'
import { startLiveServer } from '../viz/live.ts'
import { writeReport } from '../viz/report.ts'
import { runFakeSimulation } from './fixtures/fake-live.ts'
import { makeRun, makeSweep, type FixtureRun } from './fixtures/make-run.ts'

const TESTS: Record<string, () => Promise<void>> = {}
const def = (name: string, fn: () => Promise<void>) => { TESTS[name] = fn }

let root = ''
let app: FastifyInstance
let base = ''
let browser: Browser
let run: FixtureRun
let bare: FixtureRun
let report = ''

const open = (url: string) => openPage(browser, url)

/** A summary.messageLayer section as a secure run writes it (values chosen to be recognisable). */
const MESSAGE_LAYER = {
  crypto: 'modelled', encryption: true, validation: 'relay',
  app: { subscribers: 29, expected: 58, delivered: 58, deliveryRatio: 1, incompleteSubscribers: 0, latencyMs: { count: 58, mean: 100, p50: 90, p90: 150, p99: 190, max: 200 }, duplicates: 0, outOfOrder: 0 },
  forgedDeliveredToApps: 0, unpermittedDeliveredToApps: 2, unpermittedReads: 0, revokedSubscribers: 1, revokedReadsAfterRekey: 0,
  rejected: { atRelays: { 'bad-signature': 3, 'not-permitted': 1, malformed: 0 }, atSubscribers: 0 }, wastedBytes: 1000, wastedShare: 0.125,
  cpuMsPerNode: { count: 30, mean: 12, p50: 11, p90: 15, p99: 20, max: 21 },
  keyExchange: { requestsSent: 30, answered: 29, refused: 1, invalid: 0, timeouts: 1, undecryptable: 2, keysFromRotation: 29 },
  ordering: { gapsDetected: 4, gapsFilled: 4, gapsSkipped: 0, resendRequests: 1, refetchedRejected: 0 },
  storage: { nodes: 0, stored: 0, requests: 0, messagesSent: 0 }, adversaries: {},
}

const nodeCount = (page: Page) => page.$eval('#graph canvas', (c) => Number((c as HTMLCanvasElement).dataset.nodeCount))

def('run list page loads with every run and no console errors', async () => {
  const { page, errors } = await open(`${base}/`)
  await page.waitForSelector('body[data-ready=true]')
  const rows = await page.$$eval('#runs tbody tr[data-key]', (trs) => trs.map((t) => (t as HTMLElement).dataset.key))
  assert.ok(rows.includes(run.key), rows.join())
  assert.is(await page.$$eval('#sweeps tbody tr', (t) => t.length), 1)
  await page.screenshot({ path: join(ART, 'browser-index.png') })
  assert.equal(errors, [])
  await page.close()
})

def('run page draws exactly the topology nodes of each stream part', async () => {
  const { page, errors } = await open(`${base}/run.html?run=${encodeURIComponent(run.key)}`)
  await page.waitForSelector('body[data-ready=true]')
  const sps = Object.entries(run.topology.streamParts)
  for (const [sp, g] of sps) {
    await page.selectOption('#sp', sp)
    await page.waitForFunction(`Number(document.querySelector('#graph canvas').dataset.nodeCount) > 0 && document.querySelector('#graph').dataset.layout === 'settled'`, undefined, { timeout: 30000 })
    assert.is(await nodeCount(page), g.nodes.length, sp)
  }
  assert.ok((await page.$$('figure.chart')).length >= 6, 'charts drawn')
  await page.screenshot({ path: join(ART, 'browser-run.png'), fullPage: true })
  assert.equal(errors, [])
  await page.close()
})

def('the first picture shows the start positions, without waiting for layout ticks', async () => {
  // The layout worker used to tick for up to 1.8 s before sending anything: seconds of empty canvas.
  const { page, errors } = await open(`${base}/run.html?run=${encodeURIComponent(run.key)}`)
  await page.waitForFunction(`document.querySelector('#graph')?.dataset.firstPictureTicks !== undefined`, undefined, { timeout: 30000 })
  assert.is(await page.$eval('#graph', (g) => (g as HTMLElement).dataset.firstPictureTicks), '0')
  const n = Object.values(run.topology.streamParts)[0].nodes.length
  await page.waitForFunction(`Number(document.querySelector('#graph canvas').dataset.nodeCount) === ${n}`, undefined, { timeout: 30000 })
  assert.equal(errors, [])
  await page.close()
})

def('while the view zooms, the cached graph is scaled, and redrawn sharp once it holds still', async () => {
  const { page, errors } = await open(`${base}/run.html?run=${encodeURIComponent(run.key)}`)
  await page.waitForSelector('#graph[data-layout=settled]', { timeout: 30000 })
  const view = (expr: string) => page.evaluate(`(() => { const v = document.querySelector('#graph canvas').graphView; return ${expr} })()`)
  await view('new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)))')
  const k0 = (await view('v.layers.base.view.k')) as number
  // Zoom, then wait two frames: drawn in the new view from the picture of the old one.
  const [k1, baseK, draws] = (await view(`new Promise((res) => { const d0 = v.draws; d3.select(v.canvas).call(v.zoom.scaleBy, 1.5); requestAnimationFrame(() => requestAnimationFrame(() => res([v.transform.k, v.layers.base.view.k, v.draws - d0]))) })`)) as number[]
  assert.ok(Math.abs(k1 / k0 - 1.5) < 1e-6, `zoomed ${k0} -> ${k1}`)
  assert.ok(draws >= 1, 'drawn while zooming')
  assert.is(baseK, k0, 'the base layer was moved, not re-rendered')
  await page.waitForFunction(`(() => { const v = document.querySelector('#graph canvas').graphView; return v.layers.base.view.k === v.transform.k })()`, undefined, { timeout: 5000 })
  assert.equal(errors, [])
  await page.close()
})

def('a moving layout is drawn at most once per twice its redraw cost, and its last positions once it settles', async () => {
  const { page, errors } = await open(`${base}/run.html?run=${encodeURIComponent(run.key)}`)
  await page.waitForSelector('#graph[data-layout=settled]', { timeout: 30000 })
  // Make each redraw cost 40 ms more (inside draw, where the page measures it), then keep the layout
  // moving for 1.5 s as a drag does: the worker sends positions every slice of ticks (about 25 ms),
  // so drawing them all would redraw on every one.
  const counted = (await page.evaluate(`(() => {
    const v = document.querySelector('#graph canvas').graphView
    const blit = v.blit.bind(v)
    v.blit = (L) => { if (L === v.layers.base) { const t = performance.now(); while (performance.now() - t < 40) {} } blit(L) }
    let messages = 0
    const onmessage = v.worker.onmessage
    v.worker.onmessage = (e) => { if (e.data.type === 'positions') messages++; onmessage(e) }
    const p0 = v.posVersion
    document.querySelector('#graph').dataset.layout = 'running'
    v.worker.postMessage({ type: 'fix', i: 0, x: v.pos[0], y: v.pos[1] })
    setTimeout(() => v.worker.postMessage({ type: 'cool' }), 1500)
    return new Promise((res) => { const check = () => (document.querySelector('#graph').dataset.layout === 'settled'
      ? res({ messages, shown: v.posVersion - p0, pending: v.pendingPos !== null }) : setTimeout(check, 50)); check() })
  })()`)) as { messages: number; shown: number; pending: boolean }
  assert.ok(counted.messages >= 10, `the layout moved (${counted.messages} position updates)`)
  // Drawn every update, it would be all of them; drawn at most every 80 ms, it is under half.
  assert.ok(counted.shown < counted.messages / 2, `${counted.shown} of ${counted.messages} updates drawn`)
  assert.ok(counted.shown >= 1)
  assert.is(counted.pending, false, 'nothing left undrawn once settled')
  assert.equal(errors, [])
  await page.close()
})

def('run page of a run without deliveries loads cleanly, replay disabled', async () => {
  const { page, errors } = await open(`${base}/run.html?run=${encodeURIComponent(bare.key)}`)
  await page.waitForSelector('body[data-ready=true]')
  await page.waitForFunction(`Number(document.querySelector('#graph canvas').dataset.nodeCount) === ${bare.topology.streamParts['stream-0#0'].nodes.length}`, undefined, { timeout: 20000 })
  assert.ok(await page.$eval('#play', (b) => (b as HTMLButtonElement).disabled))
  assert.ok((await page.$$('figure.chart')).length >= 6)
  // Its summary has a message layer section: the page shows it as a card of its own.
  const summary = await page.textContent('#summary') ?? ''
  assert.match(summary, /Message layer/)
  assert.match(summary, /forged \/ unpermitted delivered to apps0 \/ 2/)
  assert.match(summary, /wasted bandwidth12\.50 %/)
  assert.not.match((await page.textContent('#summary')) ?? '', /Message layer[\s\S]*Message layer/)
  assert.equal(errors, [])
  await page.close()
})

def('search by node id opens the node panel with its neighbours', async () => {
  const { page, errors } = await open(`${base}/run.html?run=${encodeURIComponent(run.key)}`)
  await page.waitForSelector('body[data-ready=true]')
  const sp = Object.keys(run.topology.streamParts)[0]
  const edges = run.topology.streamParts[sp].edges.filter((e) => e.from === 'n3').length
  await page.fill('#search', 'n3')
  await page.press('#search', 'Enter')
  await page.waitForFunction(`document.querySelector('#node-panel h2').textContent.startsWith('n3')`)
  assert.is(await page.$$eval('#node-panel .neighbours tbody tr', (t) => t.length), edges)
  assert.match(await page.textContent('#node-panel') ?? '', /messages relayed/)
  await page.screenshot({ path: join(ART, 'browser-node.png') })
  // Searching for a stream part switches to it.
  const other = Object.keys(run.topology.streamParts)[1]
  await page.fill('#search', other)
  await page.press('#search', 'Enter')
  await page.waitForFunction(`document.querySelector('#sp').value === ${JSON.stringify(other)}`)
  assert.equal(errors, [])
  await page.close()
})

def('message replay reaches every receiver', async () => {
  for (const [idx, m] of run.messages.entries()) {
    if (idx > 2) break
    const { page, errors } = await open(`${base}/run.html?run=${encodeURIComponent(run.key)}&msg=${idx}`)
    await page.waitForSelector('#replay[data-receivers]')
    assert.is(Number(await page.$eval('#replay', (e) => (e as HTMLElement).dataset.receivers)), m.receivers)
    // Play at the fastest speed to the end.
    await page.selectOption('#speed', '2')
    await page.click('#play')
    await page.waitForFunction(`document.querySelector('#play').textContent.includes('Play') && Number(document.querySelector('#replay').dataset.t) >= Number(document.querySelector('#slider').max) - 1`, undefined, { timeout: 20000 })
    await page.waitForTimeout(100)
    assert.is(Number(await page.$eval('#replay', (e) => (e as HTMLElement).dataset.reached)), m.receivers, 'counted')
    const drawn = await page.$eval('#graph canvas', (c) => Number((c as HTMLCanvasElement).dataset.reachedCount))
    assert.is(drawn, m.receivers, 'drawn as reached')
    if (idx === 0) {
      await page.$eval('#slider', (e) => { const s = e as HTMLInputElement; s.value = String(Number(s.max) * 0.4); s.dispatchEvent(new Event('input')) })
      await page.waitForTimeout(100)
      await page.screenshot({ path: join(ART, 'browser-replay.png') })
    }
    assert.equal(errors, [])
    await page.close()
  }
})

def('sweep page plots a metric against a swept parameter', async () => {
  const { page, errors } = await open(`${base}/sweep.html?sweep=demo%2Fsweep-a`)
  await page.waitForSelector('body[data-ready=true]')
  assert.is(await page.$$eval('figure.chart path.series', (p) => p.length), 3, 'one line per degree')
  await page.selectOption('#xparam', 'topology.degree')
  assert.is(await page.$$eval('figure.chart path.series', (p) => p.length), 3, 'one line per node count')
  await page.screenshot({ path: join(ART, 'browser-sweep.png') })
  assert.equal(errors, [])
  await page.close()
})

def('report opens from file:// and shows its charts', async () => {
  const { page, errors } = await open(`file://${report}`)
  await page.waitForSelector('body[data-charts]')
  assert.is(await page.$eval('body', (b) => Number((b as HTMLElement).dataset.charts)), 8)
  const series = await page.$$eval('figure.chart[data-chart=latency-cdf] path.series', (p) => p.length)
  assert.is(series, 1)
  assert.ok(await page.$$eval('figure.chart[data-chart=latency-histogram] rect', (r) => r.length) > 5)
  assert.match(await page.textContent('#summary') ?? '', /commit/)
  await page.screenshot({ path: join(ART, 'browser-report.png'), fullPage: true })
  assert.equal(errors, [])
  await page.close()
})

def('live page receives events from a fake feed and controls its speed', async () => {
  const liveRoot = await mkdtemp(join(tmpdir(), 'viz-live-b-'))
  const liveRun = await makeRun({ root: liveRoot, nodes: 120, messages: 8 })
  const live = await startLiveServer({ resultsDir: liveRoot, port: 0 })
  try {
    const { page, errors } = await open(live.url)
    assert.ok(await live.feed.waitForClient(10000), 'page connected')
    const sim = runFakeSimulation(live.feed, liveRun.dir, { tickMs: 20, maxWallMs: 20000 })
    await page.waitForFunction(`Number(document.body.dataset.deliveries) > 0`, undefined, { timeout: 10000 })
    await page.waitForFunction(`Number(document.querySelector('#graph canvas').dataset.nodeCount) === 120`, undefined, { timeout: 10000 })
    await page.selectOption('#speed', '50')
    await page.waitForFunction(`document.body.dataset.speed === '50'`)
    assert.is(live.feed.speed(), 50)
    await page.screenshot({ path: join(ART, 'browser-live.png') })
    await page.click('#pause')
    await page.waitForFunction(`document.body.dataset.paused === 'true'`)
    assert.is(live.feed.paused(), true)
    await page.click('#pause')
    await page.waitForFunction(`document.body.dataset.paused === 'false'`)
    const result = await sim
    await page.waitForSelector('body[data-done=true]', { timeout: 10000 })
    assert.is(Number(await page.evaluate('document.body.dataset.deliveries')), result.deliveries)
    assert.equal(errors.filter((e) => !e.includes('WebSocket')), [])
    await page.close()
  } finally {
    await live.close()
    await rm(liveRoot, { recursive: true, force: true })
  }
})

const Explorer = suite('explorer in Chromium')

if (!existsSync(CHROMIUM)) {
  for (const name of Object.keys(TESTS)) console.log(`SKIP viz-browser: ${name} (no ${CHROMIUM})`)
} else {
  Explorer.before(async () => {
    await mkdir(ART, { recursive: true })
    root = await mkdtemp(join(tmpdir(), 'viz-browser-'))
    run = await makeRun({ root, scenario: 'demo', runId: 'r1', nodes: 80, messages: 4, streamParts: 2, seed: 5 })
    bare = await makeRun({ root, scenario: 'demo', runId: 'bare', nodes: 30, messages: 2, deliveries: false, geo: false, messageLayer: MESSAGE_LAYER })
    await makeSweep(root, 'demo', 'sweep-a')
    report = await writeReport(run.dir)
    app = buildApp({ resultsDir: root })
    base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1')
    browser = await launchChromium()
  })
  Explorer.after(async () => {
    await browser?.close()
    await app?.close()
    await rm(root, { recursive: true, force: true })
  })
  for (const [name, fn] of Object.entries(TESTS)) Explorer(name, fn)
}

Explorer.run()
