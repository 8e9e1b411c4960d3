// The message layer's core pieces on their own, in virtual time: the registry's confirmation
// delay and a node's cached view of it; the CPU queue; the validator (verdicts, a duplicate
// waits for the first verification, costs charged once); the key requester's rate limit,
// timeout and backoff; a subscriber's in-order decryption once a missing key arrives.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createStreamMessage, streamMessageOf, type StreamMessage } from '../core/message.ts'
import { keyPairFromSeed } from '../core/message-layer/identity.ts'
import { createDeterministicSecureRandom } from '../core/message-layer/secure-random.ts'
import { VERDICT_BAD_SIGNATURE, VERDICT_MALFORMED, VERDICT_NOT_PERMITTED, VERDICT_VALID, type Verdict } from '../core/message-validator.ts'
import { CpuQueue } from '../core/security/cpu-queue.ts'
import type { CryptoCosts } from '../core/security/crypto-suite.ts'
import { RealCrypto } from '../core/security/real-crypto.ts'
import type { SecurityPorts } from '../core/security/security-ports.ts'
import { StreamMessageValidator } from '../core/security/stream-message-validator.ts'
import { type Permission, type PermissionSource, PermissionCache, StreamRegistry } from '../core/security/stream-registry.ts'
import { Simulator } from '../sim/engine/simulator.ts'
import { ModelledCrypto } from '../sim/security/modelled-crypto.ts'
import { createRandom } from '../sim/engine/random.ts'
import { KeyRequester } from '../core/security/key-requester.ts'
import { Publisher } from '../core/security/publisher.ts'
import { Subscriber } from '../core/security/subscriber.ts'
import { smallWorld } from './helpers/small-world.ts'

const owner = keyPairFromSeed('core-test/owner')
const alice = keyPairFromSeed('core-test/alice')
const mallory = keyPairFromSeed('core-test/mallory')
const COSTS: CryptoCosts = { signMs: 0.3, verifyMs: 1, encryptMs: 0.01, decryptMs: 0.01, sealMs: 2, openMs: 1.5 }

const Registry = suite('StreamRegistry')

Registry('applies a grant or revoke after the confirmation delay, and lets anyone subscribe to a public stream', () => {
  const sim = new Simulator()
  const registry = new StreamRegistry(sim, { confirmationDelayMs: 5_000 })
  registry.createStream('s', owner.address)
  registry.createStream('open', owner.address, { public: true })
  assert.ok(registry.allows('s', owner.address, 'publish') && registry.allows('s', owner.address, 'subscribe'), 'the owner may do anything')
  assert.not.ok(registry.allows('s', alice.address, 'subscribe'))
  assert.ok(registry.allows('open', alice.address, 'subscribe'))
  assert.not.ok(registry.allows('open', alice.address, 'publish'), 'public means anyone may read, not write')
  sim.call(1_000, () => registry.grant('s', alice.address, 'subscribe'))
  sim.call(3_000, () => registry.revoke('s', alice.address, 'subscribe'))
  const seen: [number, boolean][] = []
  for (const t of [5_999, 6_000, 7_999, 8_000]) sim.call(t, () => seen.push([t, registry.allows('s', alice.address, 'subscribe')]))
  sim.run(10_000)
  assert.equal(seen, [[5_999, false], [6_000, true], [7_999, true], [8_000, false]])
  assert.throws(() => registry.grant('nope', alice.address, 'publish'), /no stream nope/)
})

const Cache = suite('PermissionCache')

/** The cache's answer, which a source that answers at once gives at once. */
function cachedAnswer(cache: PermissionCache, streamId: string, address: string, permission: Permission): boolean | undefined {
  let answer: boolean | undefined
  cache.check(streamId, address, permission, (allowed) => { answer = allowed })
  return answer
}

Cache('shows a node a revocation only once its cached answer expires', () => {
  const sim = new Simulator()
  const registry = new StreamRegistry(sim, { confirmationDelayMs: 0 })
  registry.createStream('s', owner.address)
  registry.grantFromStart('s', alice.address, 'subscribe')
  const cache = new PermissionCache(registry, sim, 10_000)
  const seen: (boolean | undefined)[] = []
  sim.call(0, () => seen.push(cachedAnswer(cache, 's', alice.address, 'subscribe')))
  sim.call(1_000, () => registry.revoke('s', alice.address, 'subscribe'))
  sim.call(9_999, () => seen.push(cachedAnswer(cache, 's', alice.address, 'subscribe')))
  sim.call(10_000, () => seen.push(cachedAnswer(cache, 's', alice.address, 'subscribe')))
  sim.run(20_000)
  assert.equal(seen, [true, true, false])
  assert.is(registry.queries, 2, 'one chain query per expiry')
})

/** A source whose answers the test gives, as a chain node's come back later. */
class LaterSource implements PermissionSource {
  readonly asked: { key: string; answer: (allowed: boolean | undefined) => void }[] = []
  lookup(streamId: string, address: string, permission: Permission, answer: (allowed: boolean | undefined) => void): void {
    this.asked.push({ key: `${permission} ${streamId} ${address}`, answer })
  }
}

Cache('asks a later source once for questions that wait together, refuses without remembering a failed lookup, and bounds who waits', () => {
  const sim = new Simulator()
  const source = new LaterSource()
  const cache = new PermissionCache(source, sim, 10_000, 100, 3)
  const got: string[] = []
  const ask = (who: string, address: string) => cache.check('s', address, 'publish', (allowed) => got.push(`${who}:${allowed}`))
  ask('a1', alice.address)
  ask('a2', alice.address)
  ask('m1', mallory.address)
  ask('m2', mallory.address)
  assert.equal(got, ['m2:false'], 'the fourth waiting question is refused at once')
  assert.is(source.asked.length, 2, 'one lookup per question')
  assert.is(cache.stats.overflowed, 1)
  source.asked[0].answer(true)
  source.asked[1].answer(undefined)
  assert.equal(got, ['m2:false', 'a1:true', 'a2:true', 'm1:false'])
  assert.is(cache.stats.failed, 1)
  ask('a3', alice.address)
  ask('m3', mallory.address)
  assert.equal(got.slice(4), ['a3:true'], 'the answer is remembered; the failure is asked again')
  assert.is(source.asked.length, 3)
  source.asked[2].answer(false)
  assert.equal(got.slice(5), ['m3:false'])
})

const Cpu = suite('CpuQueue')

Cpu('runs jobs in order, each after the work queued before it; zero cost with nothing queued runs at once', () => {
  const sim = new Simulator()
  const cpu = new CpuQueue(sim, sim)
  const done: string[] = []
  let ranAt = -1
  sim.call(10, () => {
    cpu.run(0, () => { ranAt = sim.now() })
    assert.is(ranAt, 10, 'synchronous')
    assert.is(cpu.run(2, () => done.push(`a@${sim.now()}`)), 12)
    assert.is(cpu.run(3, () => done.push(`b@${sim.now()}`)), 15)
    cpu.run(0, () => done.push(`c@${sim.now()}`))
  })
  sim.call(20, () => cpu.run(1, () => done.push(`d@${sim.now()}`)))
  sim.run(100)
  assert.equal(done, ['a@12', 'b@15', 'c@15', 'd@21'])
  assert.is(cpu.busyMs, 6)
})

function validatorWorld(suiteKind: 'real' | 'modelled') {
  const sim = new Simulator()
  const random = createDeterministicSecureRandom(`core-test/${suiteKind}`)
  const suite = suiteKind === 'real' ? new RealCrypto(random) : new ModelledCrypto(random)
  const registry = new StreamRegistry(sim, { confirmationDelayMs: 0 })
  registry.createStream('s', owner.address)
  const ports: SecurityPorts = { clock: sim, timers: sim, cpu: new CpuQueue(sim, sim), suite, costs: COSTS, permissions: new PermissionCache(registry, sim, 60_000) }
  // In modelled mode only keys the suite made sign as their owner.
  const key = (k: typeof owner) => suite.keyPair(`core-test/${k === owner ? 'owner' : k === alice ? 'alice' : 'mallory'}`)
  return { sim, suite, ports, validator: new StreamMessageValidator(ports), key }
}

const unsignedBy = (address: string, content = new Uint8Array([1, 2, 3])) =>
  createStreamMessage({ streamId: 's', streamPartition: 0, timestamp: 1_000, sequenceNumber: 0, publisherId: address, msgChainId: 'c' }, null, content)

const Validator = suite('StreamMessageValidator')

for (const kind of ['real', 'modelled'] as const) {
  Validator(`judges valid, altered, wrong-key, unpermitted and unsigned messages with ${kind} crypto; a duplicate waits for the first verdict and costs nothing`, () => {
    const { sim, suite, ports, validator, key } = validatorWorld(kind)
    const o = key(owner)
    const m = key(mallory)
    const genuine = suite.sign(unsignedBy(o.address), o)
    const altered = streamMessageOf({ ...genuine, content: new Uint8Array([9, 9, 9]) })
    const wrongKey = suite.sign({ ...unsignedBy(o.address), content: new Uint8Array([7]) }, { ...m, address: o.address })
    const unpermitted = suite.sign(unsignedBy(m.address), m)
    const unsigned = unsignedBy(o.address)
    const verdicts: [string, Verdict, number][] = []
    const judge = (name: string, message: StreamMessage) => validator.validate(message, (v) => verdicts.push([name, v, sim.now()]))
    sim.call(0, () => {
      judge('genuine', genuine)
      judge('duplicate', genuine)
      judge('altered', altered)
      judge('wrongKey', wrongKey)
      judge('unpermitted', unpermitted)
      judge('unsigned', unsigned)
    })
    sim.run(100)
    assert.equal(verdicts, [
      ['genuine', VERDICT_VALID, 1], ['duplicate', VERDICT_VALID, 1], ['altered', VERDICT_BAD_SIGNATURE, 2],
      ['wrongKey', VERDICT_BAD_SIGNATURE, 3], ['unpermitted', VERDICT_NOT_PERMITTED, 4], ['unsigned', VERDICT_MALFORMED, 5],
    ])
    assert.is(ports.cpu.busyMs, 5, 'five verifications charged; the duplicate none')
    assert.equal(validator.stats.rejected, { 'bad-signature': 2, 'not-permitted': 1, malformed: 1 })
  })
}

Validator('holds a message until a later permission source answers; duplicates meanwhile wait for the same verdict', () => {
  const sim = new Simulator()
  const suite = new RealCrypto(createDeterministicSecureRandom('core-test/later'))
  const source = new LaterSource()
  const ports: SecurityPorts = { clock: sim, timers: sim, cpu: new CpuQueue(sim, sim), suite, costs: COSTS, permissions: new PermissionCache(source, sim, 60_000) }
  const validator = new StreamMessageValidator(ports)
  const o = suite.keyPair('core-test/owner')
  const genuine = suite.sign(unsignedBy(o.address), o)
  const verdicts: [string, Verdict, number][] = []
  sim.call(0, () => {
    validator.validate(genuine, (v) => verdicts.push(['first', v, sim.now()]))
    validator.validate(genuine, (v) => verdicts.push(['duplicate', v, sim.now()]))
  })
  sim.call(50, () => source.asked[0].answer(true))
  sim.run(100)
  assert.is(source.asked.length, 1)
  assert.equal(verdicts, [['first', VERDICT_VALID, 51], ['duplicate', VERDICT_VALID, 51]], 'judged when the answer came, then verified on the CPU')
  assert.is(validator.stats.verified, 1)
})

const Modelled = suite('ModelledCrypto')

Modelled('fails encryption, sealing and signatures exactly where real crypto would', () => {
  const suite = new ModelledCrypto(createDeterministicSecureRandom('core-test/modelled'))
  const a = suite.keyPair('core-test/a')
  const b = suite.keyPair('core-test/b')
  const k1 = suite.groupKey()
  const k2 = suite.groupKey()
  const plain = new Uint8Array([1, 2, 3, 4])
  const c = suite.encrypt(plain, k1)
  assert.is(c.length, plain.length + 28, 'the real ciphertext size')
  assert.equal(suite.decrypt(c, k1), plain)
  assert.is(suite.decrypt(c, k2), null, 'wrong key')
  assert.is(suite.decrypt(Uint8Array.from(c), k1) !== null, true, 'a copy of the bytes still decrypts (handles are bytes)')
  const tampered = Uint8Array.from(c)
  tampered[tampered.length - 1] ^= 1
  assert.is(suite.decrypt(tampered, k1), null, 'altered bytes')
  const sealed = suite.seal(a.publicKey, k1.key)
  assert.equal(suite.open(a, sealed), k1.key)
  assert.is(suite.open(b, sealed), null, 'not the recipient')
  const signed = suite.sign(unsignedBy(a.address), a)
  assert.is(suite.signer(signed), a.address)
  assert.is(suite.signer(streamMessageOf({ ...signed })), a.address, 'an equal copy (decoded) verifies')
  assert.is(suite.signer(streamMessageOf({ ...signed, messageId: { ...signed.messageId, sequenceNumber: 1 } })), null, 'another position')
})

const KeyRequests = suite('KeyRequester')

KeyRequests('sends at most maxKeyRequestsPerSecond, answered over a direct link; a key the answer leaves out fails, backs off, then is asked again', () => {
  const world = smallWorld(2)
  const { sim, nodes } = world
  const suite = new ModelledCrypto(createDeterministicSecureRandom('core-test/kx'))
  const publisherKey = suite.keyPair('core-test/owner')
  const readerKey = suite.keyPair('core-test/alice')
  const registry = new StreamRegistry(sim, { confirmationDelayMs: 0 })
  registry.createStream('s', publisherKey.address)
  registry.grantFromStart('s', readerKey.address, 'subscribe')
  const portsOf = (): SecurityPorts => ({ clock: sim, timers: sim, cpu: new CpuQueue(sim, sim), suite, costs: COSTS, permissions: new PermissionCache(registry, sim, 60_000) })
  const publisher = new Publisher(nodes[0], publisherKey, portsOf(), createRandom(1, 'p'), { encrypt: true })
  nodes[0].attach(publisher)
  const keys = ['a', 'b', 'c', 'd', 'e'].map(() => { publisher.rekey('s'); return publisher.currentKeyId('s')! })
  const learned: [string, number][] = []
  const failed: [string, number][] = []
  const requester = new KeyRequester(nodes[1], readerKey, portsOf(), (address) => (address === publisherKey.address ? 'n0' : undefined),
    createRandom(1, 'r'), { keyRequestTimeoutMs: 30_000, maxKeyRequestsPerSecond: 20 },
    { learned: (ks) => { for (const k of ks) learned.push([k.id, sim.now()]) }, failed: (id) => failed.push([id, sim.now()]) })
  nodes[1].attach(requester)
  sim.call(0, () => {
    for (const id of keys) requester.request(publisherKey.address, 's', 0, id)
    requester.request(publisherKey.address, 's', 0, keys[0])
    requester.request(publisherKey.address, 's', 0, 'nobody-has-this')
  })
  sim.call(31_000, () => requester.request(publisherKey.address, 's', 0, 'nobody-has-this'))
  sim.call(61_000, () => requester.request(publisherKey.address, 's', 0, 'nobody-has-this'))
  sim.run(120_000)
  assert.equal(learned.map(([id]) => id).sort(), [...keys].sort())
  // Requests leave 50 ms apart (20/s): the answers follow them 50 ms apart, except that the first
  // also waited for the link to the publisher to open, so the last cannot come before 4 x 50 ms.
  const times = learned.map(([, t]) => t)
  for (let i = 2; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 49.9, `answers ${times.join(', ')}`)
  assert.ok(times[4] >= 200, `answers ${times.join(', ')}`)
  assert.is(requester.stats.requestsSent, 6 + 1, 'one request per key; the duplicate ask and the backed-off one sent nothing')
  // The unknown key: the publisher answers without it -> failed (at about 0.27 s, its turn in the
  // rate limit); asked again after the 30 s backoff (31 s) -> a new request, failed the same way;
  // asked again inside the next backoff (61 s) -> failed at once, nothing sent.
  const unknown = failed.filter(([id]) => id === 'nobody-has-this').map(([, t]) => t)
  assert.is(unknown.length, 3, failed.join(' '))
  assert.ok(unknown[0] < 1_000 && unknown[1] > 31_000 && unknown[1] < 32_000 && unknown[2] === 61_000, unknown.join(', '))
  assert.is(requester.stats.timeouts, 0)
})

const Resent = suite('Subscriber.receiveResent')

Resent('validates what a storage node resends although relays validate: a forgery or an unpermitted publisher never reaches the app', () => {
  const { nodes } = smallWorld(1)
  const { sim, suite, ports, key } = validatorWorld('real')
  const o = key(owner)
  const m = key(mallory)
  const at = (n: number, by: typeof owner) => suite.sign({ ...unsignedBy(by.address), messageId: { ...unsignedBy(by.address).messageId, timestamp: 1_000 + n } }, by)
  const genuine = at(0, o)
  const forged = streamMessageOf({ ...at(1, o), content: new Uint8Array([6, 6, 6]) })
  const unpermitted = at(2, m)
  const delivered: number[] = []
  const subscriber = new Subscriber(nodes[0], key(alice), ports, new StreamMessageValidator(ports), () => undefined, createRandom(1, 's'),
    { validate: false, validateResent: true, keyRequestTimeoutMs: 30_000, maxKeyRequestsPerSecond: 20, maxWaitingPerChain: 10 },
    (message) => delivered.push(message.messageId.timestamp))
  for (const message of [genuine, forged, unpermitted]) subscriber.receiveResent(message)
  sim.run(100)
  assert.equal(delivered, [1_000], 'the genuine resend only')
  assert.equal([subscriber.stats.rejected, subscriber.stats.resentRejected], [2, 2])
})

const Rechecks = suite('Publisher.recheckReaders')

Rechecks('rekeys once when readers it answered lost subscribe permission, as the permission source says after its TTL; not otherwise', () => {
  const world = smallWorld(3)
  const { sim, nodes } = world
  const suite = new ModelledCrypto(createDeterministicSecureRandom('core-test/recheck'))
  const publisherKey = suite.keyPair('core-test/owner')
  const readerKeys = [suite.keyPair('core-test/alice'), suite.keyPair('core-test/bob')]
  const registry = new StreamRegistry(sim, { confirmationDelayMs: 0 })
  registry.createStream('s', publisherKey.address)
  for (const k of readerKeys) registry.grantFromStart('s', k.address, 'subscribe')
  const portsOf = (): SecurityPorts => ({ clock: sim, timers: sim, cpu: new CpuQueue(sim, sim), suite, costs: COSTS, permissions: new PermissionCache(registry, sim, 1_000) })
  const publisher = new Publisher(nodes[0], publisherKey, portsOf(), createRandom(1, 'p'), { encrypt: true })
  nodes[0].attach(publisher)
  const firstKey = (() => { publisher.rekey('s'); return publisher.currentKeyId('s')! })()
  const learned = [[], []] as string[][]
  const failed = [[], []] as string[][]
  const requesters = readerKeys.map((k, i) => {
    const r = new KeyRequester(nodes[i + 1], k, portsOf(), (address) => (address === publisherKey.address ? 'n0' : undefined),
      createRandom(1, 'r', i), { keyRequestTimeoutMs: 30_000, maxKeyRequestsPerSecond: 20 },
      { learned: (ks) => { for (const key of ks) learned[i].push(key.id) }, failed: (id) => failed[i].push(id) })
    nodes[i + 1].attach(r)
    return r
  })
  sim.call(0, () => { for (const r of requesters) r.request(publisherKey.address, 's', 0, firstKey) })
  sim.call(2_000, () => publisher.recheckReaders('s'))
  sim.run(3_000)
  assert.equal(learned, [[firstKey], [firstKey]])
  assert.equal([publisher.stats.rekeys, publisher.stats.readersRevoked], [1, 0], 'both still permitted: no rekey')

  sim.call(2_200, () => registry.revoke('s', readerKeys[1].address, 'subscribe'))
  sim.call(2_500, () => publisher.recheckReaders('s'))
  sim.run(2_600)
  assert.is(publisher.stats.rekeys, 1, 'the cached answers (TTL 1 s, asked at 2 s) still allow bob')
  sim.call(3_100, () => publisher.recheckReaders('s'))
  sim.call(3_200, () => publisher.recheckReaders('s'))
  sim.run(5_000)
  assert.equal([publisher.stats.rekeys, publisher.stats.readersRevoked], [2, 1], 'one rekey for the revocation; bob is no longer a reader to recheck')
  const secondKey = publisher.currentKeyId('s')!
  assert.is.not(secondKey, firstKey)
  sim.call(5_000, () => { for (const r of requesters) r.request(publisherKey.address, 's', 0, secondKey) })
  sim.run(40_000)
  assert.equal(learned, [[firstKey, secondKey], [firstKey]], 'alice asks for the new key and gets it')
  assert.is(publisher.stats.keyRequestsRefused, 1, 'bob is refused')
  assert.equal(failed, [[], [secondKey]], 'and gives up on it after his request timeout')
})

Registry.run()
Rechecks.run()
Resent.run()
Cache.run()
Cpu.run()
Validator.run()
Modelled.run()
KeyRequests.run()
