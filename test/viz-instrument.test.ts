// time-limit: 360 s
// The explorer as a researcher's instrument (issue 17), in real Chromium, over fixture runs and
// small real simulator runs (signed with adversaries, churning): what was broken and is not.
// Screenshots go to test/.artifacts/. Without /usr/bin/chromium each test prints one SKIP line.
import { CHURN_RUN as CHURN, SIGNED_RUN as SIGNED } from './helpers/explorer-scenarios.ts'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../viz/app.ts'
import { startLiveServer } from '../viz/live.ts'
import { writeReport } from '../viz/report.ts'
import { runScenario } from '../sim/runner.ts'
import { writeRun } from '../sim/results/write-run.ts'
import type { TopologyJson } from '../sim/results/topology-types.ts'
import { scenarioFrom } from './helpers/scenario.ts'
import { ARTIFACTS as ART, CHROMIUM, launchChromium, openPage } from './helpers/chromium.ts'
import { makeRun, makeSweep, type FixtureRun } from './fixtures/make-run.ts'

const TESTS: Record<string, () => Promise<void>> = {}
const def = (name: string, fn: () => Promise<void>) => { TESTS[name] = fn }

let root = ''
let app: FastifyInstance
let base = ''
let browser: Browser
let run: FixtureRun
const runUrl = (key: string, extra = '') => `${base}/run.html?run=${encodeURIComponent(key)}${extra}`
const open = (url: string) => openPage(browser, url)
const settled = (page: Page) => page.waitForFunction(`Number(document.querySelector('#graph canvas').dataset.nodeCount) > 0 && document.querySelector('#graph').dataset.layout === 'settled'`, undefined, { timeout: 30000 })
const nodeCount = (page: Page) => page.$eval('#graph canvas', (c) => Number((c as HTMLCanvasElement).dataset.nodeCount))


async function simulate(yaml: string, runId: string): Promise<{ key: string; topology: TopologyJson }> {
  const scenario = scenarioFrom(yaml)
  const { simulation, summary } = await runScenario(scenario)
  const dir = join(root, scenario.name, runId)
  await writeRun(dir, simulation, summary)
  return { key: `${scenario.name}/${runId}`, topology: JSON.parse(await readFile(join(dir, 'topology.json'), 'utf8')) as TopologyJson }
}
let signed: { key: string; topology: TopologyJson }
let churn: { key: string; topology: TopologyJson }

def('the summary of a run without a message layer prints no "null"', async () => {
  const { page, errors } = await open(runUrl(run.key))
  await page.waitForSelector('body[data-ready=true]')
  const text = await page.textContent('#summary') ?? ''
  assert.match(text, /Delivery/)
  assert.not.match(text, /null/)
  assert.equal(errors, [])
  await page.close()
})

def('search ignores case and finds near matches', async () => {
  const { page, errors } = await open(runUrl(run.key))
  await page.waitForSelector('body[data-ready=true]')
  const panel = () => page.waitForFunction(`document.querySelector('#node-panel h2')?.textContent.startsWith('n17')`)
  await page.fill('#search', 'N17')
  await page.press('#search', 'Enter')
  await panel()
  // In-order letters: "strm1" is stream-1#0.
  await page.fill('#search', 'STRM1')
  await page.press('#search', 'Enter')
  await page.waitForFunction(`document.querySelector('#sp').value === 'stream-1#0'`)
  await page.fill('#search', 'zzz')
  await page.press('#search', 'Enter')
  assert.match(await page.textContent('#search-msg') ?? '', /no node or stream part like "zzz"/)
  assert.equal(errors, [])
  await page.close()
})

def('the 16 region colours are far apart from each other and from the background', async () => {
  const { page, errors } = await open(runUrl(run.key))
  await page.waitForSelector('body[data-ready=true]')
  const [minPair, minBg] = await page.evaluate(`import('/static/graph.js').then(({ REGION_COLORS }) => {
    const lab = REGION_COLORS.slice(0, 16).map((c) => d3.lab(c))
    const d = (a, b) => Math.hypot(a.l - b.l, a.a - b.a, a.b - b.b)
    let pair = Infinity
    for (let i = 0; i < 16; i++) for (let j = i + 1; j < 16; j++) pair = Math.min(pair, d(lab[i], lab[j]))
    return [pair, Math.min(...lab.map((c) => d(c, d3.lab('#0f1623'))))]
  })`) as [number, number]
  assert.ok(minPair >= 25, `closest two region colours are ${minPair.toFixed(1)} apart (CIE76)`)
  assert.ok(minBg >= 40, `closest region colour to the background is ${minBg.toFixed(1)} apart`)
  assert.equal(errors, [])
  await page.close()
})

def('a node can be dragged after the layout settled', async () => {
  const { page, errors } = await open(runUrl(run.key))
  await page.waitForSelector('body[data-ready=true]')
  await settled(page)
  const where = `(() => { const v = document.querySelector('#graph canvas').graphView, r = v.canvas.getBoundingClientRect(), i = v.index.get('n5')
    return [r.left + v.transform.applyX(v.pos[2 * i]), r.top + v.transform.applyY(v.pos[2 * i + 1])] })()`
  const [x, y] = await page.evaluate(where) as [number, number]
  await page.mouse.move(x, y)
  await page.mouse.down()
  for (let k = 1; k <= 10; k++) await page.mouse.move(x + 12 * k, y + 9 * k)
  await page.mouse.up()
  await page.waitForTimeout(400)
  const [x2, y2] = await page.evaluate(where) as [number, number]
  assert.ok(Math.hypot(x2 - x, y2 - y) > 80, `n5 moved from ${x},${y} to ${x2},${y2}`)
  await page.screenshot({ path: join(ART, 'instrument-dragged.png') })
  assert.equal(errors, [])
  await page.close()
})

def('the live page of an explorer without a running simulation opens no WebSocket', async () => {
  const { page, errors } = await open(`${base}/live.html`)
  const sockets: string[] = []
  page.on('websocket', (ws) => sockets.push(ws.url()))
  await page.waitForSelector('body[data-ready=true]')
  await page.waitForTimeout(1500) // the old page retried every second
  assert.is(await page.evaluate('document.body.dataset.live'), 'false')
  assert.match(await page.textContent('#status') ?? '', /No simulation is streaming/)
  assert.equal(sockets, [])
  assert.equal(errors, [])
  await page.screenshot({ path: join(ART, 'instrument-live-idle.png') })
  await page.close()
})

def('a signed run: the publisher is a graph node, the replay counts who should get it, roles colour the graph', async () => {
  const nodes = signed.topology.streamParts['stream-0#0'].nodes
  const publisher = nodes.find((n) => n.roles?.includes('publisher'))!
  const subscribers = nodes.filter((n) => n.roles?.includes('subscriber')).length
  const { page, errors } = await open(runUrl(signed.key, '&msg=0'))
  await page.waitForSelector('#replay[data-receivers]')
  assert.is(Number(await page.$eval('#replay', (e) => (e as HTMLElement).dataset.receivers)), subscribers, 'every subscriber is expected')
  assert.match(await page.$eval('#msg', (s) => (s as HTMLSelectElement).selectedOptions[0].textContent ?? ''), new RegExp(`· ${publisher.id} at`))
  await page.$eval('#slider', (e) => { const s = e as HTMLInputElement; s.value = s.max; s.dispatchEvent(new Event('input')) })
  const reached = Number(await page.$eval('#replay', (e) => (e as HTMLElement).dataset.reached))
  assert.ok(reached < subscribers, `${reached} reached of ${subscribers}: loss left some out`)
  assert.match(await page.textContent('#r-reached') ?? '', new RegExp(`^${reached} / ${subscribers}`))
  // The publisher's panel knows it published.
  await page.fill('#search', publisher.id)
  await page.press('#search', 'Enter')
  await page.waitForFunction(`document.querySelector('#node-panel').textContent.includes('first copypublisher')`)
  assert.match(await page.textContent('#node-panel') ?? '', new RegExp(`publisher address${publisher.address!.slice(0, 8)}…`))
  // Colour by role; the adversaries' legend entry hides them.
  await page.selectOption('#color', 'role')
  const cats = await page.$$eval('.legend-box button.row', (b) => b.map((x) => (x as HTMLElement).dataset.cat))
  for (const c of ['adversary', 'publisher', 'subscriber']) assert.ok(cats.includes(c), cats.join())
  await page.click('#clear')
  await page.waitForTimeout(100)
  const all = await nodeCount(page)
  await page.click('.legend-box button.row[data-cat=adversary]')
  await page.waitForTimeout(100)
  const forgers = nodes.filter((n) => n.adversary === 'forger').length
  assert.ok(forgers > 0)
  assert.is(await nodeCount(page), all - forgers)
  await page.screenshot({ path: join(ART, 'instrument-signed-roles.png') })
  assert.equal(errors, [])
  await page.close()
})

def('every view is a permalink: stream part, node, message, time, zoom, colour and filters', async () => {
  const { page, errors } = await open(runUrl(run.key))
  await page.waitForSelector('body[data-ready=true]')
  await page.selectOption('#sp', 'stream-1#0')
  await settled(page)
  await page.selectOption('#msg', '1')
  await page.waitForSelector('#replay[data-receivers]')
  await page.$eval('#slider', (e) => { const s = e as HTMLInputElement; s.value = String(Math.round(Number(s.max) / 2)); s.dispatchEvent(new Event('input')) })
  await page.selectOption('#color', 'degree')
  const box = (await page.$('#graph canvas'))!
  const bb = (await box.boundingBox())!
  await page.mouse.move(bb.x + bb.width / 3, bb.y + bb.height / 2)
  await page.mouse.wheel(0, -400)
  await page.waitForTimeout(600)
  const node = await page.evaluate(`(() => { const v = document.querySelector('#graph canvas').graphView; v.select(3, true); return v.ids[3] })()`) as string
  await page.waitForTimeout(100)
  const url = page.url()
  const want = await page.evaluate(`(() => { const v = document.querySelector('#graph canvas').graphView; return { t: Number(document.querySelector('#replay').dataset.t), k: v.transform.k, x: v.transform.x } })()`) as { t: number; k: number; x: number }
  for (const p of ['sp=stream-1', 'msg=1', 't=', 'view=', 'color=degree', `node=${node}`]) assert.ok(url.includes(p), `${p} in ${url}`)
  await page.close()

  const again = await open(url)
  await again.page.waitForSelector('#replay[data-receivers]')
  await again.page.waitForTimeout(600)
  const got = await again.page.evaluate(`(() => { const v = document.querySelector('#graph canvas').graphView
    return { sp: document.querySelector('#sp').value, msg: document.querySelector('#msg').value, color: document.querySelector('#color').value,
      node: document.querySelector('#node-panel h2').textContent, t: Number(document.querySelector('#replay').dataset.t), k: v.transform.k, x: v.transform.x } })()`) as Record<string, string | number>
  assert.is(got.sp, 'stream-1#0')
  assert.is(got.msg, '1')
  assert.is(got.color, 'degree')
  assert.ok(String(got.node).startsWith(node), String(got.node))
  assert.ok(Math.abs(Number(got.t) - want.t) < 0.2, `t ${got.t} vs ${want.t}`)
  assert.ok(Math.abs(Number(got.k) / want.k - 1) < 0.01, `zoom ${got.k} vs ${want.k}`)
  assert.ok(Math.abs(Number(got.x) - want.x) < 1, `pan ${got.x} vs ${want.x}`)
  await again.page.screenshot({ path: join(ART, 'instrument-permalink.png') })
  assert.equal([...errors, ...again.errors], [])
  await again.page.close()
})

def('a churning run shows its overlay at any time of the run', async () => {
  const part = churn.topology.streamParts['stream-0#0']
  const { page, errors } = await open(runUrl(churn.key))
  await page.waitForSelector('body[data-ready=true]')
  await settled(page)
  assert.is(await page.$eval('#time-row', (e) => (e as HTMLElement).hidden), false)
  assert.is(await nodeCount(page), part.nodes.length, 'the end shows the final overlay')
  const at = async (ms: number) => {
    await page.$eval('#time-slider', (e, v) => { const s = e as HTMLInputElement; s.value = String(v); s.dispatchEvent(new Event('input')) }, ms)
    await page.waitForTimeout(80)
    return nodeCount(page)
  }
  const before = await at(14000), after = await at(18000)
  assert.ok(after < before * 0.9, `the mass failure at 16 s: ${before} -> ${after} nodes`)
  const early = await at(2000)
  assert.is(early, part.history!.nodes.filter((n) => n.up[0] <= 2000 && 2000 < n.up[1]).length)
  assert.match(page.url(), /at=2000/)
  await at(14000)
  await page.screenshot({ path: join(ART, 'instrument-churn-14s.png') })
  assert.equal(errors, [])
  await page.close()
})

def('charts: legends beside the plot, y fitted, one time axis per run, the scenario\'s events marked', async () => {
  const { page, errors } = await open(runUrl(churn.key))
  await page.waitForSelector('figure.chart[data-chart=overlay-over-time]')
  const TIME = ['duplicates', 'nodes-up', 'deliveries-over-time', 'latency-over-time', 'delivery-over-time', 'overlay-over-time']
  const domains = await page.$$eval('figure.chart', (fs) => Object.fromEntries(fs.map((f) => [(f as HTMLElement).dataset.chart, (f as HTMLElement).dataset.xDomain])))
  for (const c of TIME) assert.is(domains[c], domains['nodes-up'], `${c} spans the same time as nodes-up`)
  assert.is(Number(domains['nodes-up']!.split(',')[0]), 0)
  for (const c of TIME) {
    const at = await page.$$eval(`figure.chart[data-chart=${c}] .event-marker`, (m) => m.map((x) => (x as SVGElement).dataset.type + '@' + (x as SVGElement).dataset.at))
    assert.equal(at, ['massFailure@16'], c)
  }
  // No legend overlaps its plot.
  const overlaps = await page.$$eval('figure.chart', (fs) => fs.flatMap((f) => {
    const plot = f.querySelector('svg > g')!.getBoundingClientRect()
    return [...f.querySelectorAll('.chart-legend span, svg .legend')].map((l) => l.getBoundingClientRect())
      .filter((r) => r.right > plot.left && r.left < plot.right && r.bottom > plot.top && r.top < plot.bottom).map(() => (f as HTMLElement).dataset.chart)
  }))
  assert.equal(overlaps, [])
  // A delivery ratio between 80 % and 100 % is drawn on a y axis near that range, not 0-100 %.
  const ratios = ((await (await fetch(`${base}/api/runs/${churn.key}/charts`)).json()).timeseries.columns.deliveryRatio as Array<number | null>).filter((v): v is number => v != null)
  const [y0, y1] = (await page.$eval('figure.chart[data-chart=delivery-over-time]', (f) => (f as HTMLElement).dataset.yDomain!)).split(',').map(Number)
  assert.ok(Math.min(...ratios) > 0.3, 'the run delivers')
  assert.ok(y0 > 0 && y0 <= Math.min(...ratios) && y1 >= Math.max(...ratios) && y1 <= 1, `y ${y0}-${y1} for ratios ${Math.min(...ratios)}-${Math.max(...ratios)}`)
  await (await page.$('#charts'))!.screenshot({ path: join(ART, 'instrument-charts.png') })
  assert.equal(errors, [])
  await page.close()
})

def('the live page applies a churning overlay in place: positions kept, layout settles, the clock runs', async () => {
  const liveRoot = await mkdtemp(join(tmpdir(), 'viz-live-churn-'))
  const live = await startLiveServer({ resultsDir: liveRoot, port: 0 })
  try {
    const topo = (await makeRun({ root: liveRoot, nodes: 300, messages: 1, seed: 7 })).topology
    const part = topo.streamParts['stream-0#0']
    const { page, errors } = await open(live.url)
    assert.ok(await live.feed.waitForClient(10000), 'page connected')
    live.feed.topology(structuredClone(topo))
    await page.waitForFunction(`Number(document.querySelector('#graph canvas').dataset.nodeCount) === ${part.nodes.length} && document.querySelector('#graph').dataset.layout === 'settled'`, undefined, { timeout: 30000 })
    const positions = `(() => { const v = document.querySelector('#graph canvas').graphView
      return Object.fromEntries(v.ids.map((id, i) => [id, [v.pos[2 * i], v.pos[2 * i + 1]]])) })()`
    const before = await page.evaluate(positions) as Record<string, [number, number]>
    // Three seconds of churn: every 100 ms one node leaves and a newcomer links to four others.
    let tMs = 0
    for (let k = 0; k < 30; k++) {
      const gone = part.nodes.shift()!.id
      part.edges = part.edges.filter((e) => e.from !== gone && e.to !== gone)
      const id = `new${k}`
      part.nodes.push({ id })
      for (const peer of part.nodes.slice(k, k + 4)) part.edges.push({ from: id, to: peer.id, latencyMs: 20 }, { from: peer.id, to: id, latencyMs: 20 })
      live.feed.topology(structuredClone(topo))
      for (let j = 0; j < 2; j++) { tMs += 50; live.feed.tick({ tMs, nodesUp: part.nodes.length, firstReceipts: 0, duplicates: 0 }) }
      await page.waitForTimeout(100)
    }
    const ticksDuring = Number(await page.evaluate('document.body.dataset.ticks'))
    assert.ok(ticksDuring >= 50, `${ticksDuring} ticks shown while the overlay changed`)
    await page.waitForFunction(`Number(document.querySelector('#graph canvas').dataset.nodeCount) === ${part.nodes.length} && document.querySelector('#graph canvas').graphView.index.has('new29')`, undefined, { timeout: 10000 })
    const changes = Number(await page.evaluate('document.body.dataset.topologyChanges'))
    assert.ok(changes >= 2 && changes <= 5, `${changes} differences applied for 30 changes in 3 s`)
    await page.waitForFunction(`document.querySelector('#graph').dataset.layout === 'settled'`, undefined, { timeout: 15000 })
    const after = await page.evaluate(positions) as Record<string, [number, number]>
    const kept = Object.keys(after).filter((id) => before[id])
    const xs = kept.map((id) => before[id][0]), ys = kept.map((id) => before[id][1])
    const extent = Math.hypot(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys))
    const moved = kept.map((id) => Math.hypot(after[id][0] - before[id][0], after[id][1] - before[id][1])).sort((a, b) => a - b)
    const median = moved[Math.floor(moved.length / 2)]
    assert.ok(median < extent * 0.1, `the nodes that stayed moved ${median.toFixed(1)} (median) in a graph ${extent.toFixed(0)} across`)
    assert.match(await page.textContent('#tiles') ?? '', /Simulated time3 s/)
    await page.screenshot({ path: join(ART, 'instrument-live-churn.png') })
    assert.equal(errors, [])
    await page.close()
  } finally {
    await live.close()
    await rm(liveRoot, { recursive: true, force: true })
  }
})

def('the sweep view names axes in words with units and draws confidence intervals of replicated points', async () => {
  const { page, errors } = await open(`${base}/sweep.html?sweep=demo%2Fsweep-r`)
  await page.waitForSelector('body[data-ready=true]')
  const labels = await page.$$eval('figure.chart .axis-label', (t) => t.map((x) => x.textContent))
  assert.equal(labels, ['nodes (count)', 'first-receipt latency p99 (ms)'])
  const options = await page.$$eval('#metric option, #xparam option', (o) => o.map((x) => x.textContent ?? ''))
  assert.ok(options.includes('delivery ratio (%)') && options.includes('overlay degree (links per node)'), options.join())
  assert.not.ok(options.some((o) => /[a-z][A-Z]|\.mean/.test(o)), `no raw column names: ${options.join()}`)
  // 9 points, each with a bar from its CI's low to high end around the mean.
  const bars = await page.$$eval('figure.chart line.error-bar', (l) => l.map((x) => [Number(x.getAttribute('y1')), Number(x.getAttribute('y2'))]))
  assert.is(bars.length, 9)
  assert.ok(bars.filter(([a, b]) => a > b).length >= 6, 'most intervals have a width')
  assert.is(await page.$$eval('figure.chart path.band', (p) => p.length), 3)
  assert.match(await page.textContent('figure.chart') ?? '', /Mean of 3 seeds per point/)
  await page.selectOption('#metric', 'deliveryRatio')
  assert.match(page.url(), /metric=deliveryRatio/)
  await page.screenshot({ path: join(ART, 'instrument-sweep.png'), fullPage: true })
  assert.equal(errors, [])
  await page.close()
})

def('the static report has the overlay, the scenario and the message layer, and a sweep folder gets one too', async () => {
  const runDir = join(root, 'signed', 'r1')
  const file = await writeReport(runDir)
  const { page, errors } = await open(`file://${file}`)
  await page.waitForSelector('body[data-charts]')
  const nodes = signed.topology.streamParts['stream-0#0'].nodes.length
  assert.is(Number(await page.evaluate('document.body.dataset.graphNodes')), nodes)
  assert.is(await page.$eval('.static-graph canvas', (c) => Number((c as HTMLElement).dataset.nodeCount)), nodes)
  assert.match(await page.textContent('.static-graph .chart-legend') ?? '', /adversary \(15\).*publisher \(1\)/)
  assert.match(await page.textContent('#scenario') ?? '', /name: signed/)
  assert.match(await page.textContent('#message-layer') ?? '', /crypto \/ encryption \/ validationmodelled \/ off \/ relay/)
  await page.screenshot({ path: join(ART, 'instrument-report.png'), fullPage: true })
  assert.equal(errors, [])
  await page.close()

  const sweepFile = await writeReport(join(root, 'demo', 'sweep-r'))
  const sw = await open(`file://${sweepFile}`)
  await sw.page.waitForSelector('body[data-charts]')
  assert.is(Number(await sw.page.evaluate('document.body.dataset.charts')), 8, 'one chart per metric')
  assert.is(await sw.page.$$eval('line.error-bar', (l) => l.length), 8 * 9)
  assert.ok((await sw.page.$$eval('figure.chart .axis-label', (t) => t.map((x) => x.textContent))).includes('first-receipt latency p99 (ms)'))
  assert.is(await sw.page.$$eval('#points tr', (r) => r.length), 10)
  await sw.page.screenshot({ path: join(ART, 'instrument-report-sweep.png'), fullPage: true })
  assert.equal(sw.errors, [])
  await sw.page.close()
})

/** Clicks `selector` and returns the file it downloads: its suggested name and bytes. */
async function downloaded(page: Page, selector: string): Promise<{ name: string; body: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)])
  return { name: d.suggestedFilename(), body: await readFile((await d.path())!) }
}

def('exports: every chart as SVG, PNG and CSV, tables as CSV, the graph as PNG, GraphML and GEXF', async () => {
  const part = signed.topology.streamParts['stream-0#0']
  const { page, errors } = await open(runUrl(signed.key))
  await page.waitForSelector('body[data-ready=true]')
  await settled(page)
  await page.waitForSelector('figure.chart[data-chart=latency-cdf] .chart-tools')
  const svg = await downloaded(page, 'figure.chart[data-chart=latency-cdf] button[data-export=svg]')
  assert.is(svg.name, 'latency-cdf.svg')
  assert.match(svg.body.toString(), /^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*class="series"/)
  const png = await downloaded(page, 'figure.chart[data-chart=nodes-up] button[data-export=png]')
  assert.equal([...png.body.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG file')
  const csv = (await downloaded(page, 'figure.chart[data-chart=latency-histogram] button[data-export=csv]')).body.toString().trim().split('\n')
  assert.is(csv[0], 'from,to,first receipts (count)')
  const counts = csv.slice(1).reduce((a, l) => a + Number(l.split(',')[2]), 0)
  assert.is(counts, (await (await fetch(`${base}/api/runs/${signed.key}/charts`)).json()).latency.samples, 'the bins hold every first receipt')
  const table = (await downloaded(page, '#summary button.table-export')).body.toString()
  assert.match(table, /^scenario,signed\nseed,4\n/)
  // The graph.
  const gp = await downloaded(page, '#export-png')
  assert.equal([...gp.body.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47])
  const gml = (await downloaded(page, '#export-graphml')).body.toString()
  assert.is((gml.match(/<node /g) ?? []).length, part.nodes.length)
  assert.is((gml.match(/<edge /g) ?? []).length, part.edges.length / 2)
  assert.match(gml, /<data key="adversary">forger<\/data>/)
  const gx = (await downloaded(page, '#export-gexf')).body.toString()
  assert.is((gx.match(/<node /g) ?? []).length, part.nodes.length)
  assert.is((gx.match(/<viz:position /g) ?? []).length, part.nodes.length)
  assert.match(gx, /^<\?xml[\s\S]*<gexf xmlns="http:\/\/gexf.net\/1.3"/)
  await page.hover('figure.chart[data-chart=latency-cdf]')
  await (await page.$('figure.chart[data-chart=latency-cdf]'))!.screenshot({ path: join(ART, 'instrument-chart-tools.png') })
  assert.equal(errors, [])
  await page.close()
})

def('keyboard reaches the graph, its legend and the charts\' exports; the theme follows the system\'s dark setting', async () => {
  const { page, errors } = await open(runUrl(signed.key))
  await page.waitForSelector('body[data-ready=true]')
  await settled(page)
  // Tab from the colour menu onwards reaches the canvas; keys then move and zoom the view.
  await page.focus('#graph canvas')
  const k0 = await page.evaluate(`document.querySelector('#graph canvas').graphView.transform.k`) as number
  await page.keyboard.press('+')
  await page.keyboard.press('ArrowLeft')
  await page.waitForTimeout(100)
  const t = await page.evaluate(`(() => { const v = document.querySelector('#graph canvas').graphView; return [v.transform.k, v.userMoved] })()`) as [number, boolean]
  assert.ok(t[0] > k0 * 1.2 && t[1], `zoomed by key: ${k0} -> ${t[0]}`)
  assert.match(page.url(), /view=/)
  // Legend filters are buttons: focus and Enter hides a region.
  const before = await nodeCount(page)
  await page.focus('.legend-box button.row')
  await page.keyboard.press('Enter')
  await page.waitForTimeout(100)
  assert.ok(await nodeCount(page) < before)
  const focusable = await page.$$eval('.legend-box button.row, figure.chart .chart-tools button, #export-gexf', (b) => b.every((x) => (x as HTMLElement).tabIndex === 0))
  assert.ok(focusable)
  await page.emulateMedia({ colorScheme: 'dark' })
  const [bg, axis] = await page.evaluate(`[getComputedStyle(document.body.parentElement).backgroundColor, getComputedStyle(document.querySelector('svg .axis text')).fill]`) as [string, string]
  const lum = (c: string) => { const [r, g, b] = c.match(/\d+/g)!.map(Number); return 0.2126 * r + 0.7152 * g + 0.0722 * b }
  assert.ok(lum(bg) < 40, `dark background ${bg}`)
  assert.ok(lum(axis) > 140, `light axis text ${axis}`)
  await page.screenshot({ path: join(ART, 'instrument-dark.png') })
  assert.equal(errors, [])
  await page.close()
})

def('every chart offers the numbers behind it as a table: described by it, toggled by keyboard', async () => {
  const { page, errors } = await open(runUrl(signed.key))
  await page.waitForSelector('figure.chart[data-chart=overlay-over-time]')
  const charts = await page.$$eval('figure.chart', (fs) => fs.map((f) => {
    const svg = f.querySelector('svg')!, table = document.getElementById(svg.getAttribute('aria-describedby') ?? '')
    return { id: (f as HTMLElement).dataset.chart, points: Number((f as HTMLElement).dataset.points), rows: table?.querySelectorAll('tbody tr').length ?? -1,
      inside: !!table && f.contains(table), button: (f.querySelector('button[data-export=table]') as HTMLElement | null)?.tabIndex }
  }))
  const drawn = charts.filter((c) => c.points > 0)
  assert.ok(drawn.length >= 6, `${drawn.length} charts with data`)
  for (const c of drawn) {
    assert.is(c.rows, c.points, `${c.id}: one table row per point drawn`)
    assert.ok(c.inside && c.button === 0, `${c.id}: its own table and a focusable toggle`)
  }
  // Keyboard: focus the histogram's toggle, Enter shows the table; its counts hold every first receipt.
  const hist = 'figure.chart[data-chart=latency-histogram]'
  assert.is(await page.$eval(`${hist} .chart-table`, (t) => (t as HTMLElement).hidden), true)
  await page.focus(`${hist} button[data-export=table]`)
  await page.keyboard.press('Enter')
  assert.is(await page.$eval(`${hist} .chart-table`, (t) => (t as HTMLElement).hidden), false)
  assert.is(await page.$eval(`${hist} button[data-export=table]`, (b) => b.getAttribute('aria-expanded')), 'true')
  const counts = await page.$$eval(`${hist} .chart-table tbody tr td:last-child`, (t) => t.map((x) => Number(x.textContent!.replace(/,/g, ''))))
  const samples = (await (await fetch(`${base}/api/runs/${signed.key}/charts`)).json()).latency.samples
  assert.is(counts.reduce((a, b) => a + b, 0), samples)
  await (await page.$(hist))!.screenshot({ path: join(ART, 'instrument-chart-table.png') })
  assert.equal(errors, [])
  await page.close()
})

def('map view: nodes at their latitude and longitude, links as great circles, the replay on the map', async () => {
  const { page, errors } = await open(runUrl(signed.key, '&msg=0'))
  await page.waitForSelector('#replay[data-receivers]')
  await page.selectOption('#layout', 'map')
  await page.waitForFunction(`document.querySelector('#graph').dataset.mode === 'map'`)
  const off = await page.evaluate(`(() => { const v = document.querySelector('#graph canvas').graphView
    return v.nodes.map((d, i) => Math.hypot(v.pos[2 * i] - d.lon / 180 * 600, v.pos[2 * i + 1] + d.lat / 180 * 600)) })()`) as number[]
  assert.is(off.length, signed.topology.streamParts['stream-0#0'].nodes.length)
  assert.ok(Math.max(...off) < 10, `every node within 10 map units of its location (worst ${Math.max(...off).toFixed(1)})`)
  // An arc between two far regions bends away from the straight line (a great circle on this projection).
  const bend = await page.evaluate(`(() => { const v = document.querySelector('#graph canvas').graphView, S = 12
    let best = 0
    for (let k = 0; k < v.m; k++) { const o = 2 * k * (S + 1), mid = o + S, ax = v.arcs[o], ay = v.arcs[o + 1], bx = v.arcs[o + 2 * S], by = v.arcs[o + 2 * S + 1]
      if (Math.abs(bx - ax) > 600) continue
      best = Math.max(best, Math.abs(v.arcs[mid + 1] - (ay + by) / 2)) }
    return best })()`) as number
  assert.ok(bend > 5, `arcs bend (${bend.toFixed(1)})`)
  await page.$eval('#slider', (e) => { const s = e as HTMLInputElement; s.value = String(Number(s.max) / 3); s.dispatchEvent(new Event('input')) })
  await page.waitForTimeout(100)
  assert.ok(await page.$eval('#graph canvas', (c) => Number((c as HTMLCanvasElement).dataset.reachedCount)) > 0, 'the replay draws on the map')
  assert.match(page.url(), /layout=map/)
  await page.screenshot({ path: join(ART, 'instrument-map.png') })
  const again = await open(page.url())
  await again.page.waitForFunction(`document.querySelector('#graph')?.dataset.mode === 'map'`, undefined, { timeout: 15000 })
  assert.equal([...errors, ...again.errors], [])
  await page.close(); await again.page.close()
})

def('on the map, replay trails and copies in flight follow the links\' great-circle arcs', async () => {
  const { page, errors } = await open(runUrl(signed.key, '&layout=map'))
  await page.waitForSelector('body[data-ready=true]')
  await page.waitForFunction(`document.querySelector('#graph').dataset.mode === 'map'`)
  // The link whose arc bends most on screen, drawn alone as a trail in pure green.
  const probe = await page.evaluate(`(() => {
    const v = document.querySelector('#graph canvas').graphView, S = 12, t = v.transform
    let best = null
    for (let k = 0; k < v.m; k++) {
      const o = 2 * k * (S + 1), ax = v.arcs[o], ay = v.arcs[o + 1], bx = v.arcs[o + 2 * S], by = v.arcs[o + 2 * S + 1]
      if (Math.abs(bx - ax) > 600) continue
      const mx = v.arcs[o + S], my = v.arcs[o + S + 1], bend = Math.hypot(mx - (ax + bx) / 2, my - (ay + by) / 2) * t.k
      if (!best || bend > best.bend) best = { k, bend, arc: [t.applyX(mx), t.applyY(my)], chord: [t.applyX((ax + bx) / 2), t.applyY((ay + by) / 2)] }
    }
    const a = v.edges[2 * best.k], b = v.edges[2 * best.k + 1]
    best.along = v.pointAlong(b, a, 0.5).map((z, i) => i ? t.applyY(z) : t.applyX(z))
    v.setOverlay({ trail: { id: 'probe', pairs: Int32Array.of(b, a), count: 1, color: '#00ff00', width: 4, alpha: 1 } })
    return best })()`) as { bend: number; arc: [number, number]; chord: [number, number]; along: [number, number] }
  assert.ok(probe.bend > 12, `an arc that bends ${probe.bend.toFixed(1)} px on screen`)
  assert.ok(Math.hypot(probe.along[0] - probe.arc[0], probe.along[1] - probe.arc[1]) < 2, 'a copy halfway is at the arc\'s middle, not the chord\'s')
  await page.waitForTimeout(150)
  const green = (at: [number, number]) => page.evaluate(`(() => {
    const c = document.querySelector('#graph canvas'), d = devicePixelRatio, [x, y] = ${JSON.stringify(at)}
    const px = c.getContext('2d').getImageData(Math.round(x * d) - 3, Math.round(y * d) - 3, 7, 7).data
    let n = 0
    for (let i = 0; i < px.length; i += 4) if (px[i + 1] > 220 && px[i] < 80 && px[i + 2] < 80) n++
    return n })()`) as Promise<number>
  assert.ok(await green(probe.arc) > 0, 'the trail passes through the arc\'s middle')
  assert.is(await green(probe.chord), 0, 'and not through the straight chord\'s')
  await page.screenshot({ path: join(ART, 'instrument-map-trail.png') })
  assert.equal(errors, [])
  await page.close()
})

const Instrument = suite('explorer as an instrument, in Chromium')

if (!existsSync(CHROMIUM)) {
  for (const name of Object.keys(TESTS)) console.log(`SKIP viz-instrument: ${name} (no ${CHROMIUM})`)
} else {
  Instrument.before(async () => {
    await mkdir(ART, { recursive: true })
    root = await mkdtemp(join(tmpdir(), 'viz-instrument-'))
    run = await makeRun({ root, scenario: 'demo', runId: 'r1', nodes: 80, messages: 4, streamParts: 2, seed: 5 })
    await makeSweep(root, 'demo', 'sweep-r', { seeds: [1, 2, 3] })
    signed = await simulate(SIGNED, 'r1')
    churn = await simulate(CHURN, 'r1')
    app = buildApp({ resultsDir: root })
    base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1')
    browser = await launchChromium()
  })
  Instrument.after(async () => {
    await browser?.close()
    await app?.close()
    await rm(root, { recursive: true, force: true })
  })
  for (const [name, fn] of Object.entries(TESTS)) Instrument(name, fn)
}

Instrument.run()
