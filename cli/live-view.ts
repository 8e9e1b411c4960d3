// `sim run --viz`: streams a running simulation to the explorer and paces virtual time by the
// real-time multiple the page asks for. The explorer's modules load only when asked for.

import type { RunHooks } from '../sim/runner.ts'
import type { Simulation } from '../sim/simulation.ts'
import { topologyOf } from '../sim/results/write-run.ts'
import { portInUse } from '../sim/input-error.ts'
import { RESULTS_DIR } from '../sim/results/run-dir.ts'

/** How much simulated time one paced step covers at most, so the page sees smooth progress. */
const STEP_WALL_MS = 50
/** How often (wall time) to look for overlay changes worth sending; the feed bounds the rate again. */
const TOPOLOGY_CHECK_WALL_MS = 500

export async function liveViewHooks(port: number): Promise<{ hooks: RunHooks; url: string; finish(): Promise<void>; close(): Promise<void> }> {
  const { startLiveServer } = await import('../viz/live.ts')
  const host = '127.0.0.1'
  const server = await startLiveServer({ resultsDir: RESULTS_DIR, port, host }).catch((error: unknown) => {
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') throw portInUse(port, host)
    throw error
  })
  console.error(`explorer (live): ${server.url}`)
  const feed = server.feed
  let sentEdges = -1
  let checkedTopologyAt = -Infinity
  let yieldedAt = performance.now()
  let wallStart = performance.now()
  let simStart = 0
  let speed = feed.speed()
  let forwardedReceipts = 0
  const hooks: RunHooks = {
    eventsPerChunk: 2_000,
    onDone: (summary) => feed.done(summary),
    async betweenChunks(simulation: Simulation) {
      // The overlay forms during warm-up (and changes under churn): resend it when it changed.
      if (performance.now() - checkedTopologyAt >= TOPOLOGY_CHECK_WALL_MS) {
        checkedTopologyAt = performance.now()
        const edges = edgeEnds(simulation)
        if (edges !== sentEdges) {
          feed.topology(topologyOf(simulation, { history: false }))
          sentEdges = edges
        }
      }
      forwardedReceipts = forwardDeliveries(simulation, feed, forwardedReceipts)
      const m = simulation.metrics
      feed.tick({ tMs: simulation.sim.now(), nodesUp: simulation.network.upCount(), firstReceipts: m.firstReceipts, duplicates: m.duplicates })
      // Pace: virtual time may run ahead of wall time by the chosen multiple, no further.
      for (;;) {
        if (feed.speed() !== speed) {
          // A new multiple applies from now on, not to the time already elapsed.
          speed = feed.speed()
          wallStart = performance.now()
          simStart = simulation.sim.now()
        }
        if (feed.paused()) {
          await sleep(STEP_WALL_MS)
          wallStart = performance.now()
          simStart = simulation.sim.now()
          continue
        }
        const allowedMs = simStart + (performance.now() - wallStart) * speed
        if (simulation.sim.nextEventTime() <= allowedMs) {
          // Behind the pace: run on, but let the feed's timers and sockets have the event loop
          // every step, or ticks and controls would wait for the end of the run.
          if (performance.now() - yieldedAt >= STEP_WALL_MS) { await new Promise((resolve) => setImmediate(resolve)); yieldedAt = performance.now() }
          return
        }
        await sleep(STEP_WALL_MS)
        yieldedAt = performance.now()
      }
    },
  }
  return {
    hooks,
    url: server.url,
    close: () => server.close(),
    async finish() {
      console.error(`explorer still serving at ${server.url}; press Ctrl-C to stop`)
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()))
      await server.close()
    },
  }
}

function forwardDeliveries(simulation: Simulation, feed: Awaited<ReturnType<typeof import('../viz/live.ts').startLiveServer>>['feed'], from: number): number {
  const log = simulation.metrics.deliveryLog
  if (log === null) return from
  for (let i = from; i < log.length; i++) {
    feed.delivery({
      messageId: log.messageIds[log.message[i]],
      node: simulation.nodeIds[log.node[i]],
      from: simulation.nodeIds[log.from[i]] ?? null,
      atMs: log.receivedAtMs[i],
      hops: log.hops[i],
      duplicate: log.duplicate[i] === 1,
    })
  }
  return log.length
}

function edgeEnds(simulation: Simulation): number {
  let sum = 0
  for (const part of simulation.streamParts) {
    for (const m of part.members) sum += simulation.nodes[m].streamPart(part.id)?.neighbours.length ?? 0
  }
  return sum
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
