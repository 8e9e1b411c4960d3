// The explorer's JSON API and static routes, driven through app.inject() (no port, no browser).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../viz/app.ts'
import { parseVizArgs as parseArgs } from '../cli/viz.ts'
import { makeRun, makeSweep, type FixtureRun } from './fixtures/make-run.ts'

let root = ''
let outside = ''
let app: FastifyInstance
let run: FixtureRun
let bare: FixtureRun

const get = async (url: string) => {
  const r = await app.inject({ method: 'GET', url })
  return { status: r.statusCode, body: r.body, json: () => JSON.parse(r.body), type: String(r.headers['content-type'] ?? '') }
}
const runUrl = (key: string, resource: string) => `/api/runs/${key.split('/').map(encodeURIComponent).join('/')}/${resource}`

const App = suite('explorer app')

App.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'viz-api-'))
  outside = await mkdtemp(join(tmpdir(), 'viz-outside-'))
  run = await makeRun({ root, scenario: 'demo', runId: 'r1', nodes: 40, messages: 6, streamParts: 2, seed: 3 })
  bare = await makeRun({ root, scenario: 'demo', runId: 'no-deliveries', nodes: 12, messages: 2, deliveries: false, geo: false })
  await makeSweep(root, 'demo', 'sweep-a')
  await writeFile(join(outside, 'summary.json'), '{"secret":true}')
  await symlink(outside, join(root, 'demo', 'escape'))
  await mkdir(join(root, 'demo', '.hidden'), { recursive: true })
  await writeFile(join(root, 'demo', '.hidden', 'summary.json'), '{}')
  app = buildApp({ resultsDir: root })
})

App.after(async () => {
  await app.close()
  await rm(root, { recursive: true, force: true })
  await rm(outside, { recursive: true, force: true })
})

App('lists runs with headline metrics at GET /api/runs, sweeps apart', async () => {
  const r = await get('/api/runs')
  assert.is(r.status, 200)
  const { runs, sweeps } = r.json()
  const keys = runs.map((x: { key: string }) => x.key).sort()
  assert.ok(keys.includes('demo/r1'), keys.join())
  assert.ok(keys.includes('demo/no-deliveries'))
  assert.not.ok(keys.some((k: string) => k.includes('sweep-a')), 'sweep dirs are not runs')
  const r1 = runs.find((x: { key: string }) => x.key === 'demo/r1')
  assert.is(r1.seed, 3)
  assert.is(r1.nodes, 40)
  assert.is(r1.deliveryRatio, 1)
  assert.type(r1.latencyP50Ms, 'number')
  assert.type(r1.latencyP99Ms, 'number')
  assert.type(r1.duplicatesPerDelivery, 'number')
  assert.ok(r1.startedAt)
  assert.is(r1.hasDeliveries, true)
  assert.is(runs.find((x: { key: string }) => x.key === 'demo/no-deliveries').hasDeliveries, false)
  assert.equal(sweeps.map((s: { key: string }) => s.key), ['demo/sweep-a'])
  assert.equal(sweeps[0].parameters, ['topology.degree', 'nodes'])
})

App('serves the summary, topology, timeseries and scenario of a run', async () => {
  const s = await get(runUrl(run.key, 'summary'))
  assert.is(s.status, 200)
  assert.is(s.json().scenario, 'demo')
  assert.is(s.json().seed, 3)
  const t = await get(runUrl(run.key, 'topology'))
  assert.is(t.status, 200)
  const topo = t.json()
  assert.equal(Object.keys(topo.streamParts).sort(), Object.keys(run.topology.streamParts).sort())
  for (const [sp, g] of Object.entries(run.topology.streamParts)) assert.is(topo.streamParts[sp].nodes.length, g.nodes.length)
  const ts = await get(runUrl(run.key, 'timeseries'))
  assert.is(ts.status, 200)
  const cols = ts.json().columns
  assert.ok(cols.tStartS.length > 0)
  assert.is(cols.nodesUp[0], 40)
  assert.is(ts.json().meta.seed, '3')
  const y = await get(runUrl(run.key, 'scenario'))
  assert.is(y.status, 200)
  assert.match(y.body, /degree: 4/)
})

App('tells which files a run has in its info', async () => {
  const a = (await get(runUrl(run.key, 'info'))).json()
  assert.is(a.files['deliveries.csv'], true)
  assert.is(a.files['topology.json'], true)
  const b = (await get(runUrl(bare.key, 'info'))).json()
  assert.is(b.files['deliveries.csv'], false)
  assert.is(b.files['summary.json'], true)
})

App('serves messages and per-message deliveries that agree with the fixture', async () => {
  const m = await get(runUrl(run.key, 'messages'))
  assert.is(m.status, 200)
  const list = m.json().messages
  assert.is(list.length, run.messages.length)
  for (const want of run.messages) {
    const got = list.find((x: { id: string }) => x.id === want.id)
    assert.ok(got, want.id)
    assert.is(got.publisher, want.publisher)
    assert.is(got.publishedAtMs, want.publishedAtMs)
    assert.is(got.receivers, want.receivers)
    assert.is(got.streamPart, want.streamPart)
    const d = await get(`${runUrl(run.key, 'deliveries')}?messageId=${encodeURIComponent(want.id)}`)
    assert.is(d.status, 200)
    const receipts = d.json().receipts
    assert.is(receipts.length, want.rows)
    assert.is(new Set(receipts.filter((r: { duplicate: boolean }) => !r.duplicate).map((r: { node: string }) => r.node)).size, want.receivers)
  }
  const page = await get(`${runUrl(run.key, 'messages')}?limit=2&offset=1`)
  assert.is(page.json().messages.length, 2)
  assert.is(page.json().messages[0].id, list[1].id)
})

App('serves node stats and chart data', async () => {
  const n = await get(runUrl(run.key, 'nodes'))
  assert.is(n.status, 200)
  const nodes = n.json().nodes
  const total = nodes.reduce((a: number, x: { firstReceipts: number }) => a + x.firstReceipts, 0)
  assert.is(total, run.messages.reduce((a, m) => a + m.receivers, 0))
  const one = await get(`${runUrl(run.key, 'nodes')}?id=n1`)
  assert.is(one.status, 200)
  assert.is(one.json().node, 'n1')
  const c = await get(runUrl(run.key, 'charts'))
  assert.is(c.status, 200)
  const cd = c.json()
  assert.is(cd.latency.source, 'deliveries')
  assert.is(cd.latency.samples, total)
  assert.is(cd.latency.histogram.reduce((a: number, b: { count: number }) => a + b.count, 0), total)
  assert.is(cd.latency.cdf[cd.latency.cdf.length - 1][1], 1)
  assert.ok(cd.duplicates.points.length > 0)
})

App('answers 404 for the deliveries of a run without deliveries.csv, and charts its latency from the summary', async () => {
  for (const res of ['messages', 'nodes', 'deliveries?messageId=x']) {
    const r = await get(runUrl(bare.key, res))
    assert.is(r.status, 404, res)
    assert.match(r.json().error, /deliveries/)
  }
  const c = await get(runUrl(bare.key, 'charts'))
  assert.is(c.status, 200)
  assert.is(c.json().latency.source, 'summary')
  assert.is(c.json().latency.histogram.length, 0)
})

App('answers bad requests with a 4xx JSON error', async () => {
  const cases: Array<[string, number]> = [
    ['/api/runs/demo/nope/summary', 404],
    ['/api/runs/nope/r1/summary', 404],
    [runUrl('demo/r1', 'bogus'), 404],
    [runUrl('demo/r1', 'deliveries'), 400],
    [`${runUrl('demo/r1', 'deliveries')}?messageId=nope`, 404],
    [`${runUrl('demo/r1', 'messages')}?limit=-3`, 400],
    [`${runUrl('demo/r1', 'messages')}?offset=abc`, 400],
    ['/api/runs/demo/summary', 400],
    ['/api/runs/a/b/c/d/summary', 400],
    ['/api/sweeps/demo', 400],
    ['/api/sweeps/demo/nope', 404],
    ['/api/nothing', 404],
    ['/nope.html', 404],
    ['/static/app.ts', 404],
  ]
  for (const [url, status] of cases) {
    const r = await get(url)
    assert.is(r.status, status, url)
    assert.type(r.json().error, 'string', url)
  }
})

App('never leaves the results directory on path traversal', async () => {
  const attempts = [
    '/api/runs/demo/../../etc/summary',
    '/api/runs/demo/%2e%2e/summary',
    '/api/runs/%2e%2e/%2e%2e/summary',
    '/api/runs/..%2f..%2f..%2fetc/passwd/summary',
    '/api/runs/demo/..%2f..%2f/summary',
    '/api/runs/demo/%2fetc/summary',
    '/api/runs/demo/escape/summary',
    '/api/runs/demo/.hidden/summary',
    '/api/runs/demo/r1%00/summary',
    '/api/sweeps/..%2f../x',
    '/static/..%2fapp.ts',
    '/static/%2e%2e%2fapp.ts',
  ]
  for (const url of attempts) {
    const r = await get(url)
    assert.ok(r.status >= 400 && r.status < 500, `${url} -> ${r.status}`)
    assert.not.match(r.body, /secret|root:/, url)
    assert.type(r.json().error, 'string', url)
  }
})

App('serves sweeps: points with metrics and links to their runs', async () => {
  const r = await get('/api/sweeps/demo/sweep-a')
  assert.is(r.status, 200)
  const s = r.json()
  assert.equal(s.parameters, ['topology.degree', 'nodes'])
  assert.ok(s.metrics.includes('latencyP99Ms'))
  assert.is(s.points.length, 9)
  for (const p of s.points) {
    assert.ok(p.runKey, JSON.stringify(p))
    assert.type(p.values.deliveryRatio, 'number')
    const sum = await get(runUrl(p.runKey, 'summary'))
    assert.is(sum.status, 200, p.runKey)
  }
  assert.is((await get('/api/sweeps')).json().sweeps.length, 1)
})

App('serves pages, scripts and d3 locally', async () => {
  for (const [url, type] of [['/', 'text/html'], ['/run.html', 'text/html'], ['/sweep.html', 'text/html'], ['/live.html', 'text/html'], ['/static/graph.js', 'javascript'], ['/static/style.css', 'text/css'], ['/vendor/d3.min.js', 'javascript']]) {
    const r = await get(url)
    assert.is(r.status, 200, url)
    assert.ok(r.type.includes(type), `${url}: ${r.type}`)
    assert.not.match(r.body, /https?:\/\/(?!d3js\.org|github\.com)[^\s"')]+\.(js|css)/, `${url} loads nothing remote`)
  }
  assert.equal((await get('/api/live/status')).json(), { live: false })
})

const Args = suite('parseVizArgs')

Args('parses port, host and results folder, and refuses bad arguments', () => {
  const a = parseArgs(['some/dir', '--port', '0', '--host', '127.0.0.1'])
  assert.is(a.port, 0)
  assert.ok(a.resultsDir.endsWith('some/dir'))
  assert.is(parseArgs([]).port, 7600)
  assert.throws(() => parseArgs(['--port', 'x']))
  assert.throws(() => parseArgs(['--bogus']))
})

App('answers other methods than GET with 405 and an Allow header', async () => {
  for (const [method, url] of [['POST', '/api/runs'], ['PUT', runUrl(run.key, 'summary')], ['DELETE', '/run.html'], ['POST', '/api/nope']] as const) {
    const r = await app.inject({ method, url })
    assert.is(r.statusCode, 405, `${method} ${url}`)
    assert.is(r.headers.allow, 'GET, HEAD')
    assert.match(JSON.parse(r.body).error, /not allowed/)
  }
})

App('takes an encoded slash in a run name as part of the name, not as a separator', async () => {
  // demo/sweep-a/<point> is a run; demo/<"sweep-a/<point>"> is a name no run can have.
  const point = (await get('/api/sweeps/demo/sweep-a')).json().points[0].runKey as string
  assert.is((await get(runUrl(point, 'summary'))).status, 200)
  const [scenario, sweep, p] = point.split('/')
  const r = await get(`/api/runs/${scenario}/${encodeURIComponent(`${sweep}/${p}`)}/summary`)
  assert.is(r.status, 400)
  assert.match(r.json().error, /bad path segment/)
  assert.is((await get(`/api/sweeps/${scenario}%2F${sweep}`)).status, 400)
})

App.run()
Args.run()
