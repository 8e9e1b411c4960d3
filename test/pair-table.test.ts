import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRandom, randomInt } from '../sim/engine/random.ts'
import { PairTable } from '../sim/network/pair-table.ts'

const Table = suite('PairTable')

Table('agrees with a Map under random sets, overwrites and deletes, through growth', () => {
  const random = createRandom(1, 'pair-table-test')
  const table = new PairTable()
  const truth = new Map<string, number>()
  const key = (a: number, b: number) => (a < b ? `${a} ${b}` : `${b} ${a}`)
  for (let op = 0; op < 50_000; op++) {
    // Few distinct nodes, so probe runs collide and deletes shift entries.
    const a = randomInt(random, 300)
    const b = randomInt(random, 300)
    if (random.next() < 0.6) {
      table.set(a, b, op)
      truth.set(key(a, b), op)
    } else {
      table.delete(b, a)
      truth.delete(key(a, b))
    }
    if (op % 97 === 0) {
      for (let k = 0; k < 50; k++) {
        const x = randomInt(random, 300)
        const y = randomInt(random, 300)
        assert.is(table.get(x, y), truth.get(key(x, y)) ?? -1, `{${x}, ${y}} after op ${op}`)
      }
    }
  }
  assert.is(table.size, truth.size)
  for (const [k, v] of truth) {
    const [a, b] = k.split(' ').map(Number)
    assert.is(table.get(b, a), v)
  }
})

Table('holds pairs of large indices', () => {
  const table = new PairTable()
  table.set(999_999, 3, 7)
  assert.is(table.get(3, 999_999), 7)
  assert.is(table.get(3, 999_998), -1)
})

Table.run()
