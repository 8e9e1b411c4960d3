// The live processes: a tracker process and two node processes on 127.0.0.1 find each other,
// link over WebRTC and deliver what one publishes to the other, then stop by themselves; a bad
// config is refused with every problem named and exit code 2. Also the config checks alone.

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parseNodeConfig } from '../live/node-config.ts'
import { runLiveProcess, until } from './helpers/live.ts'

let nodeDataChannel = true
try {
  await import('node-datachannel')
} catch {
  nodeDataChannel = false
}

const Processes = suite('live processes')
const Config = suite('parseNodeConfig')

if (!nodeDataChannel) {
  console.log('SKIP live-process: a tracker and two node processes deliver messages (node-datachannel did not load)')
} else {
  Processes('a tracker and two nodes link over WebRTC, deliver messages, and all exit by themselves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brtc-live-'))
    const tracker = runLiveProcess('tracker.ts', ['--port', '0', '--id', 't0', '--stats-interval-ms', '0'])
    try {
      await until('the tracker listens', () => /listening on ws:\/\/127\.0\.0\.1:\d+/.test(tracker.output()), 15_000)
      const url = /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(tracker.output())![1]
      const config = (id: string, publishIntervalMs: number) => [
        `id: ${id}`, `seed: ${id}`, `keyFile: "${join(dir, `${id}.key`)}"`, `trackers: [{ id: t0, url: "${url}" }]`, 'streams: [demo#0]',
        `publishIntervalMs: ${publishIntervalMs}`, 'statsIntervalMs: 0', 'verbose: true', 'webrtc: { bindAddress: 127.0.0.1 }',
      ].join('\n')
      writeFileSync(join(dir, 'a.yaml'), config('a', 100))
      writeFileSync(join(dir, 'b.yaml'), config('b', 0))
      const a = runLiveProcess('node.ts', ['--config', join(dir, 'a.yaml'), '--duration-s', '4'], { keyFromEnv: false })
      const b = runLiveProcess('node.ts', ['--config', join(dir, 'b.yaml'), '--duration-s', '4'], { keyFromEnv: false })
      const [ca, cb] = await Promise.all([a.exited, b.exited])
      assert.is(ca, 0, a.output())
      assert.is(cb, 0, b.output())
      assert.match(b.output(), /\+ neighbour a in demo#0/)
      // Messages name their publisher by the address of its key, which node a created in its key file and printed.
      const publisher = /node a address (0x[0-9a-f]{40})/.exec(a.output())![1]
      assert.match(a.output(), /created key file/)
      assert.is(statSync(join(dir, 'a.key')).mode & 0o777, 0o600)
      const received = (b.output().match(new RegExp(`^b got demo#0 ${publisher}/`, 'gm')) ?? []).length
      assert.ok(received >= 5, `b received ${received}:\n${b.output()}`)
      const summary = /stopping \(after 4 s\): published 0, received (\d+)/.exec(b.output())
      assert.ok(summary !== null && Number(summary[1]) === received)
      assert.not.match(a.output() + b.output(), /error|Error/)
    } finally {
      tracker.child.kill('SIGINT')
      assert.is(await tracker.exited, 0, tracker.output())
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

Processes('a node refuses a bad config file naming every problem, exits 2, and starts nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'brtc-live-'))
  try {
    writeFileSync(join(dir, 'bad.yaml'), 'trackers: [{ id: t0, url: "http://x" }]\nstreams: ["demo#100"]\npublishIntervalMs: -1\ncolour: red\n')
    const p = runLiveProcess('node.ts', ['--config', join(dir, 'bad.yaml')])
    assert.is(await p.exited, 2)
    const out = p.output()
    for (const field of ['trackers[0].url', 'streams[0]', 'publishIntervalMs', 'colour']) assert.ok(out.includes(`bad.yaml: ${field}:`), `${field} in:\n${out}`)
    assert.match(out, /invalid config \(4 problems\)/)
    const missing = runLiveProcess('node.ts', [])
    assert.is(await missing.exited, 2)
    assert.match(missing.output(), /--config FILE is required/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

Config('fills defaults, parses stream parts and webrtc options, and reads JSON as well as YAML', () => {
  const r = parseNodeConfig('{"seed": 7, "trackers": [{"id": "t0", "url": "ws://127.0.0.1:7700"}], "streams": ["0xabc/a/b#3", "plain"]}', 'c.json')
  assert.ok(r.ok)
  if (!r.ok) return
  assert.is(r.config.id, 'node-7')
  assert.equal(r.config.streams, [
    { streamId: '0xabc/a/b', partition: 3, streamPartId: '0xabc/a/b#3' }, { streamId: 'plain', partition: 0, streamPartId: 'plain#0' },
  ])
  assert.equal([r.config.publishIntervalMs, r.config.payloadBytes, r.config.statsIntervalMs, r.config.durationS, r.config.verbose], [0, 64, 5000, undefined, false])
  const w = parseNodeConfig('id: x\ntrackers: [{id: t0, url: "ws://h:1"}, {id: t0, url: "ws://h:2"}]\nstreams: [s]\nwebrtc: { bindAddress: 1, portRangeBegin: 0, mux: true }', 'w.yaml')
  assert.not.ok(w.ok)
  if (!w.ok) assert.is(w.problems.length, 4, w.problems.join('\n'))
  assert.not.ok(parseNodeConfig('[: not yaml', 'x.yaml').ok)
  assert.not.ok(parseNodeConfig('- a list', 'x.yaml').ok)
})

Config('a registry section: defaults, and each bad field named', () => {
  const base = 'trackers: [{ id: t0, url: "ws://127.0.0.1:7700" }]\nstreams: [demo]\n'
  const ok = parseNodeConfig(`${base}registry: { url: "http://127.0.0.1:8545" }`, 'r.yaml')
  assert.ok(ok.ok)
  if (ok.ok) assert.equal(ok.config.registry, { url: 'http://127.0.0.1:8545', address: undefined, cacheTtlMs: 60_000, timeoutMs: 3_000 })
  const none = parseNodeConfig(base, 'r.yaml')
  assert.ok(none.ok && none.config.registry === undefined, 'absent: no registry (every stream open)')
  const bad = parseNodeConfig(`${base}registry: { url: "ws://x", address: "0x12", cacheTtlMs: -1, timeoutMs: 0, chain: 1 }`, 'r.yaml')
  assert.not.ok(bad.ok)
  if (!bad.ok) for (const field of ['registry.url', 'registry.address', 'registry.cacheTtlMs', 'registry.timeoutMs', 'registry.chain']) {
    assert.ok(bad.problems.some((p) => p.startsWith(`r.yaml: ${field}:`)), `${field} in ${bad.problems.join('\n')}`)
  }
  assert.not.ok(parseNodeConfig(`${base}registry: http://127.0.0.1:8545`, 'r.yaml').ok)
  const both = parseNodeConfig(`${base}registry: { url: "http://127.0.0.1:8545" }\npermissionsFile: p.yaml`, 'r.yaml')
  assert.ok(!both.ok && both.problems.some((p) => p.startsWith('r.yaml: permissionsFile:')), 'one source of permissions')
})

Processes.run()
Config.run()
