// The run page's graph in headless Chromium, this version beside an earlier one (default: the explorer
// before the performance work of issue 17), alternating between them so machine load hits both alike.
// Per graph size and version it measures, and prints the median (and range) of --runs runs:
//   first picture  navigation start to the first frame with every node drawn
//   settled        navigation start to the layout reporting it has settled
//   layout         frames per second (and redraws per second) while the layout still moves
//   pan/zoom       the same while every frame pans or zooms (through d3-zoom, as the mouse does)
//   replay         the same while a message replay plays at 0.1x
// and the 1-minute load average while it ran. FPS counts requestAnimationFrame callbacks: the browser
// runs them only as fast as it paints. Redraws count pictures the graph actually drew.
//
//   npm run bench:viz-fps -- [--nodes 5000,20000] [--runs 3] [--seconds 3] [--baseline REV|none] [--settle-timeout 90]
// and the `viz` group of `npm run bench` (defaults; not with --quick).

import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os, { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { chromium, type Browser } from 'playwright-core'
import { PROJECT_ROOT } from '../sim/results/run-metadata.ts'
import { makeRun } from '../test/fixtures/make-run.ts'
import { buildApp } from '../viz/app.ts'

/** The explorer before the performance work (Web Worker warm-up, then 1.8 s before the first picture). */
const BEFORE = '204363d'

export interface VizFpsOptions { sizes: number[]; runs: number; seconds: number; baseline: string | 'none'; settleTimeoutS: number }
export const VIZ_FPS_DEFAULTS: VizFpsOptions = { sizes: [5000, 20000], runs: 3, seconds: 3, baseline: BEFORE, settleTimeoutS: 90 }
export interface VizFpsResult { options: VizFpsOptions; sizes: Array<{ nodes: number; sides: Array<{ name: string; samples: Sample[] }> }> }

export interface Sample { firstMs: number | null; settledMs: number | null; layout: Rate | null; panZoom: Rate; replay: Rate; load: number }
export interface Rate { fps: number; redraws: number }

// Strings, not functions: tsx would inject helpers the page does not have.
/** Installed before the page's own scripts: notes when every node is first drawn and when the layout settles. */
const WATCH = (n: number) => `window.__viz = { first: null, settled: null }; (function poll() {
  const c = document.querySelector('#graph canvas'), B = window.__viz
  if (B.first === null && c && Number(c.dataset.nodeCount) === ${n}) B.first = performance.now()
  if (B.settled === null && document.querySelector('#graph[data-layout=settled]')) B.settled = performance.now()
  if (B.first === null || B.settled === null) requestAnimationFrame(poll)
})()`
/** Frames and redraws over `ms` (or until `until` holds); `step(v, frame)` runs each frame first. */
const COUNT = (ms: number, step = '', until = 'false') => `new Promise((res) => {
  const v = document.querySelector('#graph canvas').graphView, sel = d3.select(v.canvas)
  let c = 0; const t0 = performance.now(), d0 = v.draws || 0
  const f = () => { c++; ${step}; const t = performance.now() - t0
    if (t < ${ms} && !(${until})) requestAnimationFrame(f); else res({ fps: c * 1000 / t, redraws: ((v.draws || 0) - d0) * 1000 / t, ms: t }) }
  requestAnimationFrame(f) })`
/** Zoom in and out around the centre on odd frames, pan along a circle on even ones. */
const PAN_ZOOM = `if (c % 2) sel.call(v.zoom.scaleBy, (c % 60) < 30 ? 1.04 : 1 / 1.04, [v.W / 2, v.H / 2]); else sel.call(v.zoom.translateBy, 8 * Math.cos(c / 9) / v.transform.k, 8 * Math.sin(c / 9) / v.transform.k)`

async function measure(browser: Browser, base: string, runKey: string, n: number, { seconds, settleTimeoutS }: VizFpsOptions): Promise<Sample> {
  const load = os.loadavg()[0]
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
  try {
    const page = await context.newPage()
    await page.addInitScript(WATCH(n))
    await page.goto(`${base}/run.html?run=${encodeURIComponent(runKey)}`)
    await page.waitForFunction('window.__viz.first !== null', undefined, { timeout: 120000 })
    const moving = await page.evaluate('window.__viz.settled === null')
    const layout = moving ? ((await page.evaluate(COUNT(seconds * 1000, '', 'window.__viz.settled !== null'))) as Rate & { ms: number }) : null
    await page.waitForFunction('window.__viz.settled !== null', undefined, { timeout: settleTimeoutS * 1000 }).catch(() => {})
    const { first, settled } = (await page.evaluate('window.__viz')) as { first: number; settled: number | null }
    const panZoom = (await page.evaluate(COUNT(seconds * 1000, PAN_ZOOM))) as Rate
    await page.selectOption('#msg', '0')
    await page.waitForSelector('#replay[data-receivers]')
    // Start mid-spread, where most copies are in flight, and play at 0.1x real time.
    await page.$eval('#slider', (e) => { const s = e as HTMLInputElement; s.value = String(Number(s.max) * 0.35); s.dispatchEvent(new Event('input')) })
    await page.selectOption('#speed', '0.1')
    await page.click('#play')
    const replay = (await page.evaluate(COUNT(seconds * 1000))) as Rate
    // A layout window shorter than a few frames says nothing about its frame rate.
    return { firstMs: first, settledMs: settled, layout: layout && layout.ms >= 250 ? layout : null, panZoom, replay, load: (load + os.loadavg()[0]) / 2 }
  } finally {
    await context.close()
  }
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }
/** "median (min–max)" of the samples that have a value; how many lacked one, if any. */
function cell(xs: Array<number | null>, digits: number, none: string): string {
  const v = xs.filter((x): x is number => x !== null)
  if (!v.length) return none
  const f = (x: number) => x.toFixed(digits)
  const range = v.length > 1 ? ` (${f(Math.min(...v))}–${f(Math.max(...v))})` : ''
  const missing = v.length < xs.length ? ` [${xs.length - v.length}× ${none}]` : ''
  return `${f(median(v))}${range}${missing}`
}

function table(n: number, bySide: Array<[string, Sample[]]>, { runs, settleTimeoutS }: VizFpsOptions): string {
  const rows: Array<[string, (s: Sample[]) => string]> = [
    ['first picture (s)', (s) => cell(s.map((x) => x.firstMs && x.firstMs / 1000), 2, '—')],
    ['settled (s)', (s) => cell(s.map((x) => x.settledMs && x.settledMs / 1000), 1, `>${settleTimeoutS}`)],
    ['layout moving (fps)', (s) => cell(s.map((x) => x.layout?.fps ?? null), 0, 'settled first')],
    ['  redraws/s', (s) => cell(s.map((x) => x.layout?.redraws ?? null), 0, 'settled first')],
    ['pan/zoom (fps)', (s) => cell(s.map((x) => x.panZoom.fps), 0, '—')],
    ['  redraws/s', (s) => cell(s.map((x) => x.panZoom.redraws), 0, '—')],
    ['replay (fps)', (s) => cell(s.map((x) => x.replay.fps), 0, '—')],
    ['  redraws/s', (s) => cell(s.map((x) => x.replay.redraws), 0, '—')],
    ['load average (1 min)', (s) => cell(s.map((x) => x.load), 1, '—')],
  ]
  const head = ['', ...bySide.map(([name]) => name)]
  const body = rows.map(([label, f]) => [label, ...bySide.map(([, s]) => f(s))])
  const w = head.map((_, c) => Math.max(...[head, ...body].map((r) => r[c].length)))
  const line = (r: string[]) => r.map((x, c) => x.padEnd(w[c])).join('  ')
  return [`${n.toLocaleString('en')} nodes, median (range) of ${runs} runs`, line(head), ...body.map(line)].join('\n')
}

/** Runs the comparison; `log` hears progress. */
export async function vizFpsBench(o: VizFpsOptions, log: (line: string) => void): Promise<VizFpsResult> {
  const { sizes, runs } = o
  const out: VizFpsResult = { options: o, sizes: [] }
  const root = await mkdtemp(join(tmpdir(), 'viz-fps-'))
  const sides: Array<{ name: string; publicDir?: string }> = [{ name: 'this version' }]
  if (o.baseline !== 'none') {
    // The earlier pages and scripts, served by this server (its API is a superset of theirs).
    const dir = join(root, 'baseline')
    execFileSync('sh', ['-c', `mkdir -p "${dir}" && git -C "${PROJECT_ROOT}" archive "$0" viz/public | tar -x -C "${dir}"`, o.baseline])
    const rev = execFileSync('git', ['-C', PROJECT_ROOT, 'rev-parse', '--short', o.baseline], { encoding: 'utf8' }).trim()
    sides.unshift({ name: `before (${rev})`, publicDir: join(dir, 'viz/public') })
  }
  const apps = sides.map((s) => buildApp({ resultsDir: root, publicDir: s.publicDir }))
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  try {
    const bases = await Promise.all(apps.map((a) => a.listen({ port: 0, host: '127.0.0.1' })))
    log(`viz FPS: ${os.cpus().length} cores, ${sides.map((s) => s.name).join(' vs ')}, alternating; ${o.seconds} s per measurement`)
    for (const n of sizes) {
      const run = await makeRun({ root, nodes: n, messages: 4 })
      const samples: Sample[][] = sides.map(() => [])
      for (let r = 0; r < runs; r++) {
        // Alternate which goes first, so neither always meets a warmer or a busier machine.
        const order = sides.map((_, i) => i)
        if (r % 2) order.reverse()
        for (const i of order) samples[i].push(await measure(browser, bases[i], run.key, n, o))
        log(`  ${n} nodes: run ${r + 1}/${runs} done`)
      }
      out.sizes.push({ nodes: n, sides: sides.map((s, i) => ({ name: s.name, samples: samples[i] })) })
    }
    return out
  } finally {
    await browser.close()
    await Promise.all(apps.map((a) => a.close()))
    await rm(root, { recursive: true, force: true })
  }
}

export const formatVizFps = (r: VizFpsResult) => r.sizes.map((s) => table(s.nodes, s.sides.map((x) => [x.name, x.samples]), r.options)).join('\n\n')

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values: opt } = parseArgs({
    options: {
      nodes: { type: 'string', default: VIZ_FPS_DEFAULTS.sizes.join(',') },
      runs: { type: 'string', default: String(VIZ_FPS_DEFAULTS.runs) },
      seconds: { type: 'string', default: String(VIZ_FPS_DEFAULTS.seconds) },
      baseline: { type: 'string', default: BEFORE },
      'settle-timeout': { type: 'string', default: String(VIZ_FPS_DEFAULTS.settleTimeoutS) },
    },
  })
  const o: VizFpsOptions = { sizes: opt.nodes.split(',').map(Number), runs: Number(opt.runs), seconds: Number(opt.seconds), baseline: opt.baseline, settleTimeoutS: Number(opt['settle-timeout']) }
  if (!o.sizes.every((n) => Number.isInteger(n) && n > 0) || !(o.runs >= 1) || !(o.seconds > 0) || !(o.settleTimeoutS > 0)) {
    console.error('usage: tsx bench/viz-fps.ts [--nodes 5000,20000] [--runs 3] [--seconds 3] [--baseline REV|none] [--settle-timeout 90]')
    process.exit(2)
  }
  console.log(formatVizFps(await vizFpsBench(o, (line) => console.error(line))))
}
