import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import seedrandom from 'seedrandom'
import { createRandom, deferredRandom } from '../sim/engine/random.ts'

const Random = suite('createRandom')

Random('draws the numbers seedrandom.alea draws for the same name', () => {
  const names: (string | number)[][] = [[1], [1, 'node', 'n0', 'protocol'], [42, 'place', 'n999999'], ['x', 'churn', 'session', 7], [0, 'ünïcode', '🙂']]
  for (const path of names) {
    const [seed, ...rest] = path
    const ours = createRandom(seed, ...rest)
    const theirs = seedrandom.alea(ours.name)
    for (let k = 0; k < 10_000; k++) assert.is(ours.next(), theirs(), `${ours.name}, draw ${k}`)
  }
})

Random('names its stream by seed and path', () => {
  assert.is(createRandom(3, 'node', 'n1', 'net').name, '3/node/n1/net')
  assert.is(createRandom(3).name, '3')
})

Random('a deferred stream draws what the stream made at once draws', () => {
  const now = createRandom(9, 'node', 'n4', 'protocol')
  const later = deferredRandom(9, 'node', 'n4', 'protocol')
  for (let k = 0; k < 100; k++) assert.is(later.next(), now.next())
})

Random.run()
