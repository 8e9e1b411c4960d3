import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  BUDGET_METRICS,
  expandSweep,
  loadScenario,
  parseScenario,
  ScenarioError,
  ScenarioErrors,
  SCENARIO_SCHEMA_URL,
  toResolvedYaml,
} from '../sim/scenario/load.ts'
import type { SchemaNode } from '../sim/scenario/schema.ts'
import type { Scenario } from '../sim/scenario/types.ts'

const MINIMAL = 'name: quick\nprotocol: brubeck\nnodes: 100\n'

function parse(text: string, set?: string[]): Scenario {
  return parseScenario(text, 'quick.yaml', { set })
}

/** The errors a load throws; fails the test if it does not throw ScenarioErrors. */
function errorsOf(run: () => unknown): ScenarioError[] {
  try {
    run()
  } catch (error) {
    if (error instanceof ScenarioErrors) return [...error.errors]
    throw error
  }
  assert.unreachable('expected ScenarioErrors')
  return []
}

function onlyError(text: string, set?: string[]): ScenarioError {
  const errors = errorsOf(() => parse(text, set))
  assert.is(errors.length, 1, errors.map((e) => e.message).join('\n'))
  return errors[0]
}

function withoutSource(s: Scenario): Omit<Scenario, 'sourceFile'> {
  const { sourceFile: _sourceFile, ...rest } = s
  return rest
}

// ---- defaults and models ----

const Defaults = suite('scenario defaults and models')

Defaults('fills in the defaults', () => {
  const s = parse(MINIMAL)
  assert.equal(withoutSource(s), {
    name: 'quick',
    protocol: 'brubeck',
    seed: 1,
    nodes: 100,
    topology: { builder: 'static', degree: 4, trackers: 1, entryPoints: 2, wsServerShare: 0, locality: 'none', plumtree: false },
    propagation: { maxMessages: 30, ttlMs: 30_000, minTargets: 2 },
    network: {
      latency: { model: 'geo', intraRegionRttMs: 2, jitterSdMs: 0 },
      connectionSetup: 'modelled',
      lossRate: 0,
      processingDelayMs: 0,
      events: [],
    },
    churn: { initialNodes: 100, arrivalRatePerS: 0, crashFraction: 0, events: [] },
    workload: {
      streams: 1,
      publishersPerStream: 1,
      messagesPerPublisher: 100,
      ratePerSecond: 10,
      arrival: 'constant',
      payloadBytes: 256,
      warmupS: 2,
    },
    security: {
      crypto: 'off',
      encryption: false,
      validation: 'subscriber',
      costs: { signMs: 0.32, verifyMs: 0.92, encryptMs: 0.035, decryptMs: 0.035, sealMs: 1.9, openMs: 1.6 },
      permissions: { public: false, confirmationDelayS: 5, cacheTtlS: 60, subscriberFraction: 1 },
      keyRequestTimeoutS: 30,
      maxKeyRequestsPerSecond: 20,
      events: [],
    },
    storage: { nodes: 0, replicas: 1 },
    ordering: { enabled: false, gapMode: 'full', initialWaitMs: 5000, retryWaitMs: 5000, maxResendRequests: 5, giveUpAfter: 'retryWait' },
    adversaries: {
      droppers: 0,
      delayers: { fraction: 0, delayMs: 1000 },
      forgers: { fraction: 0, mode: 'alter', maxPerSecond: 10 },
      replayers: { fraction: 0, ratePerSecond: 1 },
      spammers: { fraction: 0, mode: 'invalid', ratePerSecond: 10 },
    },
    durationS: 42,
    record: { deliveries: false, timeseriesIntervalS: 1 },
    budgets: [],
  })
  assert.is(s.sourceFile, resolve('quick.yaml'))
})

Defaults('derives durationS from the workload, and keeps an explicit one', () => {
  const derived = parse(MINIMAL + 'workload: { warmupS: 5, messagesPerPublisher: 50, ratePerSecond: 2 }\n')
  assert.is(derived.durationS, 5 + 25 + 30)
  assert.is(parse(MINIMAL + 'durationS: 7.5\n').durationS, 7.5)
})

Defaults('parses fixed, uniform and normal latency', () => {
  const latency = (yaml: string) => parse(MINIMAL + `network:\n  latency: ${yaml}\n`).network.latency
  assert.equal(latency('{ model: fixed, ms: 20 }'), { model: 'fixed', ms: 20 })
  assert.equal(latency('{ model: uniform, minMs: 5, maxMs: 5 }'), { model: 'uniform', minMs: 5, maxMs: 5 })
  assert.equal(latency('{ model: normal, meanMs: 50, sdMs: 10 }'), { model: 'normal', meanMs: 50, sdMs: 10, minMs: 0 })
  assert.equal(latency('{ model: normal, meanMs: 50, sdMs: 10, minMs: 3 }'), { model: 'normal', meanMs: 50, sdMs: 10, minMs: 3 })
})

Defaults('takes a latency mapping without model as geo', () => {
  assert.equal(parse(MINIMAL + 'network: { latency: { jitterSdMs: 4 } }\n').network.latency, { model: 'geo', intraRegionRttMs: 2, jitterSdMs: 4 })
  const e = onlyError(MINIMAL + 'network: { latency: { ms: 4 } }\n')
  assert.is(e.expected, 'a known field; unknown field "ms" (known: model, weights, intraRegionRttMs, jitterSdMs)')
})

Defaults('parses geo latency with weights and known regions', () => {
  const s = parse(MINIMAL + 'network:\n  latency: { model: geo, weights: { eu-west-1: 2, af-south-1: 1 }, intraRegionRttMs: 1, jitterSdMs: 3 }\n')
  assert.equal(s.network.latency, { model: 'geo', weights: { 'eu-west-1': 2, 'af-south-1': 1 }, intraRegionRttMs: 1, jitterSdMs: 3 })
})

Defaults('resolves a matrix latency file against the scenario folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scenario-test-'))
  writeFileSync(join(dir, 'rtt.csv'), 'from,a,b\na,0,10\nb,10,0\n')
  writeFileSync(join(dir, 'm.yaml'), MINIMAL + 'network:\n  latency: { model: matrix, file: rtt.csv, weights: { a: 1 } }\n')
  const s = loadScenario(join(dir, 'm.yaml'))
  assert.equal(s.network.latency, { model: 'matrix', file: join(dir, 'rtt.csv'), weights: { a: 1 }, jitterSdMs: 0 })
  assert.is(s.sourceFile, join(dir, 'm.yaml'))
})

Defaults('parses events and budgets', () => {
  const s = parse(
    MINIMAL +
      'network:\n  events:\n' +
      '    - { type: partition, atS: 5, untilS: 8, regions: [eu-west-1] }\n' +
      '    - { type: partition, atS: 1, fraction: 0.5 }\n' +
      '    - { type: linkCut, atS: 5, untilS: 8, fraction: 1 }\n' +
      'budgets: ["latencyMs.p99 <= 400 ms", "deliveryRatio>=0.999", "wallSeconds < 1e3 s", "lost.loss == 0"]\n',
  )
  assert.equal(s.network.events, [
    { type: 'partition', atS: 5, untilS: 8, regions: ['eu-west-1'] },
    { type: 'partition', atS: 1, fraction: 0.5 },
    { type: 'linkCut', atS: 5, untilS: 8, fraction: 1 },
  ])
  assert.equal(s.budgets, [
    { metric: 'latencyMs.p99', op: '<=', limit: 400 },
    { metric: 'deliveryRatio', op: '>=', limit: 0.999 },
    { metric: 'wallSeconds', op: '<', limit: 1000 },
    { metric: 'lost.loss', op: '==', limit: 0 },
  ])
  assert.is(BUDGET_METRICS.length, 73)
})

// ---- errors ----

const Errors = suite('scenario errors')

Errors('refuse DHT entry points that are not online from time zero', () => {
  const dht = 'name: quick\nprotocol: tatum\nnodes: 100\nchurn: { initialNodes: 10, arrivalRatePerS: 1 }\n'
  const named = onlyError(dht + 'topology: { builder: dht, entryPoints: [n0, n50] }\n')
  assert.is(named.path, 'topology.entryPoints[1]')
  assert.match(named.expected, 'online from time zero')
  const counted = onlyError(dht + 'topology: { builder: dht, entryPoints: 11 }\n')
  assert.is(counted.path, 'topology.entryPoints')
  assert.match(counted.expected, 'initialNodes (10)')
  // Other builders ignore entry points, so their default never stands in the way.
  assert.is(parse(MINIMAL + 'churn: { initialNodes: 1, arrivalRatePerS: 1 }\n').topology.entryPoints, 2)
})

Errors('name an unknown field, list the known ones and suggest a close one', () => {
  const e = onlyError(MINIMAL + 'topology: { degre: 4 }\n')
  assert.is(e.file, 'quick.yaml')
  assert.is(e.path, 'topology.degre')
  assert.is(e.value, 4)
  assert.is(
    e.message,
    'quick.yaml: topology.degre: got 4, expected a known field; unknown field "degre" (known: builder, degree, trackers, entryPoints, wsServerShare, locality, plumtree), did you mean "degree"?',
  )
  const far = onlyError(MINIMAL + 'colour: red\n')
  assert.ok(far.expected.includes('unknown field "colour" (known: name, description, protocol, seed, nodes,'), far.message)
  assert.not.ok(far.expected.includes('did you mean'), far.message)
})

Errors('list a latency model\'s own fields for an unknown field inside it', () => {
  const e = onlyError(MINIMAL + 'network: { latency: { model: fixed, ms: 5, jitterSdMs: 1 } }\n')
  assert.is(e.path, 'network.latency.jitterSdMs')
  assert.ok(e.expected.includes('(known: model, ms)'), e.message)
})

Errors('report a wrong type, an out-of-range value, a bad enum and a missing required field', () => {
  assert.is(onlyError('name: quick\nprotocol: brubeck\nnodes: many\n').message, 'quick.yaml: nodes: got "many", expected an integer >= 2 and <= 10000000')
  assert.is(onlyError('name: quick\nprotocol: brubeck\nnodes: 1\n').message, 'quick.yaml: nodes: got 1, expected an integer >= 2 and <= 10000000')
  assert.is(
    onlyError(MINIMAL + 'network: { lossRate: 1 }\n').message,
    'quick.yaml: network.lossRate: got 1, expected a number >= 0 and < 1',
  )
  assert.is(
    onlyError(MINIMAL + 'workload: { arrival: poison }\n').message,
    'quick.yaml: workload.arrival: got "poison", expected one of constant, poisson, did you mean "poisson"?',
  )
  assert.is(
    onlyError(MINIMAL + 'network: { latency: { model: fixd } }\n').message,
    'quick.yaml: network.latency.model: got "fixd", expected one of fixed, uniform, normal, matrix, geo, did you mean "fixed"?',
  )
  assert.is(
    onlyError(MINIMAL + 'network: { latency: { model: fixed } }\n').message,
    'quick.yaml: network.latency.ms: got nothing, expected a number >= 0 and <= 600000 (required)',
  )
  assert.is(onlyError('protocol: brubeck\nnodes: 10\n').path, 'name')
  assert.is(onlyError('name: quick\nnodes: 10\n').message, 'quick.yaml: protocol: got nothing, expected one of brubeck, tatum (required)')
  assert.is(onlyError('name: ../x\nprotocol: brubeck\nnodes: 10\n').path, 'name')
  assert.is(onlyError(MINIMAL + 'record: { deliveries: "yes" }\n').expected, 'true or false')
})

Errors('reject YAML special numbers', () => {
  assert.is(onlyError(MINIMAL + 'durationS: .inf\n').message, 'quick.yaml: durationS: got Infinity, expected a finite number > 0 and <= 31536000')
  assert.is(onlyError('name: quick\nprotocol: brubeck\nnodes: .nan\n').message, 'quick.yaml: nodes: got NaN, expected a finite integer >= 2 and <= 10000000')
})

Errors('report a bad budget string, an unknown metric and a wrong unit', () => {
  const errors = errorsOf(() =>
    parse(MINIMAL + 'budgets: ["deliveryRatio >= 0.999", "latencyMs.p99 =< 400", "latncyMs.p99 < 3", "latencyMs.p99 <= 4 s", "rmr < 2 ms"]\n'),
  )
  assert.equal(
    errors.map((e) => [e.path, e.value]),
    [
      ['budgets[1]', 'latencyMs.p99 =< 400'],
      ['budgets[2]', 'latncyMs.p99 < 3'],
      ['budgets[3]', 'latencyMs.p99 <= 4 s'],
      ['budgets[4]', 'rmr < 2 ms'],
    ],
  )
  assert.ok(errors[0].expected.startsWith('a budget "METRIC OP LIMIT" with OP one of <, <=, >, >=, =='), errors[0].message)
  assert.ok(errors[1].expected.includes('unknown metric "latncyMs.p99"'), errors[1].message)
  assert.ok(errors[1].expected.endsWith('did you mean "latencyMs.p99"?'), errors[1].message)
  assert.is(errors[2].expected, 'a limit in ms (the unit of latencyMs.p99) or a plain number')
  assert.is(errors[3].expected, 'a plain number as limit (rmr has no unit word)')
})

Errors('enforce the cross-field rules', () => {
  assert.is(
    onlyError('name: quick\nprotocol: brubeck\nnodes: 4\n').message,
    'quick.yaml: topology.degree: got 4, expected an integer < nodes (4)',
  )
  assert.is(
    onlyError('name: quick\nprotocol: brubeck\nnodes: 10\nworkload: { publishersPerStream: 11 }\n').message,
    'quick.yaml: workload.publishersPerStream: got 11, expected an integer <= nodes (10)',
  )
  assert.is(
    onlyError(MINIMAL + 'network: { latency: { model: uniform, minMs: 9, maxMs: 3 } }\n').message,
    'quick.yaml: network.latency.minMs: got 9, expected a number <= maxMs (3)',
  )
  assert.is(
    onlyError(MINIMAL + 'network: { events: [{ type: linkCut, atS: 5, untilS: 5, fraction: 0.1 }] }\n').message,
    'quick.yaml: network.events[0].untilS: got 5, expected a time > atS (5 s)',
  )
  const both = onlyError(MINIMAL + 'network: { events: [{ type: partition, atS: 5, fraction: 0.5, regions: [eu-west-1] }] }\n')
  assert.is(both.path, 'network.events[0]')
  assert.is(both.expected, 'exactly one of regions or fraction')
  assert.is(onlyError(MINIMAL + 'network: { events: [{ type: partition, atS: 5 }] }\n').expected, 'exactly one of regions or fraction')
})

Errors('check region names under the geo model', () => {
  const weight = onlyError(MINIMAL + 'network: { latency: { model: geo, weights: { eu-wst-1: 1 } } }\n')
  assert.is(weight.path, 'network.latency.weights.eu-wst-1')
  assert.ok(weight.expected.endsWith('did you mean "eu-west-1"?'), weight.message)
  const region = onlyError(MINIMAL + 'network: { events: [{ type: partition, atS: 1, regions: [us-east-9] }] }\n')
  assert.is(region.path, 'network.events[0].regions[0]')
  assert.is(region.value, 'us-east-9')
  // af-south-1 exists but gets no nodes under the default placement.
  const empty = onlyError(MINIMAL + 'network: { events: [{ type: partition, atS: 1, regions: [af-south-1] }] }\n')
  assert.ok(empty.expected.startsWith('a region that has nodes under the geo model (eu-central-1,'), empty.message)
  // A fixed model places nodes in no region: a partition by region would cut nobody off.
  const none = onlyError(MINIMAL + 'network: { latency: { model: fixed, ms: 1 }, events: [{ type: partition, atS: 1, regions: [anything] }] }\n')
  assert.is(none.expected, 'fraction instead: the fixed latency model places nodes in no regions')
})

Errors('check a matrix file on load: its rows, its regions in weights and partitions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'matrix-'))
  writeFileSync(join(dir, 'short.csv'), 'region,a,b\na,0,10\nb,10\n')
  writeFileSync(join(dir, 'ab.csv'), 'region,a,b\na,0,10\nb,10,0\n')
  const at = (name: string, yaml: string) => errorsOf(() => parseScenario(MINIMAL + yaml, join(dir, name)))[0]
  const short = at('s.yaml', 'network: { latency: { model: matrix, file: short.csv } }\n')
  assert.match(short.expected, /^a well-formed RTT matrix CSV \(.*short\.csv: line 3: expected 3 cells, got 2\)$/)
  const weight = at('w.yaml', 'network: { latency: { model: matrix, file: ab.csv, weights: { c: 1 } } }\n')
  assert.is(weight.path, 'network.latency.weights.c')
  const part = at('p.yaml', 'network: { latency: { model: matrix, file: ab.csv, weights: { a: 1 } }, events: [{ type: partition, atS: 1, regions: [b] }] }\n')
  assert.is(part.expected, 'a region that has nodes under the matrix model (a)')
  rmSync(dir, { recursive: true, force: true })
})

Errors('report a missing matrix file on load', () => {
  const e = onlyError(MINIMAL + 'network: { latency: { model: matrix, file: nowhere.csv } }\n')
  assert.is(e.path, 'network.latency.file')
  assert.ok(e.expected.startsWith('an existing CSV file (looked for '), e.message)
})

Errors('name file, line and column of a YAML syntax error', () => {
  const errors = errorsOf(() => parse('name: quick\nprotocol: brubeck\nnodes: 100\ntopology: { degree: 4\nseed: 1\n'))
  assert.ok(errors.length >= 1)
  assert.is(errors[0].file, 'quick.yaml')
  assert.type(errors[0].line, 'number')
  assert.ok(errors[0].line! >= 4, errors[0].message)
  assert.match(errors[0].message, /^quick\.yaml:\d+:\d+: YAML syntax error: \S/)
  const duplicate = errorsOf(() => parse('name: a\nprotocol: brubeck\nnodes: 5\nname: b\n'))
  assert.is(duplicate[0].line, 4)
})

Errors('report a file that is not a mapping, and an empty file', () => {
  assert.is(onlyError('- 1\n- 2\n').message, 'quick.yaml: (top level): got [1,2], expected a mapping of scenario fields')
  assert.equal(
    errorsOf(() => parse('')).map((e) => e.path),
    ['name', 'protocol', 'nodes'],
  )
})

Errors('report every problem in a file at once', () => {
  const errors = errorsOf(() =>
    parse('name: quick\nprotocol: brubeck\nnodes: 1.5\nseed: -1\ntopology: { degre: 4 }\nworkload: { arrival: poison }\nbudgets: ["nope"]\n'),
  )
  assert.equal(
    errors.map((e) => e.path),
    ['seed', 'nodes', 'topology.degre', 'workload.arrival', 'budgets[0]'],
  )
  const thrown = (() => {
    try {
      parse('name: quick\nprotocol: brubeck\nnodes: 1.5\nseed: -1\n')
    } catch (error) {
      return error as Error
    }
  })()
  assert.match(thrown!.message, /^invalid scenario \(2 problems\):\n  quick\.yaml: seed: .*\n  quick\.yaml: nodes: /)
})

Errors('report an unreadable file as a ScenarioError from loadScenario', () => {
  const [e] = errorsOf(() => loadScenario('/nonexistent/x.yaml'))
  assert.is(e.file, '/nonexistent/x.yaml')
  assert.match(e.expected, /ENOENT/)
})

// ---- tracker topology and churn ----

/** The example from the scenario format documentation, with nodes enough for its joins. */
const CHURN_EXAMPLE = `name: churny
protocol: brubeck
nodes: 1400
topology:
  builder: tracker
  degree: 4
  trackers: 1
churn:
  initialNodes: 800
  arrivalRatePerS: 2
  session:
    distribution: weibull
    shape: 0.615
    scaleS: 10170
  crashFraction: 0.2
  events:
    - { type: join, atS: 10, count: 50 }
    - { type: leave, atS: 20, count: 30, crashFraction: 0.5 }
    - { type: massFailure, atS: 30, fraction: 0.3 }
    - { type: flashCrowd, atS: 40, count: 500, withinS: 5 }
    - { type: trackerFailure, atS: 50, tracker: 0, recoverAtS: 60 }
`

const Churn = suite('scenario churn and trackers')

Churn('defaults topology.trackers, and takes a lostToChurn budget without a unit', () => {
  const s = parse(MINIMAL)
  assert.equal(s.topology, { builder: 'static', degree: 4, trackers: 1, entryPoints: 2, wsServerShare: 0, locality: 'none', plumtree: false })
  assert.equal(s.churn, { initialNodes: 100, arrivalRatePerS: 0, crashFraction: 0, events: [] })
  assert.not.ok('session' in s.churn)
  assert.equal(parse(MINIMAL + 'topology: { builder: tracker }\n').topology, { builder: 'tracker', degree: 4, trackers: 1, entryPoints: 2, wsServerShare: 0, locality: 'none', plumtree: false })
  // trackers is allowed, and kept, with the static builder.
  assert.is(parse(MINIMAL + 'topology: { trackers: 3 }\n').topology.trackers, 3)
  // initialNodes defaults to nodes, whatever sets nodes.
  assert.is(parse(MINIMAL, ['nodes=5000']).churn.initialNodes, 5000)
  assert.is(parse(MINIMAL + 'churn: { initialNodes: 0, arrivalRatePerS: 1 }\n').churn.initialNodes, 0)
  // A leave event's own crashFraction defaults to 0.
  assert.equal(parse(MINIMAL + 'churn: { events: [{ type: leave, atS: 1, count: 5 }] }\n').churn.events, [
    { type: 'leave', atS: 1, count: 5, crashFraction: 0 },
  ])
})

Churn('parses the full churn example', () => {
  const s = parse(CHURN_EXAMPLE)
  assert.equal(s.topology, { builder: 'tracker', degree: 4, trackers: 1, entryPoints: 2, wsServerShare: 0, locality: 'none', plumtree: false })
  assert.equal(s.churn, {
    initialNodes: 800,
    arrivalRatePerS: 2,
    session: { distribution: 'weibull', shape: 0.615, scaleS: 10170 },
    crashFraction: 0.2,
    events: [
      { type: 'join', atS: 10, count: 50 },
      { type: 'leave', atS: 20, count: 30, crashFraction: 0.5 },
      { type: 'massFailure', atS: 30, fraction: 0.3 },
      { type: 'flashCrowd', atS: 40, count: 500, withinS: 5 },
      { type: 'trackerFailure', atS: 50, tracker: 0, recoverAtS: 60 },
    ],
  })
  // The last event ends at 60 s, after the workload's 12 s: the default duration follows it.
  assert.is(s.durationS, 90)
})

Churn('parses every session distribution', () => {
  const session = (yaml: string) => parse(MINIMAL + `churn: { session: ${yaml} }\n`).churn.session
  assert.equal(session('{ distribution: exponential, meanS: 600 }'), { distribution: 'exponential', meanS: 600 })
  assert.equal(session('{ distribution: weibull, shape: 0.615, scaleS: 10170 }'), { distribution: 'weibull', shape: 0.615, scaleS: 10170 })
  assert.equal(session('{ scaleS: 60, shape: 1.5, distribution: pareto }'), { distribution: 'pareto', shape: 1.5, scaleS: 60 })
})

Churn('defaults durationS to at least 30 s after the last churn event', () => {
  const duration = (events: string) => parse(MINIMAL + `churn: { initialNodes: 50, events: [${events}] }\n`).durationS
  // Events before the workload ends leave the workload formula (2 + 100 / 10 + 30 = 42) alone.
  assert.is(duration('{ type: join, atS: 5, count: 10 }'), 42)
  assert.is(duration('{ type: join, atS: 100, count: 10 }'), 130)
  assert.is(duration('{ type: massFailure, atS: 3, fraction: 0.5 }, { type: leave, atS: 70, count: 1 }'), 100)
  // A flash crowd ends when its window does.
  assert.is(duration('{ type: flashCrowd, atS: 100, count: 10, withinS: 50 }'), 180)
  const tracker = (event: string) => parse(MINIMAL + `topology: { builder: tracker }\nchurn: { events: [${event}] }\n`).durationS
  assert.is(tracker('{ type: trackerFailure, atS: 100, tracker: 0, recoverAtS: 200 }'), 230)
  assert.is(tracker('{ type: trackerFailure, atS: 100, tracker: 0 }'), 130)
  assert.is(parse(MINIMAL + 'durationS: 20\nchurn: { initialNodes: 50, events: [{ type: join, atS: 100, count: 10 }] }\n').durationS, 20)
})

Churn('reports churn and tracker schema errors', () => {
  const message = (yaml: string) => onlyError(MINIMAL + yaml).message
  assert.is(message('topology: { builder: trackr }\n'), 'quick.yaml: topology.builder: got "trackr", expected one of static, tracker, dht, did you mean "tracker"?')
  assert.is(message('topology: { builder: tracker, trackers: 0 }\n'), 'quick.yaml: topology.trackers: got 0, expected an integer >= 1 and <= 64')
  assert.is(message('churn: { initialNodes: -1 }\n'), 'quick.yaml: churn.initialNodes: got -1, expected an integer >= 0 and <= 10000000')
  assert.is(message('churn: { arrivalRatePerS: -2 }\n'), 'quick.yaml: churn.arrivalRatePerS: got -2, expected a number >= 0 and <= 1000000')
  assert.is(message('churn: { crashFraction: 1.5 }\n'), 'quick.yaml: churn.crashFraction: got 1.5, expected a number >= 0 and <= 1')
  assert.is(
    message('churn: { session: { distribution: weibul, shape: 1, scaleS: 1 } }\n'),
    'quick.yaml: churn.session.distribution: got "weibul", expected one of exponential, weibull, pareto, did you mean "weibull"?',
  )
  assert.is(message('churn: { session: { distribution: exponential, meanS: 0 } }\n'), 'quick.yaml: churn.session.meanS: got 0, expected a number > 0 and <= 31536000')
  assert.is(message('churn: { session: { distribution: weibull, shape: 0, scaleS: 10 } }\n'), 'quick.yaml: churn.session.shape: got 0, expected a number > 0 and <= 100')
  assert.is(message('churn: { session: { distribution: weibull, shape: 1, scaleS: -5 } }\n'), 'quick.yaml: churn.session.scaleS: got -5, expected a number > 0 and <= 31536000')
  assert.is(message('churn: { session: { distribution: pareto, shape: -1, scaleS: 10 } }\n'), 'quick.yaml: churn.session.shape: got -1, expected a number > 0 and <= 100')
  assert.is(message('churn: { session: { distribution: pareto, shape: 1, scaleS: 0 } }\n'), 'quick.yaml: churn.session.scaleS: got 0, expected a number > 0 and <= 31536000')
  assert.is(message('churn: { session: { distribution: pareto, shape: 2 } }\n'), 'quick.yaml: churn.session.scaleS: got nothing, expected a number > 0 and <= 31536000 (required)')
  const field = onlyError(MINIMAL + 'churn: { session: { distribution: weibull, shape: 1, meanS: 10, scaleS: 3 } }\n')
  assert.is(field.path, 'churn.session.meanS')
  assert.ok(field.expected.includes('(known: distribution, shape, scaleS)'), field.message)
  assert.is(
    message('churn: { events: [{ type: massFailure, atS: 1, fraction: 0 }] }\n'),
    'quick.yaml: churn.events[0].fraction: got 0, expected a number > 0 and <= 1',
  )
  assert.is(
    message('churn: { events: [{ type: flashcrowd, atS: 1 }] }\n'),
    'quick.yaml: churn.events[0].type: got "flashcrowd", expected one of join, leave, massFailure, flashCrowd, trackerFailure, did you mean "flashCrowd"?',
  )
  assert.is(
    message('churn: { initialNodes: 50, events: [{ type: flashCrowd, atS: 1, count: 10 }] }\n'),
    'quick.yaml: churn.events[0].withinS: got nothing, expected a number >= 0 and <= 31536000 (required)',
  )
})

Churn('enforces the churn cross-field rules', () => {
  const message = (yaml: string) => onlyError(MINIMAL + yaml).message
  assert.is(message('churn: { initialNodes: 101 }\n'), 'quick.yaml: churn.initialNodes: got 101, expected an integer <= nodes (100)')
  assert.is(
    message('churn: { arrivalRatePerS: 2 }\n'),
    'quick.yaml: churn.arrivalRatePerS: got 2, expected 0, since churn.initialNodes = nodes (100) leaves no node to arrive (lower initialNodes for arrivals)',
  )
  assert.is(
    message('churn: { events: [{ type: join, atS: 1, count: 1 }] }\n'),
    'quick.yaml: churn.events[0].count: got 1, expected no joins, since churn.initialNodes = nodes (100) leaves no node to join (lower initialNodes for joins)',
  )
  // Only the first event past the limit is reported; the leave between them does not count.
  assert.is(
    message(
      'churn:\n  initialNodes: 80\n  events:\n' +
        '    - { type: join, atS: 1, count: 15 }\n' +
        '    - { type: leave, atS: 2, count: 50 }\n' +
        '    - { type: flashCrowd, atS: 3, count: 6, withinS: 1 }\n' +
        '    - { type: join, atS: 4, count: 6 }\n',
    ),
    'quick.yaml: churn.events[2].count: got 6, expected an integer <= 5 (join and flashCrowd counts together at most nodes - churn.initialNodes = 100 - 80 = 20; earlier join and flashCrowd events take 15)',
  )
  parse('name: quick\nprotocol: brubeck\nnodes: 100\nchurn: { initialNodes: 80, events: [{ type: join, atS: 1, count: 15 }, { type: flashCrowd, atS: 3, count: 5, withinS: 1 }] }\n')
  assert.is(
    message('churn: { events: [{ type: leave, atS: 1, count: 101 }] }\n'),
    'quick.yaml: churn.events[0].count: got 101, expected an integer <= nodes (100)',
  )
  assert.is(
    message('churn: { events: [{ type: trackerFailure, atS: 1, tracker: 0 }] }\n'),
    'quick.yaml: churn.events[0].type: got "trackerFailure", expected join, leave, massFailure or flashCrowd (trackerFailure needs topology.builder: tracker; it is static)',
  )
  assert.is(
    message('topology: { builder: tracker, trackers: 2 }\nchurn: { events: [{ type: trackerFailure, atS: 1, tracker: 2 }] }\n'),
    'quick.yaml: churn.events[0].tracker: got 2, expected an integer < topology.trackers (2); trackers are numbered from 0',
  )
  assert.is(
    message('topology: { builder: tracker }\nchurn: { events: [{ type: trackerFailure, atS: 5, tracker: 0, recoverAtS: 5 }] }\n'),
    'quick.yaml: churn.events[0].recoverAtS: got 5, expected a time > atS (5 s)',
  )
  // All of them at once, in document order.
  const errors = errorsOf(() =>
    parse(
      'name: quick\nprotocol: brubeck\nnodes: 10\nchurn:\n  initialNodes: 12\n  events:\n' +
        '    - { type: trackerFailure, atS: 9, tracker: 0, recoverAtS: 1 }\n' +
        '    - { type: leave, atS: 1, count: 11 }\n',
    ),
  )
  assert.equal(
    errors.map((e) => e.path),
    ['churn.initialNodes', 'churn.events[0].recoverAtS', 'churn.events[0].type', 'churn.events[1].count'],
  )
})

Churn('parses the new budget metrics, with ms on the time-to metrics', () => {
  const s = parse(
    MINIMAL +
      'budgets: ["timeToFirstNeighbourMs.p99 <= 2000 ms", "timeToDataMs.max < 5000", "lostToChurn < 10", "lostOnline == 0", "trackerMessagesPerSecond <= 50"]\n',
  )
  assert.equal(
    s.budgets.map((b) => b.metric),
    ['timeToFirstNeighbourMs.p99', 'timeToDataMs.max', 'lostToChurn', 'lostOnline', 'trackerMessagesPerSecond'],
  )
  for (const stat of ['mean', 'p50', 'p90', 'p99', 'max']) {
    assert.ok(BUDGET_METRICS.includes(`timeToFirstNeighbourMs.${stat}`) && BUDGET_METRICS.includes(`timeToDataMs.${stat}`), stat)
  }
  assert.is(onlyError(MINIMAL + 'budgets: ["lostToChurn < 3 ms"]\n').expected, 'a plain number as limit (lostToChurn has no unit word)')
})

Churn('sweeps over topology.builder, with churn fields that follow swept ones', () => {
  const s = parse(MINIMAL + 'sweep: { topology.builder: [static, tracker], nodes: [100, 200] }\n')
  assert.equal(
    expandSweep(s).map((p) => [p.point, p.scenario.topology, p.scenario.churn.initialNodes]),
    [
      [{ 'topology.builder': 'static', nodes: 100 }, { builder: 'static', degree: 4, trackers: 1, entryPoints: 2, wsServerShare: 0, locality: 'none', plumtree: false }, 100],
      [{ 'topology.builder': 'static', nodes: 200 }, { builder: 'static', degree: 4, trackers: 1, entryPoints: 2, wsServerShare: 0, locality: 'none', plumtree: false }, 200],
      [{ 'topology.builder': 'tracker', nodes: 100 }, { builder: 'tracker', degree: 4, trackers: 1, entryPoints: 2, wsServerShare: 0, locality: 'none', plumtree: false }, 100],
      [{ 'topology.builder': 'tracker', nodes: 200 }, { builder: 'tracker', degree: 4, trackers: 1, entryPoints: 2, wsServerShare: 0, locality: 'none', plumtree: false }, 200],
    ],
  )
  // A tracker failure only fits the tracker points (the file itself, like every file, must be valid as written).
  const errors = errorsOf(() =>
    parse(
      MINIMAL +
        'topology: { builder: tracker }\nchurn: { events: [{ type: trackerFailure, atS: 1, tracker: 0 }] }\nsweep: { topology.builder: [tracker, static] }\n',
    ),
  )
  assert.equal(
    errors.map((e) => [e.path, e.point]),
    [['churn.events[0].type', { 'topology.builder': 'static' }]],
  )
  // A swept field inside one distribution does not fit the other: reported for that point only.
  const bad = errorsOf(() =>
    parse(
      MINIMAL +
        'churn: { initialNodes: 50 }\nsweep:\n  churn.session: [{ distribution: exponential, meanS: 60 }, { distribution: pareto, shape: 2, scaleS: 30 }]\n  churn.session.shape: [1.5]\n',
    ),
  )
  assert.equal(
    bad.map((e) => [e.path, e.point, e.expected]),
    [
      [
        'churn.session.shape',
        { 'churn.session': { distribution: 'exponential', meanS: 60 }, 'churn.session.shape': 1.5 },
        'a known field; unknown field "shape" (known: distribution, meanS)',
      ],
    ],
  )
  const fine = parse(MINIMAL + 'churn: { initialNodes: 50 }\nsweep: { churn.session.shape: [0.5, 2], churn.arrivalRatePerS: [0, 1] }\n', [
    'churn.session={ distribution: weibull, shape: 1, scaleS: 60 }',
  ])
  assert.equal(
    expandSweep(fine).map((p) => [p.scenario.churn.session, p.scenario.churn.arrivalRatePerS]),
    [
      [{ distribution: 'weibull', shape: 0.5, scaleS: 60 }, 0],
      [{ distribution: 'weibull', shape: 0.5, scaleS: 60 }, 1],
      [{ distribution: 'weibull', shape: 2, scaleS: 60 }, 0],
      [{ distribution: 'weibull', shape: 2, scaleS: 60 }, 1],
    ],
  )
})

// ---- --set ----

const SetOption = suite('--set')

SetOption('overrides numbers, strings, nested fields and lists', () => {
  const s = parse(MINIMAL + 'budgets: ["rmr < 3"]\n', [
    'nodes=5000',
    'topology.degree=6',
    'network.latency.model=fixed',
    'network.latency.ms=20',
    'workload.arrival=poisson',
    'budgets=[]',
    'description=a b=c',
  ])
  assert.is(s.nodes, 5000)
  assert.is(s.topology.degree, 6)
  assert.equal(s.network.latency, { model: 'fixed', ms: 20 })
  assert.is(s.workload.arrival, 'poisson')
  assert.equal(s.budgets, [])
  assert.is(s.description, 'a b=c')
  assert.equal(parse(MINIMAL, ['network.latency.weights.eu-west-1=3']).network.latency, {
    model: 'geo',
    weights: { 'eu-west-1': 3 },
    intraRegionRttMs: 2,
    jitterSdMs: 0,
  })
})

SetOption('names --set as the file in its errors', () => {
  const errors = errorsOf(() => parse(MINIMAL, ['topology.degre=6', 'nodes', 'seed=abc', 'foo=1']))
  assert.equal(
    errors.map((e) => e.message),
    [
      '--set: topology.degre: got "topology.degre=6", expected a field path; unknown field "degre" in topology (known: builder, degree, trackers, entryPoints, wsServerShare, locality, plumtree), did you mean "degree"?',
      '--set: nodes: got "nodes", expected PATH=VALUE, e.g. topology.degree=6',
      '--set: foo: got "foo=1", expected a field path; unknown field "foo" (known: name, description, protocol, seed, nodes, topology, propagation, network, churn, workload, security, storage, ordering, adversaries, durationS, record, budgets, sweep, seeds)',
      '--set: seed: got "abc", expected an integer >= 0 and <= 9007199254740991',
    ],
  )
  // A --set value that breaks a rule elsewhere is reported where the rule points.
  assert.is(onlyError(MINIMAL, ['nodes=3']).message, 'quick.yaml: topology.degree: got 4, expected an integer < nodes (3)')
})

// ---- sweep ----

const Sweep = suite('scenario sweep')

Sweep('expands in key order, last key fastest, each point resolved', () => {
  const s = parse(MINIMAL + 'sweep:\n  topology.degree: [3, 4, 6]\n  workload.messagesPerPublisher: [10, 1000]\n')
  assert.equal(s.sweep, { 'topology.degree': [3, 4, 6], 'workload.messagesPerPublisher': [10, 1000] })
  const points = expandSweep(s)
  assert.is(points.length, 6)
  assert.equal(
    points.map((p) => p.point),
    [
      { 'topology.degree': 3, 'workload.messagesPerPublisher': 10 },
      { 'topology.degree': 3, 'workload.messagesPerPublisher': 1000 },
      { 'topology.degree': 4, 'workload.messagesPerPublisher': 10 },
      { 'topology.degree': 4, 'workload.messagesPerPublisher': 1000 },
      { 'topology.degree': 6, 'workload.messagesPerPublisher': 10 },
      { 'topology.degree': 6, 'workload.messagesPerPublisher': 1000 },
    ],
  )
  assert.equal(
    points.map((p) => [p.scenario.topology.degree, p.scenario.workload.messagesPerPublisher, p.scenario.durationS]),
    [
      [3, 10, 33],
      [3, 1000, 132],
      [4, 10, 33],
      [4, 1000, 132],
      [6, 10, 33],
      [6, 1000, 132],
    ],
  )
  for (const p of points) assert.not.ok('sweep' in p.scenario)
})

Sweep('has one point when the scenario has no sweep', () => {
  const points = expandSweep(parse(MINIMAL))
  assert.is(points.length, 1)
  assert.equal(points[0].point, {})
  assert.is(points[0].scenario.nodes, 100)
})

Sweep('can replace a whole latency model', () => {
  const s = parse(MINIMAL + 'sweep:\n  network.latency: [{ model: fixed, ms: 20 }, { model: geo }]\n')
  assert.equal(
    expandSweep(s).map((p) => p.scenario.network.latency),
    [
      { model: 'fixed', ms: 20 },
      { model: 'geo', intraRegionRttMs: 2, jitterSdMs: 0 },
    ],
  )
})

Sweep('names the sweep values of an invalid point', () => {
  const errors = errorsOf(() => parse('name: quick\nprotocol: brubeck\nnodes: 10\nsweep: { nodes: [5, 10], topology.degree: [4, 6] }\n'))
  assert.equal(
    errors.map((e) => e.message),
    ['quick.yaml: sweep point nodes=5, topology.degree=6: topology.degree: got 6, expected an integer < nodes (5)'],
  )
  assert.equal(errors[0].point, { nodes: 5, 'topology.degree': 6 })
  const bad = onlyError(MINIMAL + 'sweep: { workload.arrival: [constant, burst] }\n')
  assert.is(bad.path, 'workload.arrival')
  assert.equal(bad.point, { 'workload.arrival': 'burst' })
})

Sweep('takes only schema paths with non-empty lists as keys', () => {
  const errors = errorsOf(() => parse(MINIMAL + 'sweep: { topology.degre: [3], nodes: [], sweep.x: [1] }\n'))
  assert.equal(
    errors.map((e) => [e.path, e.expected]),
    [
      ['sweep.nodes', 'a non-empty list'],
      ['sweep["topology.degre"]', 'a field path; unknown field "degre" in topology (known: builder, degree, trackers, entryPoints, wsServerShare, locality, plumtree), did you mean "degree"?'],
      ['sweep["sweep.x"]', 'a field path outside sweep'],
    ],
  )
})

// ---- resolved YAML ----

const Resolved = suite('toResolvedYaml')

Resolved('round-trips topology and churn', () => {
  const s = parse(CHURN_EXAMPLE + 'sweep: { topology.trackers: [1, 3], churn.crashFraction: [0, 1] }\n')
  const yaml = toResolvedYaml(s)
  assert.ok(yaml.includes('topology:\n  builder: tracker\n  degree: 4\n  trackers: 1\n  entryPoints: 2\n  wsServerShare: 0\n  locality: none\n  plumtree: false\npropagation:'), yaml)
  assert.ok(yaml.includes('churn:\n  initialNodes: 800\n  arrivalRatePerS: 2\n  session:\n    distribution: weibull\n'), yaml)
  assert.ok(yaml.includes('    - type: leave\n      atS: 20\n      count: 30\n      crashFraction: 0.5\n'), yaml)
  const again = parse(yaml)
  assert.equal(withoutSource(again), withoutSource(s))
  assert.is(toResolvedYaml(again), yaml)
  for (const p of expandSweep(s)) assert.equal(withoutSource(parse(toResolvedYaml(p.scenario))), withoutSource(p.scenario))
  // Resolved durationS and initialNodes are written out, so the file loads the same even if nodes changes later.
  const minimal = parse(MINIMAL + 'churn: { session: { distribution: exponential, meanS: 30 } }\n')
  const text = toResolvedYaml(minimal)
  assert.ok(text.includes('churn:\n  initialNodes: 100\n  arrivalRatePerS: 0\n  session:\n    distribution: exponential\n    meanS: 30\n  crashFraction: 0\n  events: []\n'), text)
  assert.equal(withoutSource(parse(text)), withoutSource(minimal))
})

Resolved('round-trips and is deterministic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scenario-test-'))
  writeFileSync(join(dir, 'rtt.csv'), 'from,a\na,0\n')
  const text = [
    'budgets: ["latencyMs.p99 <= 400 ms", "deliveryRatio >= 0.999"]',
    'nodes: 50',
    'name: full',
    'protocol: brubeck',
    'description: "A: quoted, # not a comment"',
    'network:',
    '  processingDelayMs: 1.5',
    '  latency: { jitterSdMs: 2, file: rtt.csv, model: matrix }',
    '  uploadMbps: 10',
    '  events: [{ untilS: 8, type: partition, regions: [a], atS: 5 }, { type: linkCut, atS: 1, fraction: 0.25 }]',
    'sweep: { workload.ratePerSecond: [1, 2.5], seed: [1, 2] }',
    '',
  ].join('\n')
  writeFileSync(join(dir, 'full.yaml'), text)
  const s = loadScenario(join(dir, 'full.yaml'))
  const yaml = toResolvedYaml(s)
  assert.not.ok(yaml.includes('sourceFile'))
  assert.ok(yaml.startsWith('name: full\ndescription: "A: quoted, # not a comment"\nprotocol: brubeck\n'), yaml)
  assert.ok(yaml.includes('  - latencyMs.p99 <= 400\n'), yaml)
  const again = parseScenario(yaml, join(tmpdir(), 'elsewhere.yaml'))
  assert.equal(withoutSource(again), withoutSource(s))
  assert.is(toResolvedYaml(again), yaml)
  assert.equal(Object.keys(again), Object.keys(s))
  for (const model of ['{ model: fixed, ms: 3 }', '{ model: uniform, minMs: 1, maxMs: 2 }', '{ model: normal, meanMs: 5, sdMs: 1 }', '{ model: geo, weights: { us-east-1: 1 } }']) {
    const one = parse(MINIMAL + `network: { latency: ${model} }\n`)
    assert.equal(withoutSource(parse(toResolvedYaml(one))), withoutSource(one))
  }
  for (const p of expandSweep(s)) {
    assert.equal(withoutSource(parse(toResolvedYaml(p.scenario))), withoutSource(p.scenario))
  }
})

// ---- shipped scenarios ----

const Shipped = suite('shipped scenarios')

Shipped('all load, and every point of their sweeps validates', () => {
  const dir = resolve(import.meta.dirname ?? 'test', '..', 'scenarios')
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'))
  assert.ok(files.length >= 18, files.join())
  for (const f of files) {
    const scenario = loadScenario(join(dir, f))
    assert.is(scenario.name, f.replace(/\.yaml$/, ''), `${f}: name matches the file`)
    assert.ok(expandSweep(scenario).length >= 1)
  }
})

Shipped('say what they run: the node count a description gives is its nodes', () => {
  const dir = resolve(import.meta.dirname ?? 'test', '..', 'scenarios')
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    const scenario = loadScenario(join(dir, f))
    const stated = /([\d,]+) nodes/.exec(scenario.description ?? '')
    // A sweep over nodes states its values instead ("at 1,000 and 5,000 nodes").
    if (stated === null || scenario.sweep?.nodes !== undefined) continue
    assert.is(Number(stated[1].replace(/,/g, '')), scenario.nodes, `${f}: "${scenario.description}"`)
  }
})

// ---- the schema itself ----

const Schema = suite('scenario schema')

Schema('gives every property a description stating its default, and closes every object', () => {
  const schema: SchemaNode = JSON.parse(readFileSync(SCENARIO_SCHEMA_URL, 'utf8'))
  const problems: string[] = []
  const walk = (node: SchemaNode, path: string) => {
    if (node.properties && node.additionalProperties !== false && !node.discriminator) problems.push(`${path}: not closed`)
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const at = `${path}.${key}`
      if (!child.description) problems.push(`${at}: no description`)
      else if (child.const === undefined && !/default|Required/i.test(child.description)) problems.push(`${at}: no default stated`)
      if (child.default !== undefined && !/Default/.test(child.description ?? '')) problems.push(`${at}: default not described`)
      walk(child, at)
    }
    for (const branch of node.oneOf ?? []) walk(branch, `${path}(${JSON.stringify(branch.properties?.model?.const ?? branch.properties?.type?.const)})`)
    if (node.items) walk(node.items, `${path}[]`)
    if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}.*`)
  }
  walk(schema, '')
  assert.equal(problems, [])
})

Schema('bounds every number and integer above, so nothing wraps or exhausts memory unchecked', () => {
  const schema: SchemaNode = JSON.parse(readFileSync(SCENARIO_SCHEMA_URL, 'utf8'))
  const unbounded: string[] = []
  const walk = (node: SchemaNode, path: string) => {
    if ((node.type === 'number' || node.type === 'integer') && node.maximum === undefined && node.exclusiveMaximum === undefined) unbounded.push(path)
    for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${key}`)
    node.oneOf?.forEach((branch, i) => walk(branch, `${path}|${i}`))
    if (node.items) walk(node.items, `${path}[]`)
    if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}.*`)
  }
  walk(schema, '')
  assert.equal(unbounded, [])
})

Defaults.run()
Errors.run()
Churn.run()
SetOption.run()
Sweep.run()
Resolved.run()
Shipped.run()
Schema.run()
