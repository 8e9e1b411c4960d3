// Checks the schema cannot express: relations between fields (churn counts against nodes, tracker events
// against the topology), region names, budget strings, sweep keys, files on disk. They run on the
// default-filled document even when the schema found problems, so every check guards its own inputs
// instead of trusting them.

import { existsSync, readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import type { GapMode } from '../../core/ordering/ordering-options.ts'
import { eraDefaults } from '../../core/protocol-era.ts'
import { DEFAULT_GEO_REGIONS, REGIONS } from '../network/regions.ts'
import { type RttMatrix, parseRttMatrixCsv } from '../network/rtt-matrix.ts'
import { parseBudget } from './budget.ts'
import type { Issue } from './issue.ts'
import { isPlainObject, type Segment } from './path.ts'
import { resolveFieldPath } from './schema.ts'
import { unknownPhrase } from './suggest.ts'

/** Grids beyond this are almost certainly a mistake (e.g. a list where a range was meant). */
export const MAX_SWEEP_POINTS = 10_000

const REGION_NAMES = REGIONS.map((r) => r.name)

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const objectAt = (v: unknown): Record<string, unknown> => (isPlainObject(v) ? v : {})

export function ruleIssues(doc: Record<string, unknown>, baseDir: string): Issue[] {
  return [
    ...eraIssues(doc),
    ...sizeIssues(doc),
    ...latencyIssues(doc, baseDir),
    ...eventIssues(doc, baseDir),
    ...churnIssues(doc),
    ...securityIssues(doc),
    ...budgetIssues(doc),
    ...sweepIssues(doc),
  ]
}

/** A run models one protocol generation: what another generation has is refused, not mixed in. */
function eraIssues(doc: Record<string, unknown>): Issue[] {
  const era = doc.protocol
  if (era !== 'brubeck' && era !== 'tatum') return []
  const issues: Issue[] = []
  const builder = objectAt(doc.topology).builder
  if (builder === 'tracker' && era !== 'brubeck') {
    issues.push({ path: ['topology', 'builder'], value: builder, expected: `a builder of protocol ${era} (trackers belong to protocol brubeck)` })
  }
  if (builder === 'dht' && era !== 'tatum') {
    issues.push({ path: ['topology', 'builder'], value: builder, expected: `a builder of protocol ${era} (the DHT overlay belongs to protocol tatum)` })
  }
  const gapMode = objectAt(doc.ordering).gapMode
  const modes = eraDefaults(era).ordering.gapModes
  if (typeof gapMode === 'string' && !modes.includes(gapMode as GapMode)) {
    issues.push({ path: ['ordering', 'gapMode'], value: gapMode, expected: `${modes.join(' or ')}: the gap modes of protocol ${era}'s client` })
  }
  return issues
}

function sizeIssues(doc: Record<string, unknown>): Issue[] {
  const nodes = doc.nodes
  // Comparing against a nodes value the schema rejected would only repeat that error.
  if (!isNumber(nodes) || !Number.isInteger(nodes) || nodes < 2) return []
  const issues: Issue[] = []
  const degree = objectAt(doc.topology).degree
  if (isNumber(degree) && degree >= nodes) {
    issues.push({ path: ['topology', 'degree'], value: degree, expected: `an integer < nodes (${nodes})` })
  }
  const entryPoints = objectAt(doc.topology).entryPoints
  // Entry points are online from time zero: everyone joins through them.
  const initial = objectAt(doc.churn).initialNodes
  const dht = objectAt(doc.topology).builder === 'dht'
  const online = dht && isNumber(initial) && Number.isInteger(initial) && initial >= 1 && initial < nodes ? initial : nodes
  const within = online < nodes ? `initialNodes (${online}), the nodes online from time zero` : `nodes (${nodes})`
  if (isNumber(entryPoints) && entryPoints > online) {
    issues.push({ path: ['topology', 'entryPoints'], value: entryPoints, expected: `a count <= ${within}` })
  }
  if (Array.isArray(entryPoints)) {
    entryPoints.forEach((id, k) => {
      if (typeof id === 'string' && /^n\d+$/.test(id) && Number(id.slice(1)) >= online) {
        issues.push({ path: ['topology', 'entryPoints', k], value: id, expected: `a node id n0 to n${online - 1}, online from time zero (< ${within})` })
      }
    })
  }
  const publishers = objectAt(doc.workload).publishersPerStream
  if (isNumber(publishers) && publishers > nodes) {
    issues.push({ path: ['workload', 'publishersPerStream'], value: publishers, expected: `an integer <= nodes (${nodes})` })
  }
  return issues
}

/** Regions that get nodes under the geo or matrix model, or undefined for other models (or a matrix that does not read). */
function placement(doc: Record<string, unknown>, baseDir: string): { regions: string[]; known: string[]; model: string } | undefined {
  const latency = objectAt(objectAt(doc.network).latency)
  if (latency.model === 'geo') {
    const regions = isPlainObject(latency.weights) ? Object.keys(latency.weights).filter((r) => REGION_NAMES.includes(r)) : [...DEFAULT_GEO_REGIONS]
    return { regions, known: REGION_NAMES, model: 'geo' }
  }
  if (latency.model === 'matrix' && typeof latency.file === 'string') {
    const matrix = readMatrix(resolve(baseDir, latency.file))
    if (!('regions' in matrix)) return undefined
    const known = [...matrix.regions]
    const regions = isPlainObject(latency.weights) ? Object.keys(latency.weights).filter((r) => known.includes(r)) : known
    return { regions, known, model: 'matrix' }
  }
  return undefined
}

/**
 * A matrix file read and checked once per process: a sweep validates every point before the
 * first one runs, and every point names the same file.
 */
const matrices = new Map<string, RttMatrix | { error: string }>()

function readMatrix(file: string): RttMatrix | { error: string } {
  let m = matrices.get(file)
  if (m === undefined) {
    try {
      if (!existsSync(file) || !statSync(file).isFile()) m = { error: `an existing CSV file (looked for ${file})` }
      else m = parseRttMatrixCsv(readFileSync(file, 'utf8'), file)
    } catch (error) {
      m = { error: `a well-formed RTT matrix CSV (${error instanceof Error ? error.message : String(error)})` }
    }
    matrices.set(file, m)
  }
  return m
}

function latencyIssues(doc: Record<string, unknown>, baseDir: string): Issue[] {
  const latency = objectAt(objectAt(doc.network).latency)
  const path = ['network', 'latency']
  const issues: Issue[] = []
  if (latency.model === 'uniform' && isNumber(latency.minMs) && isNumber(latency.maxMs) && latency.minMs > latency.maxMs) {
    issues.push({ path: [...path, 'minMs'], value: latency.minMs, expected: `a number <= maxMs (${latency.maxMs})` })
  }
  if (latency.model === 'geo' && isPlainObject(latency.weights)) {
    for (const [region, weight] of Object.entries(latency.weights)) {
      if (REGION_NAMES.includes(region)) continue
      const expected = `a known region; ${unknownPhrase('region', region, REGION_NAMES)}`
      issues.push({ path: [...path, 'weights', region], value: weight, expected })
    }
  }
  // Read and checked here so a sweep of many points fails before the first run, not in the middle.
  if (latency.model === 'matrix' && typeof latency.file === 'string' && latency.file !== '') {
    const matrix = readMatrix(resolve(baseDir, latency.file))
    if ('error' in matrix) {
      issues.push({ path: [...path, 'file'], value: latency.file, expected: matrix.error })
    } else if (isPlainObject(latency.weights)) {
      for (const [region, weight] of Object.entries(latency.weights)) {
        if (matrix.regions.includes(region)) continue
        const expected = `a region of ${latency.file}; ${unknownPhrase('region', region, [...matrix.regions])}`
        issues.push({ path: [...path, 'weights', region], value: weight, expected })
      }
    }
  }
  return issues
}

function eventIssues(doc: Record<string, unknown>, baseDir: string): Issue[] {
  const events = objectAt(doc.network).events
  if (!Array.isArray(events)) return []
  const placed = placement(doc, baseDir)
  const issues: Issue[] = []
  events.forEach((event: unknown, i) => {
    if (!isPlainObject(event)) return
    const path: Segment[] = ['network', 'events', i]
    if (isNumber(event.atS) && isNumber(event.untilS) && event.untilS <= event.atS) {
      issues.push({ path: [...path, 'untilS'], value: event.untilS, expected: `a time > atS (${event.atS} s)` })
    }
    if (event.type !== 'partition') return
    if ((event.regions === undefined) === (event.fraction === undefined)) {
      issues.push({ path, value: event, expected: 'exactly one of regions or fraction' })
    }
    if (!Array.isArray(event.regions)) return
    // Regions mean something only where nodes are placed in regions; anywhere else a partition by
    // region would be a silent no-op.
    if (placed === undefined) {
      const model = objectAt(objectAt(doc.network).latency).model
      if (model !== 'matrix') issues.push({ path: [...path, 'regions'], value: event.regions, expected: `fraction instead: the ${String(model)} latency model places nodes in no regions` })
      return
    }
    event.regions.forEach((region: unknown, j) => {
      if (typeof region !== 'string') return
      const at = [...path, 'regions', j]
      if (!placed.known.includes(region)) {
        issues.push({ path: at, value: region, expected: `a region of the ${placed.model} model; ${unknownPhrase('region', region, placed.known)}` })
      } else if (!placed.regions.includes(region)) {
        // A side A with no nodes would make the partition a silent no-op.
        issues.push({ path: at, value: region, expected: `a region that has nodes under the ${placed.model} model (${placed.regions.join(', ')})` })
      }
    })
  })
  return issues
}

function churnIssues(doc: Record<string, unknown>): Issue[] {
  const churn = objectAt(doc.churn)
  const topology = objectAt(doc.topology)
  const issues: Issue[] = []
  const nodes = isNumber(doc.nodes) && Number.isInteger(doc.nodes) && doc.nodes >= 2 ? doc.nodes : undefined
  const initial = churn.initialNodes === undefined ? nodes : churn.initialNodes
  // Nodes that can still join after time zero; undefined when nodes or initialNodes is broken.
  let late: number | undefined
  if (nodes !== undefined && isNumber(initial) && Number.isInteger(initial) && initial >= 0) {
    if (initial > nodes) issues.push({ path: ['churn', 'initialNodes'], value: initial, expected: `an integer <= nodes (${nodes})` })
    else late = nodes - initial
  }
  // Arrivals with nobody left to arrive would make the rate a silent no-op.
  if (late === 0 && isNumber(churn.arrivalRatePerS) && churn.arrivalRatePerS > 0) {
    const expected = `0, since churn.initialNodes = nodes (${nodes}) leaves no node to arrive (lower initialNodes for arrivals)`
    issues.push({ path: ['churn', 'arrivalRatePerS'], value: churn.arrivalRatePerS, expected })
  }
  if (!Array.isArray(churn.events)) return issues
  let joined = 0
  let overflowReported = false
  churn.events.forEach((event: unknown, i) => {
    if (!isPlainObject(event)) return
    const path: Segment[] = ['churn', 'events', i]
    if (isNumber(event.atS) && isNumber(event.recoverAtS) && event.recoverAtS <= event.atS) {
      issues.push({ path: [...path, 'recoverAtS'], value: event.recoverAtS, expected: `a time > atS (${event.atS} s)` })
    }
    const count = isNumber(event.count) && Number.isInteger(event.count) && event.count >= 1 ? event.count : undefined
    if ((event.type === 'join' || event.type === 'flashCrowd') && count !== undefined && late !== undefined) {
      // Only the first event past the limit is reported: every later one follows from the same excess.
      if (!overflowReported && joined + count > late) {
        overflowReported = true
        const earlier = joined > 0 ? `; earlier join and flashCrowd events take ${joined}` : ''
        const limit = `join and flashCrowd counts together at most nodes - churn.initialNodes = ${nodes} - ${initial} = ${late}`
        const expected =
          late === 0
            ? `no joins, since churn.initialNodes = nodes (${nodes}) leaves no node to join (lower initialNodes for joins)`
            : `an integer <= ${late - joined} (${limit}${earlier})`
        issues.push({ path: [...path, 'count'], value: count, expected })
      }
      joined += count
    }
    if (event.type === 'leave' && count !== undefined && nodes !== undefined && count > nodes) {
      issues.push({ path: [...path, 'count'], value: count, expected: `an integer <= nodes (${nodes})` })
    }
    if (event.type === 'trackerFailure') {
      if (topology.builder === 'static') {
        const expected = 'join, leave, massFailure or flashCrowd (trackerFailure needs topology.builder: tracker; it is static)'
        issues.push({ path: [...path, 'type'], value: event.type, expected })
      } else if (topology.builder === 'tracker' && isNumber(topology.trackers) && isNumber(event.tracker)) {
        if (event.tracker >= topology.trackers) {
          const expected = `an integer < topology.trackers (${topology.trackers}); trackers are numbered from 0`
          issues.push({ path: [...path, 'tracker'], value: event.tracker, expected })
        }
      }
    }
  })
  return issues
}

/** The message layer's options that need signatures, and node roles that must fit among the nodes. */
function securityIssues(doc: Record<string, unknown>): Issue[] {
  const issues: Issue[] = []
  const security = objectAt(doc.security)
  const crypto = security.crypto
  const needsCrypto = (path: Segment[], value: unknown) =>
    issues.push({ path, value, expected: `crypto real or modelled (security.crypto is ${String(crypto)})` })
  if (crypto === 'off') {
    if (security.encryption === true) needsCrypto(['security', 'encryption'], true)
    if (security.validation === 'relay') needsCrypto(['security', 'validation'], 'relay')
  }
  const events = Array.isArray(security.events) ? security.events : []
  events.forEach((raw, i) => {
    const event = objectAt(raw)
    const path: Segment[] = ['security', 'events', i, 'type']
    if (crypto === 'off') needsCrypto(path, event.type)
    else if ((event.type === 'rotateKey' || event.type === 'rekey') && security.encryption !== true) {
      issues.push({ path, value: event.type, expected: 'a key event only with security.encryption: true' })
    }
  })
  const storage = objectAt(doc.storage)
  if (isNumber(storage.nodes) && isNumber(storage.replicas) && storage.nodes > 0 && storage.replicas > storage.nodes) {
    issues.push({ path: ['storage', 'replicas'], value: storage.replicas, expected: `an integer <= storage.nodes (${storage.nodes})` })
  }
  const nodes = doc.nodes
  const publishers = objectAt(doc.workload).publishersPerStream
  const streams = objectAt(doc.workload).streams
  if (isNumber(nodes) && isNumber(storage.nodes) && isNumber(publishers) && isNumber(streams)) {
    const free = nodes - Math.min(nodes, publishers * streams)
    if (storage.nodes > free) {
      issues.push({ path: ['storage', 'nodes'], value: storage.nodes, expected: `an integer <= nodes that publish nothing (at most ${free})` })
    }
  }
  const adversaries = objectAt(doc.adversaries)
  const share = (v: unknown) => (isNumber(v) ? v : isNumber(objectAt(v).fraction) ? (objectAt(v).fraction as number) : 0)
  const total = ['droppers', 'delayers', 'forgers', 'replayers', 'spammers'].reduce((sum, k) => sum + share(adversaries[k]), 0)
  if (total > 1) issues.push({ path: ['adversaries'], value: adversaries, expected: `shares that add up to at most 1 (they add up to ${total})` })
  return issues
}

function budgetIssues(doc: Record<string, unknown>): Issue[] {
  if (!Array.isArray(doc.budgets)) return []
  const issues: Issue[] = []
  doc.budgets.forEach((text: unknown, i) => {
    if (typeof text !== 'string') return
    const parsed = parseBudget(text)
    if ('expected' in parsed) issues.push({ path: ['budgets', i], value: text, expected: parsed.expected })
  })
  return issues
}

function sweepIssues(doc: Record<string, unknown>): Issue[] {
  if (!isPlainObject(doc.sweep)) return []
  const issues: Issue[] = []
  let points = 1
  for (const [key, values] of Object.entries(doc.sweep)) {
    const field = resolveFieldPath(key)
    if ('expected' in field) issues.push({ path: ['sweep', key], value: values, expected: field.expected })
    else if (field.segments[0] === 'sweep') issues.push({ path: ['sweep', key], value: values, expected: 'a field path outside sweep' })
    if (Array.isArray(values)) points *= values.length
  }
  if (points > MAX_SWEEP_POINTS) {
    issues.push({ path: ['sweep'], value: points, expected: `a grid of at most ${MAX_SWEEP_POINTS} points` })
  }
  return issues
}
