// `npm run screenshots`: the README's pictures of every explorer view (docs/explorer/*.jpg), taken
// in headless Chromium from small real simulator runs: a signed run with forgers, a churning run,
// the quick start, a replicated sweep, a design comparison, a live run and a browser node joined
// to a live tracker. Not part of `npm test`: it rewrites committed files. Chromium draws each page
// straight at 1000 px wide (a device scale below 1) and writes the JPEG itself. About a minute.
//
//   npm run screenshots [-- --out DIR]     (default docs/explorer)

import { CHURN_RUN as CHURN, SIGNED_RUN as SIGNED } from '../test/helpers/explorer-scenarios.ts'
import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { parseScenario } from '../sim/scenario/load.ts'
import { runScenario } from '../sim/runner.ts'
import { writeRun } from '../sim/results/write-run.ts'
import { buildApp } from '../viz/app.ts'
import { writeReport } from '../viz/report.ts'
import { liveViewHooks } from '../cli/live-view.ts'
import { launchChromium, openPage } from '../test/helpers/chromium.ts'
import { loadWebRtcModules } from '../test/helpers/live.ts'

const ROOT = join(import.meta.dirname, '..')
const outArg = process.argv.indexOf('--out')
const OUT = outArg > 0 ? process.argv[outArg + 1] : join(ROOT, 'docs', 'explorer')
/** Pages are laid out 1440 px wide and drawn 1000 px wide, as JPEG of this quality: readable, about 100 KB each. */
const VIEW_WIDTH = 1440
const WIDTH = 1000
const QUALITY = 70

const SWEEP = `
name: degree
protocol: brubeck
seed: 1
nodes: 200
topology: { builder: static, degree: 4 }
network: { latency: { model: geo } }
workload: { messagesPerPublisher: 20, ratePerSecond: 10, warmupS: 2 }
sweep:
  nodes: [100, 300]
  topology.degree: [3, 4, 6, 8]
`
const COMPARE = `
name: designs
protocol: brubeck
seed: 3
nodes: 120
topology: { degree: 4 }
network: { latency: { model: geo } }
churn: { initialNodes: 80, arrivalRatePerS: 10, events: [{ type: massFailure, atS: 6, fraction: 0.2 }] }
workload: { messagesPerPublisher: 40, ratePerSecond: 10, warmupS: 2 }
durationS: 10
`

const root = await mkdtemp(join(tmpdir(), 'explorer-screenshots-'))
await mkdir(OUT, { recursive: true })

async function simulate(yaml: string, runId: string): Promise<string> {
  const scenario = parseScenario(yaml, `${runId}.yaml`, { set: [] })
  const { simulation, summary } = await runScenario(scenario)
  await writeRun(join(root, 'results', scenario.name, runId), simulation, summary)
  return `${scenario.name}/${runId}`
}

/** `npm run sim -- ...args`, for the commands (sweep, compare) that write their own folders. */
function sim(...args: string[]): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/sim.ts', ...args], { cwd: ROOT, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`sim ${args.join(' ')} failed: ${r.stderr}`)
}

console.log('running the scenarios…')
const signed = await simulate(SIGNED, 'r1')
const churn = await simulate(CHURN, 'r1')
const quick = await simulate(await readFile(join(ROOT, 'scenarios', 'quickstart.yaml'), 'utf8'), 'r1')
const sweepYaml = join(root, 'sweep.yaml'), compareYaml = join(root, 'compare.yaml')
await writeFile(sweepYaml, SWEEP)
await writeFile(compareYaml, COMPARE)
sim('sweep', sweepYaml, '--seeds', '3', '--out', join(root, 'results', 'degree', 'sweep-1'), '--quiet')
sim('compare', compareYaml, '--designs', 'static,tracker', '--seeds', '2', '--out', join(root, 'results', 'designs', 'compare-1'), '--quiet')

const app = buildApp({ resultsDir: join(root, 'results') })
const base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1')
const browser = await launchChromium()
const run = (key: string, extra = '') => `${base}/run.html?run=${key}${extra}`
const ready = (page: Page) => page.waitForSelector('body[data-ready=true]', { timeout: 60000 })
const settled = (page: Page) => page.waitForFunction(`document.querySelector('#graph').dataset.layout === 'settled'`, undefined, { timeout: 60000 })
const taken: string[] = []

/** Opens `url`, lets `prepare` bring the view up, and saves a PNG of the page (or of `selector`). */
async function shot(name: string, url: string, prepare: (page: Page) => Promise<void>, opts: { selector?: string; height?: number; dark?: boolean; b?: Browser } = {}): Promise<void> {
  const { page, errors } = await openPage(opts.b ?? browser, url, { width: VIEW_WIDTH, height: opts.height ?? 1000 }, WIDTH / VIEW_WIDTH)
  if (opts.dark) await page.emulateMedia({ colorScheme: 'dark' })
  await prepare(page)
  await page.waitForTimeout(400)
  const path = join(OUT, `${name}.jpg`)
  if (opts.selector) await (await page.$(opts.selector))!.screenshot({ path, type: 'jpeg', quality: QUALITY })
  else await page.screenshot({ path, type: 'jpeg', quality: QUALITY })
  if (errors.length) console.warn(`${name}: ${errors.join('; ')}`)
  await page.close()
  taken.push(name)
  console.log(`  ${name}`)
}

console.log('taking the screenshots…')
try {
  await shot('runs', `${base}/`, async (p) => {
    await ready(p)
    for (const k of [signed, churn]) await p.check(`input[type=checkbox][data-key="${k}"]`)
  }, { height: 900 })
  // Run pages are taller than the window, so the graph's time slider and replay bar show.
  const RUN = { height: 1200 }
  await shot('run-roles', run(signed, '&color=role'), async (p) => { await ready(p); await settled(p) }, RUN)
  await shot('churn-time', run(churn, '&at=14000'), async (p) => { await ready(p); await settled(p) }, RUN)
  await shot('map', run(signed, '&layout=map&msg=0&t=400'), async (p) => { await ready(p); await p.waitForSelector('#replay[data-receivers]') }, RUN)
  await shot('replay', run(quick, '&msg=0&t=180'), async (p) => { await ready(p); await settled(p); await p.waitForSelector('#replay[data-receivers]') }, RUN)
  await shot('charts', run(churn), async (p) => {
    await p.waitForSelector('figure.chart[data-chart=overlay-over-time]')
    await p.click('figure.chart[data-chart=latency-histogram] button[data-export=table]')
  }, { selector: '#charts' })
  await shot('sweep', `${base}/sweep.html?sweep=degree/sweep-1`, async (p) => { await ready(p) }, { height: 1100 })
  await shot('compare', `${base}/compare.html?run=${quick}&run=${signed}&run=${churn}`, async (p) => { await ready(p) }, { height: 1500 })
  await shot('compare-designs', `${base}/compare.html?compare=designs/compare-1`, async (p) => { await ready(p) }, { height: 1500 })
  await shot('dark', run(churn, '&at=14000&color=role'), async (p) => { await ready(p); await settled(p) }, { ...RUN, dark: true })
  const report = await writeReport(join(root, 'results', signed))
  await shot('report', `file://${report}`, (p) => p.waitForSelector('body[data-charts]').then(() => undefined), { height: 1400 })

  // Live: the quick start streamed as it runs, at the page's default pace.
  const live = await liveViewHooks(0)
  const running = runScenario(parseScenario(await readFile(join(ROOT, 'scenarios', 'quickstart.yaml'), 'utf8'), 'quickstart.yaml', { set: [] }), live.hooks)
  await shot('live', live.url, async (p) => { await p.waitForFunction('Number(document.body.dataset.ticks) > 20', undefined, { timeout: 60000 }); await p.waitForTimeout(3000) })
  await running
  await live.close()

  await nodePage()
} finally {
  await browser.close()
  await app.close()
}

/** The browser node joined to a live tracker, linked to a Node node over WebRTC, messages both ways. */
async function nodePage(): Promise<void> {
  const { modules, skipReason } = await loadWebRtcModules()
  if (!modules) { console.warn(`node page skipped: ${skipReason}`); return }
  const tracker = await modules.liveTracker.LiveTracker.start({ id: 't0', seed: 1 })
  const node = new modules.liveNode.LiveNode({ id: 'n-node', seed: 1, trackers: [{ id: 't0', url: tracker.url }], webrtc: { bindAddress: '127.0.0.1' } })
  node.join('demo#0')
  // Chromium offers no loopback ICE candidate unless told to (see test/live-browser.test.ts).
  const { chromium } = await import('playwright-core')
  const { CHROMIUM, CHROMIUM_ARGS } = await import('../test/helpers/chromium.ts')
  const b = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'] })
  try {
    await shot('node', `${base}/node.html?tracker=${encodeURIComponent(tracker.url)}`, async (p) => {
      await ready(p)
      await p.fill('#node-id', 'n-browser')
      await p.click('#join')
      await p.waitForSelector('#neighbours tr[data-peer="n-node"]', { timeout: 30000 })
      for (let i = 0; i < 3; i++) {
        node.publish('demo', 0, new TextEncoder().encode(`hello from the Node node, #${i}`))
        await p.fill('#text', `hello from the browser, #${i}`)
        await p.click('#publish')
      }
      await p.waitForFunction(`document.querySelectorAll('#messages tr[data-from="n-node"]').length >= 3`)
    }, { b })
  } finally {
    await b.close()
    await node.stop()
    await tracker.stop()
    modules.rtc.shutdownWebRtc()
  }
}

let total = 0
for (const name of taken) {
  const size = (await stat(join(OUT, `${name}.jpg`))).size
  total += size
  console.log(`${join(OUT, name)}.jpg: ${(size / 1024).toFixed(0)} KB`)
}
console.log(`${taken.length} pictures, ${(total / 1024).toFixed(0)} KB in all`)
await rm(root, { recursive: true, force: true })
