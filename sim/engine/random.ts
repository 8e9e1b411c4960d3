// Seeded randomness, the project's one generator, for the simulator and for live nodes alike.
// Every stream is named by a seed plus a path such as ('node', 'n17', 'net'), so adding a node or
// a new consumer never shifts anyone else's draws. Alea, as seedrandom implements it: fast, small
// state, good enough statistics for simulation (bench/engine.bench.ts times it on the hot path).
// It is ported here as one class rather than taken from seedrandom, whose generator is a closure
// with four more closures on it: a million-node run holds two million generators, and the class
// is a third of the memory. test/random.test.ts checks it draws seedrandom's numbers.
// `next` is a method: call it on the stream (`r.next()`), do not pass `r.next` around alone.

import type { Random } from '../../core/ports.ts'

export interface NamedRandom extends Random {
  /** The stream's name: createRandom(name) draws the same numbers again. */
  readonly name: string
}

export function createRandom(seed: number | string, ...path: (string | number)[]): NamedRandom {
  const name = path.length === 0 ? String(seed) : `${seed}/${path.join('/')}`
  return new Alea(name)
}

/**
 * createRandom(seed, a, b, c), made on its first draw: every node gets a stream for its protocol,
 * and only publishers draw from it, so a million nodes keep 64 bytes each instead of a seeded
 * generator and its name.
 */
export function deferredRandom(seed: number | string, a: string | number, b: string | number, c: string | number): Random {
  return new DeferredRandom(seed, a, b, c)
}

class DeferredRandom implements Random {
  private made: Random | undefined
  constructor(
    private readonly seed: number | string,
    private readonly a: string | number,
    private readonly b: string | number,
    private readonly c: string | number
  ) {}

  next(): number {
    this.made ??= createRandom(this.seed, this.a, this.b, this.c)
    return this.made.next()
  }
}

/** Johannes Baagøe's Alea, seeded as seedrandom.alea(name) seeds it. */
class Alea implements NamedRandom {
  private s0: number
  private s1: number
  private s2: number
  private c = 1

  constructor(readonly name: string) {
    const mash = new Mash()
    this.s0 = mash.hash(' ')
    this.s1 = mash.hash(' ')
    this.s2 = mash.hash(' ')
    this.s0 -= mash.hash(name)
    if (this.s0 < 0) this.s0 += 1
    this.s1 -= mash.hash(name)
    if (this.s1 < 0) this.s1 += 1
    this.s2 -= mash.hash(name)
    if (this.s2 < 0) this.s2 += 1
  }

  next(): number {
    const t = 2091639 * this.s0 + this.c * 2.3283064365386963e-10 // 2^-32
    this.s0 = this.s1
    this.s1 = this.s2
    this.c = t | 0
    this.s2 = t - this.c
    return this.s2
  }
}

class Mash {
  private n = 0xefc8249d

  hash(data: string): number {
    let n = this.n
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i)
      let h = 0.02519603282416938 * n
      n = h >>> 0
      h -= n
      h *= n
      n = h >>> 0
      h -= n
      n += h * 0x100000000 // 2^32
    }
    this.n = n
    return (n >>> 0) * 2.3283064365386963e-10 // 2^-32
  }
}

/** An integer in [0, n). */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random.next() * n)
}

/** Exponential with the given mean. */
export function randomExponential(random: Random, mean: number): number {
  return -mean * Math.log(1 - random.next())
}

/** Standard normal by Box-Muller; one of the pair is discarded to keep the stream stateless. */
export function randomNormal(random: Random): number {
  const u = 1 - random.next()
  const v = random.next()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** Fisher-Yates on a copy; `count` distinct elements of `items`. */
export function sample<T>(random: Random, items: readonly T[], count: number): T[] {
  const copy = items.slice()
  const n = Math.min(count, copy.length)
  for (let i = 0; i < n; i++) {
    const j = i + randomInt(random, copy.length - i)
    const t = copy[i]
    copy[i] = copy[j]
    copy[j] = t
  }
  return copy.slice(0, n)
}
