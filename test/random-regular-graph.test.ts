import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { randomRegularGraph } from '../core/topology/random-regular-graph.ts'
import { createRandom } from '../sim/engine/random.ts'
import { componentsOf } from '../sim/metrics/overlay-stats.ts'

function neighbours(g: ReturnType<typeof randomRegularGraph>): number[][] {
  return Array.from({ length: g.nodes }, (_, i) => Array.from(g.adjacency.slice(i * g.degree, i * g.degree + g.degreeOf[i])))
}

const Graph = suite('randomRegularGraph')

for (const [n, d] of [[10, 3], [1000, 4], [20_000, 4], [500, 8], [7, 6]] as const) {
  Graph(`builds a regular, simple, symmetric graph of ${n} nodes, degree ${d}`, () => {
    const g = randomRegularGraph(n, d, createRandom(1, 'g', n, d))
    const adj = neighbours(g)
    const deficient = adj.filter((l) => l.length !== d)
    assert.ok(deficient.length <= ((n * d) % 2), `nodes off degree ${d}: ${deficient.length}`)
    adj.forEach((list, i) => {
      assert.not.ok(list.includes(i), `self loop at ${i}`)
      assert.is(new Set(list).size, list.length, `duplicate edge at ${i}`)
      for (const j of list) assert.ok(adj[j].includes(i), `edge ${i}-${j} not symmetric`)
    })
  })
}

Graph('gives exactly one node degree - 1 when nodes x degree is odd', () => {
  const g = randomRegularGraph(1001, 3, createRandom(2, 'g'))
  const counts = new Map<number, number>()
  for (const k of g.degreeOf) counts.set(k, (counts.get(k) ?? 0) + 1)
  assert.equal([...counts.entries()].sort(), [[2, 1], [3, 1000]])
})

Graph('builds connected 4-regular graphs (as random ones are, with high probability)', () => {
  for (let seed = 0; seed < 5; seed++) {
    const labels = componentsOf(neighbours(randomRegularGraph(5000, 4, createRandom(seed, 'c'))))
    assert.is(new Set(labels).size, 1)
  }
})

Graph('builds the same graph from the same seed, and another from another seed', () => {
  const a = randomRegularGraph(300, 4, createRandom(9, 'x'))
  const b = randomRegularGraph(300, 4, createRandom(9, 'x'))
  const c = randomRegularGraph(300, 4, createRandom(10, 'x'))
  assert.equal([...a.adjacency], [...b.adjacency])
  assert.not.equal([...a.adjacency], [...c.adjacency])
})

Graph('refuses impossible degrees, giving the reason', () => {
  assert.throws(() => randomRegularGraph(4, 4, createRandom(1)), /degree must be an integer in \[0, 3\], got 4/)
  assert.throws(() => randomRegularGraph(0, 1, createRandom(1)), /nodes must be a positive integer/)
})

Graph.run()
