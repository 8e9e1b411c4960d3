// time-limit: 240 s
// The compare view (issue 17) in real Chromium: runs ticked in the run list side by side (metrics
// with the samples behind each percentile and differences from a baseline, CDFs overlaid, small
// overlays, a permalink), and a `sim compare` folder with differences and one overlay per design.
// Screenshots go to test/.artifacts/. Without /usr/bin/chromium each test prints one SKIP line.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../viz/app.ts'
import { ARTIFACTS as ART, CHROMIUM, launchChromium, openPage } from './helpers/chromium.ts'
import { makeRun, type FixtureRun } from './fixtures/make-run.ts'
import { sim } from './helpers/sim-cli.ts'

const TESTS: Record<string, () => Promise<void>> = {}
const def = (name: string, fn: () => Promise<void>) => { TESTS[name] = fn }

let root = ''
let app: FastifyInstance
let base = ''
let browser: Browser
let a: FixtureRun, b: FixtureRun, c: FixtureRun
const summaryOf = async (r: FixtureRun) => JSON.parse(await readFile(join(r.dir, 'summary.json'), 'utf8'))
const cellOf = (metric: string, col: number) => `#designs tr[data-metric="${metric}"] td:nth-child(${col + 2}) [data-value]`

def('tick runs in the run list and see them side by side, with differences, sample counts, CDFs and overlays', async () => {
  const { page, errors } = await openPage(browser, `${base}/`)
  await page.waitForSelector('body[data-ready=true]')
  assert.ok(await page.$eval('#compare-picked', (x) => (x as HTMLButtonElement).disabled), 'nothing to compare yet')
  await page.check(`input[type=checkbox][data-key="${a.key}"]`)
  await page.check(`input[type=checkbox][data-key="${b.key}"]`)
  await page.check(`input[type=checkbox][data-key="${c.key}"]`)
  await Promise.all([page.waitForURL(/compare\.html/), page.click('#compare-picked')])
  await page.waitForSelector('body[data-ready=true]')
  const url = page.url()
  assert.ok(url.includes(`run=${a.key}&run=${b.key}&run=${c.key}`), url)
  // Metrics: a column per run, the values of summary.json, n behind each percentile, differences from the first.
  const heads = await page.$$eval('#designs thead th[data-run]', (t) => t.map((x) => (x as HTMLElement).dataset.run))
  assert.equal(heads, [a.key, b.key, c.key])
  const [sa, sb] = [await summaryOf(a), await summaryOf(b)]
  const value = (m: string, col: number) => page.$eval(cellOf(m, col), (x) => Number((x as HTMLElement).dataset.value))
  assert.is(await value('latencyMs.p50', 0), sa.latencyMs.p50)
  assert.is(await value('latencyMs.p50', 1), sb.latencyMs.p50)
  const cell = await page.textContent(cellOf('latencyMs.p99', 1)) ?? ''
  assert.ok(cell.includes(`n=${sb.latencyMs.count.toLocaleString('en-US')}`), cell)
  const diff = (sb.latencyMs.p99 - sa.latencyMs.p99).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' })
  assert.ok(cell.includes(diff), `${cell} has the difference ${diff}`)
  assert.ok((await page.textContent(cellOf('deliveryRatio', 0)))!.trim().length > 0)
  // The CDFs overlaid, one curve per run, its legend naming the samples behind it.
  const cdf = 'figure.chart[data-chart=latency-cdf]'
  assert.is(await page.$$eval(`${cdf} path.series`, (p) => p.length), 3)
  assert.match(await page.textContent(`${cdf} .chart-legend`) ?? '', new RegExp(`${a.key} \\(n=${sa.latencyMs.count.toLocaleString('en-US')}\\)`))
  // Each run's overlay, drawn small.
  const thumbs = await page.$$eval('#overlays .thumb', (t) => t.map((x) => [(x as HTMLElement).dataset.run, Number((x as HTMLElement).dataset.nodes)]))
  assert.equal(thumbs, [[a.key, 80], [b.key, 80], [c.key, 60]])
  await page.screenshot({ path: join(ART, 'compare-runs.png'), fullPage: true })
  // Another baseline: the URL changes and the differences follow.
  await Promise.all([page.waitForURL(new RegExp(`run=${b.key}&run=${a.key}&run=${c.key}`)), page.click(`#designs th[data-run="${b.key}"] button:has-text("make baseline")`)])
  await page.waitForSelector('body[data-ready=true]')
  const back = (sa.latencyMs.p99 - sb.latencyMs.p99).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' })
  assert.ok((await page.textContent(cellOf('latencyMs.p99', 1)) ?? '').includes(back))
  assert.equal(errors, [])
  await page.close()
})

def('the permalink of a comparison opens it again; bad run lists get a clear error', async () => {
  const { page, errors } = await openPage(browser, `${base}/compare.html?run=${c.key}&run=${a.key}`)
  await page.waitForSelector('body[data-ready=true]')
  assert.equal(await page.$$eval('#designs thead th[data-run]', (t) => t.map((x) => (x as HTMLElement).dataset.run)), [c.key, a.key])
  assert.equal(errors, [])
  await page.close()
  const one = await (await fetch(`${base}/api/compare-runs?run=${a.key}`)).json()
  assert.match(one.error, /at least two runs/)
  const outside = await fetch(`${base}/api/compare-runs?run=${a.key}&run=fixture/..`)
  assert.is(outside.status, 400)
  const gone = await fetch(`${base}/api/compare-runs?run=${a.key}&run=fixture/nope`)
  assert.is(gone.status, 404)
})

def('a sim compare folder: differences from the first design, pooled samples and an overlay per design', async () => {
  const { page, errors } = await openPage(browser, `${base}/compare.html?compare=tiny/compare-t`)
  await page.waitForSelector('body[data-ready=true]')
  const cmp = JSON.parse(await readFile(join(root, 'tiny', 'compare-t', 'compare.json'), 'utf8'))
  const [d0, d1] = cmp.designs
  const row = await page.textContent('#designs tr[data-metric="latencyMs.p50"]') ?? ''
  const diff = (d1.stats['latencyMs.p50'].mean - d0.stats['latencyMs.p50'].mean).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' })
  assert.ok(row.includes(`${diff}`) && row.includes(`vs ${d0.design}`), row)
  assert.match(await page.textContent('#designs') ?? '', new RegExp(`latency samples \\(pooled\\)${d0.latencyCdf.samples.toLocaleString('en-US')}`))
  const thumbs = await page.$$eval('#overlays .thumb', (t) => t.map((x) => (x as HTMLElement).dataset.run))
  assert.equal(thumbs, [`tiny/compare-t/${d0.runs[0].runDir}`, `tiny/compare-t/${d1.runs[0].runDir}`])
  assert.ok(await page.$$eval('#overlays canvas', (cs) => cs.every((x) => Number((x as HTMLElement).dataset.nodeCount) > 0)))
  await page.screenshot({ path: join(ART, 'compare-designs.png'), fullPage: true })
  assert.equal(errors, [])
  await page.close()
})

const Compare = suite('explorer compare view, in Chromium')

if (!existsSync(CHROMIUM)) {
  for (const name of Object.keys(TESTS)) console.log(`SKIP viz-compare: ${name} (no ${CHROMIUM})`)
} else {
  Compare.before(async () => {
    await mkdir(ART, { recursive: true })
    root = await mkdtemp(join(tmpdir(), 'viz-compare-'))
    a = await makeRun({ root, runId: 'a', nodes: 80, messages: 6, seed: 1 })
    b = await makeRun({ root, runId: 'b', nodes: 80, messages: 6, seed: 2, lossRate: 0.05 })
    c = await makeRun({ root, runId: 'c', nodes: 60, messages: 6, seed: 3, geo: false })
    const yaml = join(root, 'tiny.yaml')
    writeFileSync(yaml, 'name: tiny\nprotocol: brubeck\nseed: 3\nnodes: 40\ntopology: { degree: 4 }\nworkload: { messagesPerPublisher: 20, ratePerSecond: 10, warmupS: 2 }\ndurationS: 6\n')
    const r = sim('compare', yaml, '--designs', 'static,tracker', '--seeds', '1', '--jobs', '1', '--out', join(root, 'tiny', 'compare-t'), '--quiet')
    if (r.code !== 0) throw new Error(`sim compare failed: ${r.err}`)
    app = buildApp({ resultsDir: root })
    base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1')
    browser = await launchChromium()
  })
  Compare.after(async () => {
    await browser?.close()
    await app?.close()
    await rm(root, { recursive: true, force: true })
  })
  for (const [name, fn] of Object.entries(TESTS)) Compare(name, fn)
}

Compare.run()
