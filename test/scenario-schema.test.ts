// The scenario schema (sim/scenario/scenario.schema.json) is the source of every scenario
// default; where core has a constant of its own for the same thing, the two must agree, and
// every field the engine reads (the resolved Scenario) must be a field the schema documents.

import { readFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { BRUBECK, TATUM } from '../core/protocol-era.ts'
import { DEFAULT_STORAGE_REPLICAS } from '../core/storage/storage-assignment.ts'
import { DEFAULT_STATIC_DEGREE } from '../core/topology/static-overlay.ts'
import { DEFAULT_MAX_NEIGHBOURS } from '../core/tracker/tracker.ts'
import { DEFAULT_KEY_REQUEST_TIMEOUT_MS, DEFAULT_MAX_KEY_REQUESTS_PER_SECOND } from '../core/security/key-requester.ts'
import { DEFAULT_GAP_MODE, DEFAULT_INITIAL_WAIT_MS, DEFAULT_MAX_RESEND_REQUESTS, DEFAULT_RETRY_WAIT_MS } from '../core/ordering/ordering-options.ts'
import { propertiesOf, SCENARIO_SCHEMA_URL, type SchemaNode } from '../sim/scenario/schema.ts'
import { MAX_SEEDS } from '../sim/scenario/seeds.ts'
import { scenarioFrom } from './helpers/scenario.ts'

const schema: SchemaNode = JSON.parse(readFileSync(SCENARIO_SCHEMA_URL, 'utf8'))
const Schema = suite('scenario schema')

function nodeAt(path: string): SchemaNode {
  let node = schema
  for (const key of path.split('.')) node = propertiesOf(node)[key]
  return node
}

Schema('a default written both in the schema and in core is the same in both', () => {
  const pairs: [string, unknown][] = [
    ['topology.degree', DEFAULT_STATIC_DEGREE],
    ['topology.degree', DEFAULT_MAX_NEIGHBOURS],
    ['storage.replicas', DEFAULT_STORAGE_REPLICAS],
  ]
  for (const [path, constant] of pairs) assert.is(nodeAt(path).default, constant, path)
})

Schema('seeds: takes as many seeds as --seeds N may ask for, each one a valid seed', () => {
  assert.is(nodeAt('seeds').maxItems, MAX_SEEDS)
  const { description: _a, default: _b, ...seed } = nodeAt('seed')
  const { description: _c, ...item } = nodeAt('seeds').items!
  assert.equal(item, seed)
})

Schema('era-dependent fields have no schema default; both eras resolve them from protocol-era.ts', () => {
  for (const path of ['ordering.gapMode', 'ordering.initialWaitMs', 'ordering.retryWaitMs', 'ordering.maxResendRequests', 'ordering.giveUpAfter',
    'security.keyRequestTimeoutS', 'security.maxKeyRequestsPerSecond', 'propagation.maxMessages', 'propagation.ttlMs', 'propagation.minTargets']) {
    assert.is(nodeAt(path).default, undefined, `${path} takes the era's default`)
  }
  for (const era of [BRUBECK, TATUM]) {
    const s = scenarioFrom(`name: e\nprotocol: ${era.era}\nnodes: 10\n`)
    assert.equal(s.propagation, { maxMessages: era.propagation.maxMessages, ttlMs: era.propagation.ttlMs, minTargets: era.propagation.minPropagationTargets })
    assert.equal([s.ordering.gapMode, s.ordering.initialWaitMs, s.ordering.retryWaitMs, s.ordering.maxResendRequests, s.ordering.giveUpAfter],
      [era.ordering.gapModes[0], era.ordering.initialWaitMs, era.ordering.retryWaitMs, era.ordering.maxResendRequests, era.ordering.giveUpAfter])
    assert.equal([s.security.keyRequestTimeoutS * 1000, s.security.maxKeyRequestsPerSecond], [era.keyExchange.requestTimeoutMs, era.keyExchange.maxRequestsPerSecond])
  }
  // Core's own defaults are Tatum's, the network as it runs today.
  assert.equal([DEFAULT_GAP_MODE, DEFAULT_INITIAL_WAIT_MS, DEFAULT_RETRY_WAIT_MS, DEFAULT_MAX_RESEND_REQUESTS],
    [TATUM.ordering.gapModes[0], TATUM.ordering.initialWaitMs, TATUM.ordering.retryWaitMs, TATUM.ordering.maxResendRequests])
  assert.equal([DEFAULT_KEY_REQUEST_TIMEOUT_MS, DEFAULT_MAX_KEY_REQUESTS_PER_SECOND], [TATUM.keyExchange.requestTimeoutMs, TATUM.keyExchange.maxRequestsPerSecond])
})

Schema('every field of a resolved scenario, with every section in use, is a field the schema documents', () => {
  const s = scenarioFrom(`
name: everything
description: all sections
protocol: brubeck
seed: 3
nodes: 100
topology: { builder: tracker, degree: 4, trackers: 2 }
propagation: { maxMessages: 10 }
network:
  latency: { model: geo, weights: { eu-west-1: 1 } }
  uploadMbps: 10
  downloadMbps: 10
  events: [ { type: partition, atS: 1, untilS: 2, fraction: 0.5 }, { type: linkCut, atS: 1, fraction: 0.1 } ]
churn:
  initialNodes: 80
  session: { distribution: weibull, shape: 0.6, scaleS: 100 }
  events: [ { type: join, atS: 1, count: 5 }, { type: leave, atS: 2, count: 3 }, { type: massFailure, atS: 3, fraction: 0.1 },
            { type: flashCrowd, atS: 4, count: 5, withinS: 1 }, { type: trackerFailure, atS: 5, tracker: 0, recoverAtS: 6 } ]
security: { crypto: modelled, encryption: true, events: [ { type: rotateKey, atS: 3 }, { type: revoke, atS: 4, fraction: 0.1 }, { type: rekey, atS: 5 } ] }
storage: { nodes: 2 }
ordering: { enabled: true }
adversaries: { droppers: 0.1 }
durationS: 20
budgets: [ "deliveryRatio >= 0.9" ]
sweep: { topology.degree: [3, 4] }
seeds: [1, 2]
`)
  const missing: string[] = []
  const walk = (value: unknown, node: SchemaNode | undefined, path: string) => {
    if (node === undefined) {
      missing.push(path)
      return
    }
    if (Array.isArray(value)) {
      // A list the schema leaves open (sweep values may be any valid value of their field) is documented as a whole.
      if (node.items !== undefined) value.forEach((item, i) => walk(item, node.items, `${path}[${i}]`))
    }
    else if (typeof value === 'object' && value !== null) {
      const properties = propertiesOf(node)
      const free = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined
      for (const [key, child] of Object.entries(value)) {
        // budgets are resolved from strings into objects; the schema documents the strings.
        if (path === 'budgets' || path.startsWith('budgets[')) continue
        walk(child, properties[key] ?? free, path === '' ? key : `${path}.${key}`)
      }
    }
  }
  const { sourceFile: _source, ...fields } = s
  walk(fields, schema, '')
  assert.equal(missing, [])
})

Schema.run()
