// Frames per second of the graph view in headless Chromium, at 1k and 5k nodes, while the layout
// settles, while a replay plays, and while the user pans and zooms. Counts requestAnimationFrame
// callbacks over a few seconds (the browser only runs them as fast as it can paint).
//
//   tsx viz/bench-fps.ts [--nodes 1000,5000] [--seconds 3]

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { makeRun } from '../test/fixtures/make-run.ts'
import { buildApp } from '../viz/app.ts'

const args = process.argv.slice(2)
const opt = (name: string, d: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : d)
const sizes = opt('--nodes', '1000,5000').split(',').map(Number)
const seconds = Number(opt('--seconds', '3'))

// A string, not a function: tsx would inject helpers the page does not have.
const COUNT_FRAMES = (s: number) => `new Promise((res) => { let c = 0; const t0 = performance.now(); const f = () => { c++; if (performance.now() - t0 < ${s * 1000}) requestAnimationFrame(f); else res(c / ${s}) }; requestAnimationFrame(f) })`
const fps = async (page: Page) => Math.round((await page.evaluate(COUNT_FRAMES(seconds))) as number)

const root = await mkdtemp(join(tmpdir(), 'viz-fps-'))
const app = buildApp({ resultsDir: root })
const base = await app.listen({ port: 0, host: '127.0.0.1' })
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
try {
  for (const n of sizes) {
    const run = await makeRun({ root, nodes: n, messages: 4 })
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
    await page.goto(`${base}/run.html?run=${encodeURIComponent(run.key)}`)
    await page.waitForFunction(`Number(document.querySelector('#graph canvas')?.dataset.nodeCount) === ${n}`, undefined, { timeout: 60000 })
    const settling = await fps(page)
    await page.waitForSelector('#graph[data-layout=settled]', { timeout: 120000 })
    const idle = await fps(page)
    // Pan and zoom: wheel and drag on empty-ish canvas while counting frames.
    const box = (await page.locator('#graph canvas').boundingBox())!
    const cx = box.x + 30, cy = box.y + box.height - 30
    const interact = (async () => {
      const end = Date.now() + seconds * 1000
      let dir = 1
      while (Date.now() < end) {
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
        await page.mouse.wheel(0, dir * 120)
        await page.mouse.move(cx, cy); await page.mouse.down(); await page.mouse.move(cx + 40 * dir, cy - 20 * dir, { steps: 4 }); await page.mouse.up()
        dir = -dir
      }
    })()
    const draws0 = await page.evaluate(`document.querySelector('#graph canvas').graphView.draws`) as number
    const interacting = await fps(page)
    await interact
    const draws = (await page.evaluate(`document.querySelector('#graph canvas').graphView.draws`) as number) - draws0
    await page.selectOption('#msg', '0')
    await page.waitForSelector('#replay[data-receivers]')
    // Start mid-spread, where most copies are in flight, and play at 0.1x real time.
    await page.$eval('#slider', (e) => { const s = e as HTMLInputElement; s.value = String(Number(s.max) * 0.35); s.dispatchEvent(new Event('input')) })
    await page.selectOption('#speed', '0.1')
    await page.click('#play')
    const replaying = await fps(page)
    const t = await page.$eval('#replay', (e) => Number((e as HTMLElement).dataset.t).toFixed(1))
    const drawMs = await page.$eval('#graph canvas', (c) => (c as HTMLCanvasElement & { graphView: { drawMs: number } }).graphView.drawMs.toFixed(1))
    console.log(`${n} nodes: layout settling ${settling} fps · idle ${idle} fps · pan/zoom ${interacting} fps (${draws} redraws) · replay ${replaying} fps (to t=${t} ms; draw call ${drawMs} ms)`)
    await page.close()
  }
} finally {
  await browser.close()
  await app.close()
  await rm(root, { recursive: true, force: true })
}
