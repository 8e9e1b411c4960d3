// formInstructions on the OverlayGraph alone, no network: thousands of random joins and leaves
// handled as the tracker handles them, with the graph checked after every step.
//
// Invariants checked after each step (max = maxNeighbours):
//   I1 every member's degree <= max;
//   I2 no self links, no duplicates (a Set), every link symmetric, links only between members
//      (joins report no neighbours, so no unconfirmed nodes appear);
//   I3 the members with free slots are pairwise linked: no two of them could still be joined;
//   I4 a member with 2 or more free slots has no link (a, b) between two full members that are
//      both unlinked to it: the break-a-link rule could not apply.
// I3 + I4 are the exact sense of "free slots only where the graph cannot do better".

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { formInstructions } from '../core/tracker/form-instructions.ts'
import { LazyShuffle } from '../core/tracker/lazy-shuffle.ts'
import { OverlayGraph } from '../core/tracker/overlay-graph.ts'
import { createRandom } from '../sim/engine/random.ts'
import { componentsOf } from '../sim/metrics/overlay-stats.ts'

function checkInvariants(graph: OverlayGraph, step: string): void {
  const max = graph.maxNeighbours
  const members = [...graph.members]
  const memberSet = new Set(members)
  const open: string[] = []
  for (const m of members) {
    const ns = graph.neighbours(m)
    assert.ok(ns.size <= max, `${step}: ${m} has degree ${ns.size} > ${max}`)
    assert.not.ok(ns.has(m), `${step}: ${m} links to itself`)
    for (const n of ns) {
      assert.ok(memberSet.has(n), `${step}: ${m} links to non-member ${n}`)
      assert.ok(graph.neighbours(n).has(m), `${step}: link ${m}-${n} not symmetric`)
    }
    if (ns.size < max) open.push(m)
  }
  assert.equal(new Set(graph.openMembers), new Set(open), `${step}: open set out of date`)
  for (let i = 0; i < open.length; i++) {
    for (let j = i + 1; j < open.length; j++) {
      assert.ok(graph.hasLink(open[i], open[j]), `${step}: open members ${open[i]} and ${open[j]} could be linked`)
    }
  }
  for (const x of open) {
    if (max - graph.degree(x) < 2) continue
    for (const a of members) {
      if (a === x || !graph.isFull(a) || graph.hasLink(x, a)) continue
      for (const b of graph.neighbours(a)) {
        if (b !== x && graph.isFull(b) && !graph.hasLink(x, b)) {
          assert.unreachable(`${step}: ${x} has ${max - graph.degree(x)} free slots but link ${a}-${b} could be broken for it`)
        }
      }
    }
  }
}

/** What the tracker does: a join reports no neighbours and is formed; a leave re-forms its former neighbours. */
function join(graph: OverlayGraph, id: string, random: ReturnType<typeof createRandom>): string[] {
  graph.report(id, [])
  return formInstructions(graph, id, random)
}

function leave(graph: OverlayGraph, id: string, random: ReturnType<typeof createRandom>): void {
  for (const n of graph.remove(id)) formInstructions(graph, n, random)
}

const Form = suite('formInstructions')

for (const max of [1, 2, 3, 4, 5]) {
  Form(`keeps I1-I4 through random joins and leaves (max ${max}, 4,000 steps)`, () => {
    const random = createRandom(7, 'form', max)
    const graph = new OverlayGraph(max)
    const present: string[] = []
    let next = 0
    for (let step = 0; step < 4_000; step++) {
      // Joins slightly outnumber leaves until ~60 members, then they balance; sometimes the overlay empties.
      const joinBias = present.length < 60 ? 0.6 : 0.5
      if (present.length === 0 || random.next() < joinBias) {
        const id = `n${next++}`
        present.push(id)
        join(graph, id, random)
      } else {
        const k = Math.floor(random.next() * present.length)
        const [id] = present.splice(k, 1)
        leave(graph, id, random)
      }
      checkInvariants(graph, `step ${step}`)
    }
  })
}

Form('makes 1,000 sequential joins a connected 4-regular graph but for at most one node', () => {
  const random = createRandom(3, 'form', 'regular')
  const graph = new OverlayGraph(4)
  for (let i = 0; i < 1_000; i++) join(graph, `n${i}`, random)
  checkInvariants(graph, 'end')
  const short = graph.members.filter((m) => graph.degree(m) < 4)
  assert.ok(short.length <= 1, `${short.length} nodes below degree 4`)
  const index = new Map(graph.members.map((m, i) => [m, i]))
  const adjacency = graph.members.map((m) => [...graph.neighbours(m)].map((n) => index.get(n)!))
  assert.is(new Set(componentsOf(adjacency)).size, 1)
})

Form('trims a node with too many neighbours to a random subset, and tells the dropped ones too', () => {
  const graph = new OverlayGraph(4)
  const random = createRandom(1, 'trim')
  for (let i = 0; i < 7; i++) graph.report(`p${i}`, [])
  graph.report('x', ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'])
  const changed = formInstructions(graph, 'x', random)
  assert.is(graph.degree('x'), 4)
  const dropped = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'].filter((p) => !graph.hasLink('x', p))
  assert.is(dropped.length, 3)
  for (const d of dropped) assert.ok(changed.includes(d), `${d} dropped but not told`)
  assert.ok(changed.includes('x'))
})

Form('breaks links for a newcomer among full nodes, never leaving it 2+ free slots', () => {
  // A 5-cycle with chords is 4-regular on 5 nodes (K5): a 6th node can only join by breaking links.
  const graph = new OverlayGraph(4)
  const random = createRandom(2, 'break')
  const ids = ['a', 'b', 'c', 'd', 'e']
  for (const id of ids) graph.report(id, ids.filter((o) => o !== id))
  const changed = formInstructions(graph, 'f', random)
  assert.equal(changed, [], 'not a member yet: nothing')
  graph.report('f', [])
  const changed2 = formInstructions(graph, 'f', random)
  assert.is(graph.degree('f'), 4, 'two links broken, four ends linked to f')
  assert.is(changed2.length, 5)
  for (const id of ids) assert.ok(graph.degree(id) === 4 || graph.degree(id) === 3)
  assert.is(ids.filter((id) => graph.degree(id) === 3).length, 0, 'every broken end got f instead')
})

Form('leaves a node its one free slot among full strangers (a swap would only move the gap)', () => {
  // max 3: x has a and b; everyone else is full and a stranger to x.
  const graph = new OverlayGraph(3)
  const random = createRandom(4, 'one-slot')
  const links: [string, string][] = [['x', 'a'], ['x', 'b'], ['a', 'c'], ['a', 'd'], ['b', 'e'], ['b', 'f'],
    ['c', 'd'], ['c', 'e'], ['d', 'f'], ['e', 'f']]
  for (const id of ['x', 'a', 'b', 'c', 'd', 'e', 'f']) graph.report(id, [])
  for (const [p, q] of links) graph.link(p, q)
  const before = graph.snapshot()
  assert.equal(formInstructions(graph, 'x', random), [])
  assert.equal(graph.snapshot(), before)
  // Three free slots (a and b linked to each other instead) get one swap, then one slot stays free.
  graph.unlink('x', 'a')
  graph.unlink('x', 'b')
  graph.link('a', 'b')
  const changed = formInstructions(graph, 'x', random)
  assert.is(graph.degree('x'), 2, 'one link broken, both ends to x')
  assert.is(changed.length, 3)
})

Form('keeps reported neighbours that have not reported yet as unconfirmed links, then confirms them', () => {
  const graph = new OverlayGraph(4)
  const random = createRandom(5, 'unconfirmed')
  graph.report('x', ['y', 'z'])
  assert.equal(graph.members, ['x'])
  assert.is(graph.degree('x'), 2, 'links to y and z hold slots')
  assert.equal(formInstructions(graph, 'x', random), [], 'no other member to fill from, nothing to break')
  graph.report('y', ['x'])
  assert.ok(graph.hasLink('x', 'y'))
  graph.report('x', ['y'])
  assert.is(graph.degree('z'), 0, 'z lost its last link and is gone')
  assert.not.ok(graph.isMember('z'))
})

const Shuffle = suite('LazyShuffle')

Shuffle('draws a permutation, uniformly', () => {
  const random = createRandom(6, 'shuffle')
  const firstCounts = new Array(5).fill(0)
  for (let t = 0; t < 5_000; t++) {
    const s = new LazyShuffle(5, random)
    const drawn: number[] = []
    for (let i = s.next(); i >= 0; i = s.next()) drawn.push(i)
    assert.equal([...drawn].sort(), [0, 1, 2, 3, 4])
    firstCounts[drawn[0]]++
  }
  for (const c of firstCounts) assert.ok(c > 850 && c < 1150, `first-draw counts ${firstCounts}`)
})

Form.run()
Shuffle.run()
