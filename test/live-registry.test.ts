// Permissions from the registry chain on live nodes, all real processes: a registry, a tracker, a
// publisher node and a subscriber node. The subscriber drops what the publisher sends while the
// registry does not let it publish; once the owner grants it publish (a CLI transaction), its
// messages go through after the next block and the subscriber's cached answer expiring.

import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type LiveProcess, runLiveProcess, until } from './helpers/live.ts'

let nodeDataChannel = true
try {
  await import('node-datachannel')
} catch {
  nodeDataChannel = false
}

const BLOCK_TIME_MS = 300
/** Short, so the test sees the grant soon after its block; nodes default to 60 s. */
const CACHE_TTL_MS = 1_000

const Live = suite('live registry')

if (!nodeDataChannel) {
  console.log('SKIP live-registry: registry, tracker and two nodes (node-datachannel did not load)')
} else {
  Live('an unpermitted publisher is dropped by the subscriber; after the grant its messages arrive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brtc-live-registry-'))
    const processes: LiveProcess[] = []
    const start = (script: string, args: string[], options: { keyFromEnv?: boolean } = {}) => {
      const p = runLiveProcess(script, args, options)
      processes.push(p)
      return p
    }
    const kill = () => { for (const p of processes) p.child.kill('SIGKILL') }
    process.once('exit', kill)
    try {
      const registry = start('registry.ts', ['--port', '0', '--block-time-ms', String(BLOCK_TIME_MS)])
      const tracker = start('tracker.ts', ['--port', '0', '--id', 't0', '--stats-interval-ms', '0'])
      await until('the registry and the tracker listen', () => /listening on http:/.test(registry.output()) && /listening on ws:/.test(tracker.output()), 20_000)
      const rpcUrl = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(registry.output())![1]
      const trackerUrl = /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(tracker.output())![1]
      const ownerKey = join(dir, 'owner.key')
      writeFileSync(ownerKey, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 })
      const cli = async (...args: string[]) => {
        const p = start('registry.ts', [...args, '--rpc', rpcUrl, '--key-file', ownerKey], { keyFromEnv: false })
        const code = await p.exited
        assert.is(code, 0, p.output())
        return p.output()
      }
      await cli('create-stream', 'demo')

      const config = (id: string, publishIntervalMs: number) => [
        `id: ${id}`, `trackers: [{ id: t0, url: "${trackerUrl}" }]`, 'streams: [demo#0]', `publishIntervalMs: ${publishIntervalMs}`,
        'statsIntervalMs: 0', 'verbose: true', 'webrtc: { bindAddress: 127.0.0.1 }', `registry: { url: "${rpcUrl}", cacheTtlMs: ${CACHE_TTL_MS} }`,
      ].join('\n')
      writeFileSync(join(dir, 'p.yaml'), config('p', 200))
      writeFileSync(join(dir, 's.yaml'), config('s', 0))
      const publisher = start('node.ts', ['--config', join(dir, 'p.yaml')])
      const subscriber = start('node.ts', ['--config', join(dir, 's.yaml')])
      await until('the publisher prints its address', () => /node p address 0x[0-9a-f]{40}/.test(publisher.output()), 20_000)
      const address = /node p address (0x[0-9a-f]{40})/.exec(publisher.output())![1]
      const rejected = () => (subscriber.output().match(new RegExp(`^s rejected demo#0 ${address}/\\d+/\\d+ from p: not-permitted`, 'gm')) ?? []).length
      const got = () => (subscriber.output().match(new RegExp(`^s got demo#0 ${address}/`, 'gm')) ?? []).length
      await until('the subscriber refuses the unpermitted publisher', () => rejected() >= 5, 30_000).catch((error: Error) => {
        throw new Error(`${error.message}\n--- s:\n${subscriber.output()}\n--- p:\n${publisher.output()}`)
      })
      assert.is(got(), 0, 'nothing of it delivered')

      const grant = await cli('grant', 'demo', address, 'publish')
      assert.match(grant, /granted publish on demo to/)
      const rejectedAtGrant = rejected()
      await until('the granted publisher\'s messages arrive', () => got() >= 5, 15_000).catch((error: Error) => {
        throw new Error(`${error.message}\n--- s:\n${subscriber.output()}`)
      })
      // Refusals after the grant's block are the cached answer's last TTL: a handful at 5 messages/s.
      const lateRefusals = rejected() - rejectedAtGrant
      assert.ok(lateRefusals <= Math.ceil((CACHE_TTL_MS + BLOCK_TIME_MS) / 200) + 2, `${lateRefusals} refused after the grant`)
      console.log(`live-registry: ${rejectedAtGrant} refused before the grant, ${lateRefusals} after it (cache TTL ${CACHE_TTL_MS} ms), then ${got()} delivered`)

      for (const p of [publisher, subscriber, registry, tracker]) p.child.kill('SIGINT')
      const codes = await Promise.all([publisher, subscriber, registry, tracker].map((p) => p.exited))
      assert.equal(codes, [0, 0, 0, 0], subscriber.output())
      assert.match(subscriber.output(), /stopping \(SIGINT\).*rejected not-permitted \d+.*; registry \d+ calls, 0 failed/)
    } finally {
      kill()
      process.removeListener('exit', kill)
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

Live.run()
