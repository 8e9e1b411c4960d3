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

Processes.run()
