// time-limit: 300 s
// Encryption with key exchange on live nodes, as processes on loopback started as the README
// starts them (`npm run tracker`, `npm run node`): a publisher that encrypts with group keys and
// rotates them every 2 s, and two subscribers permitted by the publisher's permissions file, each
// reading through its HTTP app interface. Both get the plaintext, in chain order, across the
// rotations (keys asked of the publisher over the network, the next ones inside messages). Then
// the file revokes one: the publisher rekeys, the revoked subscriber's key request is refused and
// it gets nothing readable from then on (counted as undecryptable), while the other goes on.
// Then, in this process, malformed key-exchange frames and forged requests and responses sent
// to a node are dropped and counted, never thrown.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bytesToHex } from '@noble/hashes/utils.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { keyPairFromSeed } from '../core/message-layer/identity.ts'
import { createGroupKeyRequest, createGroupKeyResponse, validateGroupKeyRequest } from '../core/message-layer/key-exchange.ts'
import { createStreamMessage } from '../core/message.ts'
import { signStreamMessage } from '../core/message-layer/signing.ts'
import type { Connection } from '../core/ports.ts'
import { keyExchangeWireMessage } from '../core/security/key-exchange-messages.ts'
import { RealCrypto } from '../core/security/real-crypto.ts'
import { contentWireMessage } from '../core/wire.ts'
import { systemSecureRandom } from '../live/live-message-layer.ts'
import { WireCodec } from '../live/wire-codec.ts'
import { type LiveProcess, loadWebRtcModules, runLiveProcess, sleep, until } from './helpers/live.ts'

const { modules, skipReason } = await loadWebRtcModules()
const API_KEY = 'live-encryption-key'
const keys = { a: keyPairFromSeed('live-encryption/a'), b: keyPairFromSeed('live-encryption/b'), c: keyPairFromSeed('live-encryption/c') }
/** How long a refused key request waits before its messages count as undecryptable. */
const KEY_REQUEST_TIMEOUT_S = 3

interface AppMessage { timestamp: number; sequenceNumber: number; encrypted: boolean; encoding: string; content: string }

class Network {
  readonly dir = mkdtempSync(join(tmpdir(), 'brtc-encryption-'))
  readonly processes: LiveProcess[] = []
  url = ''

  async tracker(): Promise<void> {
    const t = this.track(runLiveProcess('tracker.ts', ['--port', '0', '--id', 't0', '--stats-interval-ms', '0']))
    await until('the tracker listens', () => /listening on ws:\/\/127\.0\.0\.1:\d+/.test(t.output()), 30_000, 50)
    this.url = /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(t.output())![1]
  }

  permissions(subscribers: string[]): string {
    const file = join(this.dir, 'permissions.yaml')
    writeFileSync(file, ['streams:', '  demo:', `    owner: "${keys.a.address}"`, `    subscribers: [${subscribers.map((s) => `"${s}"`).join(', ')}]`].join('\n'))
    return file
  }

  node(id: keyof typeof keys, lines: string[]): LiveProcess {
    const file = join(this.dir, `${id}.yaml`)
    writeFileSync(file, [
      `id: ${id}`, `privateKey: "${bytesToHex(keys[id].privateKey)}"`, `trackers: [{ id: t0, url: "${this.url}" }]`, 'streams: [demo#0]',
      'statsIntervalMs: 1000', ...lines,
    ].join('\n'))
    return this.track(runLiveProcess('node.ts', ['--config', file]))
  }

  track(p: LiveProcess): LiveProcess {
    this.processes.push(p)
    return p
  }

  async close(): Promise<void> {
    for (const p of this.processes) if (p.child.exitCode === null) p.child.kill('SIGTERM')
    await Promise.all(this.processes.map((p) => Promise.race([p.exited, sleep(10_000).then(() => p.child.kill('SIGKILL'))])))
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Every message the node's HTTP app interface holds for demo#0, oldest first. */
async function appMessages(httpUrl: string): Promise<AppMessage[]> {
  const res = await fetch(`${httpUrl}/streams/demo/poll?cursor=0&max=1000&waitMs=0`, { headers: { authorization: `Bearer ${API_KEY}` } })
  assert.is(res.status, 200)
  return ((await res.json()) as { messages: AppMessage[] }).messages
}

/** The publisher's counter in a message: its content is "a #N", zero-padded. */
function counterOf(m: AppMessage): number {
  const text = Buffer.from(m.content, 'base64').toString('utf8').replace(/\0+$/, '')
  const match = /^a #(\d+)$/.exec(text)
  assert.ok(match, `not the publisher's plaintext: ${JSON.stringify(text)}`)
  return Number(match![1])
}

/** The last value of `name N` on the node's stats lines. */
function lastCount(output: string, name: string): number {
  const all = [...output.matchAll(new RegExp(`${name} (\\d+)`, 'g'))]
  return all.length === 0 ? 0 : Number(all[all.length - 1][1])
}

const Processes = suite('encryption across processes')

if (skipReason !== undefined) console.log(`SKIP live-encryption: ${skipReason}`)
else {
  Processes('permitted subscribers read in order across rotations; a revoked one gets nothing readable after the rekey', async () => {
    const net = new Network()
    try {
      await net.tracker()
      const perms = net.permissions([keys.b.address, keys.c.address])
      const a = net.node('a', ['publishIntervalMs: 100', 'payloadBytes: 32', 'encryption: true', 'rotateKeyIntervalS: 2', `permissionsFile: "${perms}"`])
      const subscriber = (id: 'b' | 'c') => net.node(id, [
        `publisherNodes: { "${keys.a.address}": a }`, `keyRequestTimeoutS: ${KEY_REQUEST_TIMEOUT_S}`, `app: { httpPort: 0, apiKey: "${API_KEY}" }`,
      ])
      const subs = { b: subscriber('b'), c: subscriber('c') }
      const urls: Record<string, string> = {}
      for (const [id, p] of Object.entries(subs)) {
        await until(`${id}'s app interface`, () => /app interfaces: http (http:\/\/\S+),/.test(p.output()), 30_000, 50)
        urls[id] = /app interfaces: http (http:\/\/\S+),/.exec(p.output())![1]
      }
      for (const id of ['b', 'c']) {
        await until(`${id} reads the publisher`, () => lastCount(subs[id as 'b' | 'c'].output(), 'decrypted delivery') >= 20, 60_000, 200)
      }
      await until('two rotations', () => lastCount(a.output(), 'rotations') >= 2, 30_000, 200)
      await sleep(1_500)
      const before = { b: await appMessages(urls.b), c: await appMessages(urls.c) }

      net.permissions([keys.b.address])
      await until('the publisher applies the revocation', () => /subscribers revoked on demo/.test(a.output()), 10_000, 50)
      const revokedAt = Date.now()
      await sleep((KEY_REQUEST_TIMEOUT_S + 4) * 1000)
      const after = { b: await appMessages(urls.b), c: await appMessages(urls.c) }

      for (const id of ['b', 'c'] as const) {
        const ms = before[id]
        assert.ok(ms.length >= 20, `${id} read ${ms.length}`)
        assert.ok(ms.every((m) => m.encrypted), `${id}: every message travelled encrypted`)
        const counters = ms.map(counterOf)
        for (let i = 1; i < counters.length; i++) assert.is(counters[i], counters[i - 1] + 1, `${id} in order, no gap: ${counters.slice(0, i + 1).join(',')}`)
      }
      const bLater = after.b.filter((m) => m.timestamp > revokedAt + 1_000)
      const cLater = after.c.filter((m) => m.timestamp > revokedAt + 1_000)
      const bCounters = after.b.map(counterOf)
      for (let i = 1; i < bCounters.length; i++) assert.is(bCounters[i], bCounters[i - 1] + 1, 'b in order after the rekey')
      await until('c counts what it cannot read', () => lastCount(subs.c.output(), 'undecryptable') > 0, 10_000, 200)
      const undecryptable = lastCount(subs.c.output(), 'undecryptable')
      const refused = lastCount(a.output(), 'refused')
      console.log(`FIGURE encryption live: before the revocation b read ${before.b.length}, c ${before.c.length} in order over `
        + `${lastCount(a.output(), 'rotations')} rotations; after it b read ${bLater.length} more, c ${cLater.length} (undecryptable ${undecryptable}, `
        + `key requests refused by the publisher ${refused})`)
      assert.ok(bLater.length >= 20, `b read ${bLater.length} after the rekey`)
      assert.is(cLater.length, 0, 'the revoked subscriber read nothing published after the rekey')
      assert.ok(refused >= 1, 'the publisher refused the revoked subscriber\'s key request')
      assert.is(lastCount(subs.b.output(), 'undecryptable'), 0)
    } finally {
      await net.close()
    }
  })
}

const Frames = suite('malformed key exchange')

/** Raw bytes onto a live link, under the codec (as a broken or hostile peer would send them). */
function sendRaw(connection: Connection, frame: Uint8Array): void {
  (connection as unknown as { sink: { send(f: Uint8Array): void } }).sink.send(frame)
}

if (skipReason === undefined) {
  Frames('malformed key-exchange frames and forged requests and responses are dropped and counted, and the exchange goes on', async () => {
    const { LiveNode } = modules!.liveNode
    const tracker = await modules!.liveTracker.LiveTracker.start({ id: 't0', seed: 1 })
    const errors: string[] = []
    const common = {
      trackers: [{ id: tracker.id, url: tracker.url }], webrtc: { bindAddress: '127.0.0.1', iceServers: [] as string[] },
      onError: (error: unknown, where: string) => errors.push(`${where}: ${String(error)}`),
    }
    const a = new LiveNode({ id: 'a', seed: 'a', ...common, messageLayer: { encryption: true } })
    const b = new LiveNode({ id: 'b', seed: 'b', ...common, messageLayer: { publisherNodes: { [a.identity.address]: 'a' } } })
    try {
      const read: string[] = []
      b.messages.onContent((_m, content) => read.push(new TextDecoder().decode(content)))
      a.join('demo#0')
      b.join('demo#0')
      let n = 0
      await until('b reads a', () => {
        a.publish('demo', 0, new TextEncoder().encode(`m${n++}`))
        return read.length > 0
      }, 30_000, 100)
      const toA = b.node.connection('a')!
      const toB = a.node.connection('b')!
      const suite = new RealCrypto(systemSecureRandom)
      const garbageBefore = a.webrtc.stats.garbageFrames

      // Frames of the key-request kind that do not decode: no body, a truncated message, a content message under kind 33.
      sendRaw(toA, Uint8Array.of(0xb1, 33))
      sendRaw(toA, Uint8Array.of(0xb1, 33, 1, 0, 1))
      const stranger = keyPairFromSeed('live-encryption/stranger')
      const id = { streamId: 'demo', streamPartition: 0, timestamp: Date.now(), sequenceNumber: 0, publisherId: stranger.address, msgChainId: 'x' }
      const encoded = new WireCodec().encode(contentWireMessage(signStreamMessage(createStreamMessage(id, null, new Uint8Array(4)), stranger)))
      assert.ok(encoded.ok)
      if (encoded.ok) sendRaw(toA, Uint8Array.of(...encoded.frame.subarray(0, 1), 33, ...encoded.frame.subarray(2)))

      // Well-formed but not genuine: a request addressed to another publisher, one whose signature was altered.
      const envelope = { streamId: 'demo', streamPartition: 0, timestamp: Date.now(), sequenceNumber: 0, msgChainId: 'forged' }
      const elsewhere = createGroupKeyRequest(suite, b.identity, envelope, { requestId: '1', publisherId: stranger.address, groupKeyIds: ['k'] })
      toA.send(keyExchangeWireMessage(elsewhere.message))
      const genuine = createGroupKeyRequest(suite, b.identity, envelope, { requestId: '2', publisherId: a.identity.address, groupKeyIds: ['k'] }).message
      const badSignature = new Uint8Array(genuine.signature)
      badSignature[5] ^= 1
      toA.send(keyExchangeWireMessage({ ...genuine, signature: badSignature }))
      // A response b never asked for, from a stranger.
      const asked = createGroupKeyRequest(suite, b.identity, envelope, { requestId: '3', publisherId: stranger.address, groupKeyIds: ['k'] })
      const valid = validateGroupKeyRequest(suite, asked.message, stranger.address)
      assert.ok(valid.ok)
      if (valid.ok) toB.send(keyExchangeWireMessage(createGroupKeyResponse(suite, stranger, { timestamp: Date.now(), sequenceNumber: 0, msgChainId: 'r' }, valid.value, [{ ...suite.groupKey(), id: 'k' }])))

      await until('the forgeries are counted', () => a.publisher.stats.keyRequestsInvalid === 2 && b.messages.subscriber!.keyRequester.stats.invalidResponses === 1, 10_000, 20)
      await until('the garbage is counted', () => a.webrtc.stats.garbageFrames - garbageBefore === 3, 10_000, 20)
      console.log(`FIGURE malformed key exchange: garbage frames dropped ${a.webrtc.stats.garbageFrames - garbageBefore}, forged requests `
        + `${a.publisher.stats.keyRequestsInvalid}, unasked responses ${b.messages.subscriber!.keyRequester.stats.invalidResponses}`)

      // The link and the exchange still work: after a rekey b asks for the new key and reads on.
      a.publisher.rekey('demo')
      const answered = a.publisher.stats.keyRequestsAnswered
      const from = read.length
      await until('b reads after the rekey', () => {
        a.publish('demo', 0, new TextEncoder().encode(`m${n++}`))
        return read.length > from + 3
      }, 30_000, 100)
      assert.ok(a.publisher.stats.keyRequestsAnswered > answered)
      assert.equal(errors, [])
    } finally {
      await Promise.all([a.stop(), b.stop()])
      await tracker.stop()
    }
  })
}

Processes.run()
Frames.run()
