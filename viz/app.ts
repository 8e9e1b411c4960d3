// The explorer as a Fastify instance: static pages from viz/public, d3 from node_modules and a JSON
// API over a results directory. No listen() here, so tests drive it with app.inject().

import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { readFile, stat } from 'node:fs/promises'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { browserNodeBundle } from './browser-bundle.ts'
import { chartData } from './data/charts.ts'
import { deliveryIndex } from './data/deliveries.ts'
import { HttpError, resolveUnder } from './data/paths.ts'
import { listRuns, readSummary, readSweep, readTimeseries, readTopology, readTopologyText } from './data/runs.ts'
import { listCompares, readCompare } from './data/compares.ts'
import { compareRuns } from './data/run-compare.ts'
import { staticLayout } from './data/static-layout.ts'

export interface AppOptions {
  /** Directory holding `<scenario>/<run>/` folders. */
  resultsDir: string
  logger?: boolean
  /** Set by the live server: what /api/live/status reports (absent: not live). */
  liveStatus?: () => Record<string, unknown>
  /** Serve pages and scripts from here instead of viz/public (the FPS bench serves an older copy beside this one). */
  publicDir?: string
}

export const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'public')
export const D3_PATH = join(dirname(fileURLToPath(import.meta.resolve('d3'))), 'd3.min.js')

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' }
const PAGES = new Set(['index.html', 'run.html', 'sweep.html', 'compare.html', 'live.html', 'node.html'])
const STATIC_FILE = /^[a-z0-9][a-z0-9-]*\.(js|css|svg)$/

/** `stream#0/publisher/chain/ts/seq` -> `stream#0` (see formatMessageId in core/message.ts). */
export function streamPartOf(messageId: string): string | null {
  return /^(.+?#\d+)\//.exec(messageId)?.[1] ?? null
}

async function sendFile(reply: FastifyReply, path: string): Promise<FastifyReply> {
  let body: Buffer
  try { body = await readFile(path) } catch { throw new HttpError(404, 'no such file') }
  return reply.type(TYPES[extname(path)] ?? 'application/octet-stream').header('cache-control', 'no-cache').send(body)
}

const RESOURCES = new Set(['info', 'summary', 'topology', 'timeseries', 'messages', 'deliveries', 'charts', 'nodes', 'scenario', 'layout'])

/** Where the explorer listens unless told otherwise (`npm run viz`, `run --viz`). */
export const DEFAULT_EXPLORER_PORT = 7600

export function buildApp(opts: AppOptions): FastifyInstance {
  const app = Fastify({ logger: opts.logger ?? false, routerOptions: { maxParamLength: 1000 } })
  const root = opts.resultsDir
  const publicDir = opts.publicDir ?? PUBLIC_DIR

  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err instanceof HttpError ? err.statusCode : err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    if (status >= 500) app.log.error(err)
    reply.code(status).send({ error: err.message, statusCode: status })
  })
  app.setNotFoundHandler((req, reply) => {
    // The explorer only reads: any other method on any path is not allowed, not missing.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply.code(405).header('allow', 'GET, HEAD').send({ error: `${req.method} is not allowed; the explorer answers GET only`, statusCode: 405 })
      return
    }
    reply.code(404).send({ error: `no route for ${req.method} ${req.url.split('?')[0]}`, statusCode: 404 })
  })

  // Pages and their scripts.
  app.get('/', (_req, reply) => sendFile(reply, join(publicDir, 'index.html')))
  app.get<{ Params: { page: string } }>('/:page', (req, reply) => {
    if (!PAGES.has(req.params.page)) throw new HttpError(404, 'no such page')
    return sendFile(reply, join(publicDir, req.params.page))
  })
  app.get<{ Params: { file: string } }>('/static/:file', (req, reply) => {
    if (!STATIC_FILE.test(req.params.file)) throw new HttpError(404, 'no such file')
    return sendFile(reply, join(publicDir, req.params.file))
  })
  app.get('/vendor/d3.min.js', (_req, reply) => sendFile(reply, D3_PATH))
  // The browser node (node.html) imports the core bundled for the browser, built on first request.
  app.get('/bundle/browser-node.js', async (_req, reply) => {
    const bundle = await browserNodeBundle()
    return reply.type(TYPES['.js']).header('cache-control', 'no-cache').send(bundle.code)
  })

  // API.
  app.get('/api/live/status', async () => (opts.liveStatus ? { live: true, ...opts.liveStatus() } : { live: false }))
  app.get('/api/runs', async () => listRuns(root))
  app.get('/api/sweeps', async () => ({ sweeps: (await listRuns(root)).sweeps }))

  app.get('/api/sweeps/*', async (req) => {
    const segs = rawSegments(req.url, '/api/sweeps/')
    if (segs.length !== 2) throw new HttpError(400, 'expected /api/sweeps/:scenario/:sweep')
    const dir = await resolveUnder(root, segs)
    return readSweep(root, dir, segs.join('/'))
  })

  // Design comparisons (`sim compare`): the list, and one comparison's compare.json with its runs' keys.
  app.get('/api/compares', async () => ({ compares: await listCompares(root) }))
  app.get('/api/compares/*', async (req) => {
    const segs = rawSegments(req.url, '/api/compares/')
    if (segs.length !== 2) throw new HttpError(400, 'expected /api/compares/:scenario/:compare')
    const dir = await resolveUnder(root, segs)
    return readCompare(dir, segs.join('/'))
  })

  // Runs picked in the explorer, side by side: ?run=<scenario>/<run>&run=... (two or more).
  app.get<{ Querystring: { run?: string | string[] } }>('/api/compare-runs', async (req) => {
    const q = req.query.run
    return compareRuns(root, q === undefined ? [] : Array.isArray(q) ? q : [q])
  })

  app.get<{ Querystring: Record<string, string | undefined> }>('/api/runs/*', async (req, reply) => {
    const segs = rawSegments(req.url, '/api/runs/', false)
    const resource = segs.pop() ?? ''
    if (segs.length < 2 || segs.length > 3) throw new HttpError(400, 'expected /api/runs/:scenario/:run/:resource')
    if (!RESOURCES.has(resource)) throw new HttpError(404, `unknown resource ${JSON.stringify(resource.slice(0, 40))}; one of ${[...RESOURCES].join(', ')}`)
    const dir = await resolveUnder(root, segs)
    const key = segs.join('/')
    switch (resource) {
      case 'info': {
        // Which files the run has, so pages ask only for what exists (no 404s in the console).
        const names = ['summary.json', 'topology.json', 'timeseries.csv', 'deliveries.csv', 'scenario.yaml']
        const has = await Promise.all(names.map((n) => stat(join(dir, n)).then(() => true, () => false)))
        return { key, files: Object.fromEntries(names.map((n, i) => [n, has[i]])) }
      }
      case 'summary': return readSummary(dir)
      case 'topology': return reply.type('application/json; charset=utf-8').send(await readTopologyText(dir))
      case 'timeseries': return readTimeseries(dir)
      case 'charts': return chartData(dir)
      // The first stream part laid out in Node, as the static report draws it (small multiples).
      case 'layout': return { layout: staticLayout(await readTopology(dir)) }
      case 'scenario': {
        try { return reply.type('text/yaml; charset=utf-8').send(await readFile(join(dir, 'scenario.yaml'), 'utf8')) } catch { throw new HttpError(404, 'scenario.yaml not found for this run') }
      }
      case 'messages': {
        const ix = await requireDeliveries(dir)
        const limit = intParam(req.query.limit, 'limit', ix.messages.length)
        const offset = intParam(req.query.offset, 'offset', 0)
        const page = ix.messages.slice(offset, offset + limit)
        return { key, total: ix.messages.length, offset, messages: page.map((m) => ({ ...m, streamPart: streamPartOf(m.id) })) }
      }
      case 'deliveries': {
        const id = req.query.messageId
        if (!id) throw new HttpError(400, 'messageId query parameter is required')
        if (id.length > 2000) throw new HttpError(400, 'messageId too long')
        const ix = await requireDeliveries(dir)
        const receipts = ix.receipts(id)
        if (!receipts) throw new HttpError(404, `no message ${JSON.stringify(id.slice(0, 100))} in this run`)
        const m = ix.messages[ix.messageIndex.get(id)!]
        return { messageId: id, publisher: m.publisher, publishedAtMs: m.publishedAtMs, streamPart: streamPartOf(id), receipts }
      }
      case 'nodes': {
        const ix = await requireDeliveries(dir)
        const s = ix.nodeStats()
        const pick = (i: number) => ({
          node: s.nodes[i], firstReceipts: s.firstReceipts[i], duplicates: s.duplicates[i], copiesSent: s.copiesSent[i],
          messagesRelayed: s.messagesRelayed[i], latencyMeanMs: s.firstReceipts[i] ? s.latencyMeanMs[i] : null,
          latencyMaxMs: s.firstReceipts[i] ? s.latencyMaxMs[i] : null, firstDataAtMs: Number.isFinite(s.firstDataAtMs[i]) ? s.firstDataAtMs[i] : null,
        })
        if (req.query.id !== undefined) {
          const i = ix.nodeIndex.get(req.query.id)
          if (i === undefined) throw new HttpError(404, `node ${JSON.stringify(req.query.id.slice(0, 100))} never appears in deliveries.csv`)
          return pick(i)
        }
        return { key, messages: ix.messages.length, nodes: s.nodes.map((_, i) => pick(i)) }
      }
    }
    throw new HttpError(404, 'unknown resource')
  })

  return app
}

/**
 * The path segments after `prefix`, split before decoding: `a%2Fb` is one segment named `a/b`
 * (which no run can have, so it is refused), never the two segments `a` and `b`.
 */
function rawSegments(url: string, prefix: string, dropEmpty = true): string[] {
  const path = url.split('?')[0].slice(prefix.length)
  const segs = path.split('/').map((s) => {
    try { return decodeURIComponent(s) } catch { throw new HttpError(400, `bad percent-encoding in ${JSON.stringify(s.slice(0, 60))}`) }
  })
  return dropEmpty ? segs.filter((s) => s !== '') : segs
}

async function requireDeliveries(dir: string) {
  const ix = await deliveryIndex(dir)
  if (!ix) throw new HttpError(404, 'this run has no deliveries.csv (run the scenario with record.deliveries=true)')
  return ix
}

function intParam(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt
  if (!/^\d{1,9}$/.test(v)) throw new HttpError(400, `${name} must be a non-negative integer`)
  return Number(v)
}
