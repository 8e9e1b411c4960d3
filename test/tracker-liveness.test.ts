// The tracker's liveness rules (core/tracker/liveness.ts), without a network: who is proven, who
// may break links, and how unreachable reports keep pairs apart and expire.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { PartLiveness } from '../core/tracker/liveness.ts'
import { formInstructions } from '../core/tracker/form-instructions.ts'
import { OverlayGraph } from '../core/tracker/overlay-graph.ts'
import { statusMessage, isTrackerStatusMessage } from '../core/tracker/tracker-messages.ts'
import { WireCodec } from '../live/wire-codec.ts'

const Liveness = suite('tracker liveness')

function liveness(memoryMs = 1_000, reporters = 2) {
  let now = 0
  const rules = new PartLiveness({ memoryMs, reporters }, () => now)
  return { rules, advance: (ms: number) => { now += ms } }
}

Liveness('the first link both ends confirm proves both; later members only through a proven one', () => {
  const { rules } = liveness()
  rules.status('a', ['b'], [])
  assert.not.ok(rules.isProven('a'))
  assert.ok(rules.mayBreakLinks('s'), 'with no member proven, anyone may break links (the reference)')
  rules.status('b', ['a'], [])
  assert.ok(rules.isProven('a') && rules.isProven('b'))
  rules.status('s1', ['s2'], [])
  rules.status('s2', ['s1'], [])
  assert.not.ok(rules.isProven('s1') || rules.isProven('s2'), 'two unproven members cannot prove each other')
  assert.not.ok(rules.mayBreakLinks('s1'))
  rules.status('c', ['a'], [])
  rules.status('a', ['b', 'c'], [])
  assert.ok(rules.isProven('c'))
})

Liveness('an unreachable report keeps the pair apart until it expires; two proven reporters exclude an unproven member', () => {
  const { rules, advance } = liveness(1_000, 2)
  rules.status('a', ['b'], [])
  rules.status('b', ['a'], [])
  rules.status('a', ['b'], ['s'])
  assert.not.ok(rules.mayLink('a', 's'))
  assert.ok(rules.mayLink('b', 's'), 'one report excludes the peer from its reporter only')
  rules.status('b', ['a'], ['s'])
  assert.not.ok(rules.mayLink('c', 's'), 'two proven reporters: paired with nobody')
  advance(1_001)
  assert.ok(rules.mayLink('a', 's') && rules.mayLink('c', 's'))
  rules.status('a', [], ['b'])
  assert.ok(rules.mayLink('a', 'b'), 'a proven peer that failed once is paired again')
})

Liveness('an unproven member takes free slots but breaks no full members\' link', () => {
  const graph = new OverlayGraph(2)
  const { rules } = liveness()
  for (const [n, l] of [['a', ['b']], ['b', ['a']]] as const) {
    graph.report(n, [...l])
    rules.status(n, l, [])
  }
  // a and b proven; c and d full with each other and with a/b: every member full, s has two slots.
  graph.report('c', ['a', 'd'])
  graph.report('d', ['b', 'c'])
  graph.report('s', [])
  const random = { next: () => 0.5 }
  assert.equal(formInstructions(graph, 's', random, rules), [])
  assert.equal([...graph.neighbours('s')], [])
  assert.ok(formInstructions(graph, 's', random).length > 0, 'without rules it breaks a link (the reference)')
})

/** `m` through the live codec and back. */
function roundTrip(m: object): Record<string, unknown> {
  const codec = new WireCodec()
  const e = codec.encode(m as never)
  if (!e.ok) throw new Error(e.error)
  const d = codec.decode(e.frame)
  if (!d.ok) throw new Error(String((d as { error?: unknown }).error))
  return d.message as unknown as Record<string, unknown>
}

Liveness('a status carries unreachable peers only when there are some, and the codec keeps them', () => {
  const plain = statusMessage('s#0', ['a'], 3)
  assert.is('unreachable' in plain, false)
  const reported = statusMessage('s#0', ['a'], 3, ['x', 'y'])
  assert.ok(isTrackerStatusMessage(reported))
  assert.is(reported.sizeBytes, plain.sizeBytes + 40)
  assert.equal(roundTrip(reported).unreachable, ['x', 'y'])
  assert.is('unreachable' in roundTrip(plain), false)
  assert.not.ok(isTrackerStatusMessage({ ...plain, unreachable: 'x' }))
})

Liveness.run()
