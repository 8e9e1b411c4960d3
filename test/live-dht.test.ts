// time-limit: 150 s
// Live DHT (Tatum) nodes as processes on 127.0.0.1, with no tracker: an entry point, nodes with
// and without a WebSocket server (so links of all three kinds: WebSocket, connect-back, WebRTC
// signalled over the DHT) and a publisher; every message published reaches every other node.
// A hostile process that sends forged and malformed DHT RPCs (and floods WebRTC offers) is
// dropped and counted, and the node goes on delivering. Every process is killed if a check fails.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { dhtIdOf } from '../core/dht/dht-id.ts'
import { peerDescriptorOf } from '../core/dht/peer-descriptor.ts'
import type { WireMessage } from '../core/ports.ts'
import { WIRE_RPC_REQUEST, isRpcMessage } from '../core/rpc/rpc-messages.ts'
import { createRandom } from '../sim/engine/random.ts'
import { WireCodec } from '../live/wire-codec.ts'
import { isDhtConfig, parseNodeConfig } from '../live/node-config.ts'
import { DEFAULT_MAX_UNSOLICITED_ANSWERS } from '../live/webrtc-attempts.ts'
import { type LiveProcess, runLiveProcess, until } from './helpers/live.ts'

let nodeDataChannel = true
try {
  await import('node-datachannel')
} catch {
  nodeDataChannel = false
}

const Dht = suite('live DHT processes')
const Scenario = suite('sim run --transport live, topology.builder dht')
const Wire = suite('DHT RPCs on the wire')
const Config = suite('DHT node config and flags')

Wire('mutated RPC frames never throw: each decodes to a message core can check, or is refused', () => {
  const codec = new WireCodec()
  const sender = { ...peerDescriptorOf('0x' + 'cd'.repeat(20), 7, true), url: 'ws://127.0.0.1:7700' }
  const body = { key: new Uint8Array(20).fill(1), peers: [peerDescriptorOf('n1'), peerDescriptorOf('n2', 3)], entry: { creator: sender, storedAtMs: 1, ttlMs: 60_000 } }
  const good = codec.encode({ kind: WIRE_RPC_REQUEST, sizeBytes: 0, service: 'layer0', method: 5, requestId: 9, sender, body } as unknown as WireMessage)
  assert.ok(good.ok)
  if (!good.ok) return
  const random = createRandom(11, 'descriptor-fuzz')
  let decoded = 0
  for (let i = 0; i < 5_000; i++) {
    const frame = good.frame.slice()
    const edits = 1 + Math.floor(random.next() * 4)
    for (let e = 0; e < edits; e++) frame[2 + Math.floor(random.next() * (frame.length - 2))] = Math.floor(random.next() * 256)
    const r = codec.decode(frame)
    if (!r.ok) continue
    decoded++
    // Whatever decoded is only a candidate: core's own check takes it or leaves it, and never throws.
    isRpcMessage(r.message)
  }
  assert.ok(decoded > 0, 'some mutations still decode')
})

Config('entry points, a server port and no trackers make a DHT node; mixing with trackers or bad values is refused by field', async () => {
  const ok = parseNodeConfig(`entryPoints: ["ws://127.0.0.1:7700", "0x${'ab'.repeat(20)}@ws://10.0.0.1:7701"]\nwsPort: 0\nstreams: [demo#0]`, 'a.yaml')
  assert.ok(ok.ok)
  if (!ok.ok) return
  assert.ok(isDhtConfig(ok.config))
  assert.equal(ok.config.entryPoints, [{ nodeId: undefined, url: 'ws://127.0.0.1:7700' }, { nodeId: `0x${'ab'.repeat(20)}`, url: 'ws://10.0.0.1:7701' }])
  assert.is(ok.config.wsPort, 0)
  const first = parseNodeConfig('wsPort: 7700', 'first.yaml')
  assert.ok(first.ok && isDhtConfig(first.config) && first.config.streams.length === 0, 'a first node with no stream part')
  const bad = parseNodeConfig('entryPoints: ["http://x:1", 7]\nwsPort: 70000\nwsHost: "a b"\nwsAdvertisedHost: "h:1"\ntrackers: [{ id: t0, url: "ws://x:1" }]\nstreams: [demo#0]', 'bad.yaml')
  assert.not.ok(bad.ok)
  if (bad.ok) return
  for (const field of ['entryPoints[0]', 'entryPoints[1]', 'wsPort', 'wsHost', 'wsAdvertisedHost', 'trackers']) assert.ok(bad.problems.some((p) => p.startsWith(`bad.yaml: ${field}:`)), `${field} in ${bad.problems.join('; ')}`)
  const flags = runLiveProcess('node.ts', ['--entry-point', 'http://127.0.0.1:1', '--ws-port', 'x'])
  assert.is(await flags.exited, 2)
  assert.match(flags.output(), /flags: entryPoints\[0\]: got "http:\/\/127\.0\.0\.1:1"/)
  assert.match(flags.output(), /flags: wsPort: got "x"/)
  const lonely = runLiveProcess('node.ts', ['--stream', 'demo#0'])
  assert.is(await lonely.exited, 2)
  assert.match(lonely.output(), /--stream needs --entry-point or --ws-port/)
})

Wire('a descriptor travels without its DHT id, which is derived from the node id; a server URL only with a server', () => {
  const codec = new WireCodec()
  const id = '0x' + 'ab'.repeat(20)
  const sender = { ...peerDescriptorOf(id, 3, true), url: 'ws://127.0.0.1:7700' }
  const key = new Uint8Array(20).fill(9)
  const message = { kind: WIRE_RPC_REQUEST, sizeBytes: 0, service: 'layer0', method: 2, requestId: 7, sender, body: { key, count: 5, peers: [peerDescriptorOf('n1')] } }
  const frame = codec.encode(message as WireMessage)
  assert.ok(frame.ok)
  if (!frame.ok) return
  assert.not.ok(new TextDecoder().decode(frame.frame).includes('dhtId'))
  const back = codec.decode(frame.frame)
  assert.ok(back.ok)
  if (!back.ok) return
  const m = back.message as unknown as typeof message
  assert.equal(m.sender, sender)
  assert.equal(m.sender.dhtId, dhtIdOf(id))
  assert.equal(m.body.key, key)
  assert.equal(m.body.peers[0], peerDescriptorOf('n1'))
  const frameOf = (json: string) => new Uint8Array([0xb1, WIRE_RPC_REQUEST, ...new TextEncoder().encode(json)])
  for (const bad of [
    '{"sender":{"$d":["n1",0,0,"ws://x:1"]}}', '{"sender":{"$d":["n1",0,1,null]}}', '{"sender":{"$d":["n1",0,1,"http://x:1"]}}',
    '{"sender":{"$d":["n1",-1,0,null]}}', '{"sender":{"$d":["",0,0,null]}}', '{"sender":{"$d":["n1",0,0,null],"dhtId":1}}',
    `{"sender":{"$d":["${'x'.repeat(101)}",0,0,null]}}`, '{"k":{"$b":"abc"}}', `{"k":{"$b":"${'00'.repeat(65)}"}}`, '{"k":{"$b":"zz"}}',
  ]) assert.not.ok(codec.decode(frameOf(bad)).ok, bad)
})

/** Processes of one test: killed at the end whatever happened. */
class Processes {
  private readonly all: LiveProcess[] = []
  node(args: string[], statsIntervalMs = 0): LiveProcess {
    const p = runLiveProcess('node.ts', [...args, '--stats-interval-ms', String(statsIntervalMs), '--verbose'])
    this.all.push(p)
    return p
  }
  hostile(url: string): LiveProcess {
    const root = join(import.meta.dirname, '..')
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'helpers', 'hostile-dht-peer.ts'), url], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => { out += d })
    child.stderr!.on('data', (d: Buffer) => { out += d })
    const p: LiveProcess = { child, output: () => out, exited: new Promise((resolve) => child.on('close', (code) => resolve(code))) }
    this.all.push(p)
    return p
  }
  /** Ctrl-C for each process still running; each must then exit 0. */
  async stop(...ps: LiveProcess[]): Promise<void> {
    for (const p of ps) p.child.kill('SIGINT')
    for (const p of ps) assert.is(await p.exited, 0, p.output())
  }
  killAll(): void {
    for (const p of this.all) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
  }
}

const URL_LINE = /entry point at (ws:\/\/127\.0\.0\.1:\d+)/
const ADDRESS_LINE = /^node \S+ (0x[0-9a-f]{40}) /m

async function entryPoint(ps: Processes, label: string): Promise<{ process: LiveProcess; url: string }> {
  const p = ps.node(['--ws-port', '0', '--stream', 'demo#0', '--id', label])
  await until(`${label} listens`, () => URL_LINE.test(p.output()), 20_000)
  return { process: p, url: URL_LINE.exec(p.output())![1] }
}

function receivedFrom(p: LiveProcess, publisher: string): number {
  return (p.output().match(new RegExp(`got demo#0 ${publisher}/`, 'g')) ?? []).length
}

/** Publishes from a fresh node for `seconds`; returns its address and how many it published. */
async function publish(ps: Processes, url: string, seconds: number): Promise<{ address: string; published: number }> {
  const p = ps.node(['--entry-point', url, '--stream', 'demo#0', '--id', 'pub', '--publish-interval-ms', '100', '--duration-s', String(seconds)])
  assert.is(await p.exited, 0, p.output())
  const address = ADDRESS_LINE.exec(p.output())?.[1]
  const published = Number(/stopping \(after \d+ s\): published (\d+)/.exec(p.output())?.[1])
  assert.ok(address !== undefined && published > 0, p.output())
  return { address: address!, published }
}

if (!nodeDataChannel) {
  console.log('SKIP live-dht: DHT node processes (node-datachannel did not load)')
} else {
  Dht('an entry point, nodes with and without a server and a publisher, no tracker: every message reaches every node', async () => {
    const ps = new Processes()
    try {
      const ep = await entryPoint(ps, 'ep')
      const receivers = [
        ps.node(['--entry-point', ep.url, '--stream', 'demo#0', '--id', 'a'], 500),
        ps.node(['--entry-point', ep.url, '--stream', 'demo#0', '--id', 'b'], 500),
        ps.node(['--entry-point', ep.url, '--ws-port', '0', '--stream', 'demo#0', '--id', 'c']),
      ]
      for (const r of receivers) await until('a neighbour', () => /\+ neighbour/.test(r.output()), 30_000)
      const { address, published } = await publish(ps, ep.url, 3)
      const all = [ep.process, ...receivers]
      await until(`all ${published} messages at every node`, () => all.every((r) => receivedFrom(r, address) === published), 15_000)
        .catch((e) => { throw new Error(`${e.message}: ${all.map((r) => receivedFrom(r, address)).join(', ')}`) })
      // a and b have no server: their link is WebRTC, its offer, answer and candidates routed over the DHT.
      for (const r of receivers.slice(0, 2)) assert.match(r.output(), /links \d+ websocket, [1-9]\d* webrtc/)
      await ps.stop(...receivers, ep.process)
      for (const r of all) {
        assert.not.match(r.output(), /error|Error/)
        assert.match(r.output(), /dropped: garbage 0, malformed 0/)
      }
    } finally {
      ps.killAll()
    }
  })

  Dht('a DHT node serves apps: an HTTP publish on the entry point reaches a node that joined through it', async () => {
    const ps = new Processes()
    const dir = mkdtempSync(join(tmpdir(), 'brtc-live-dht-app-'))
    try {
      const key = 'dht-app-key-123'
      writeFileSync(join(dir, 'ep.yaml'), `wsPort: 0\nstreams: [demo#0]\napp: { httpPort: 0, apiKey: "${key}" }\n`)
      const ep = ps.node(['--config', join(dir, 'ep.yaml'), '--id', 'ep'])
      await until('the entry point serves apps', () => /http (http:\/\/127\.0\.0\.1:\d+)/.test(ep.output()) && URL_LINE.test(ep.output()), 20_000)
      const http = /http (http:\/\/127\.0\.0\.1:\d+)/.exec(ep.output())![1]
      const url = URL_LINE.exec(ep.output())![1]
      const receiver = ps.node(['--entry-point', url, '--stream', 'demo#0', '--id', 'r'])
      await until('a neighbour', () => /\+ neighbour/.test(receiver.output()), 30_000)
      const info = await (await fetch(`${http}/info`, { headers: { authorization: `Bearer ${key}` } })).json() as { nodeId: string }
      assert.match(info.nodeId, /^0x[0-9a-f]{40}$/)
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${http}/streams/demo/publish`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ n: i }) })
        assert.is(r.status, 200, await r.text())
      }
      await until('the receiver gets the app\'s messages', () => receivedFrom(receiver, info.nodeId) === 3, 15_000)
      await ps.stop(receiver, ep)
    } finally {
      ps.killAll()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  Dht('a hostile peer: forged ids, messages before proof, wrong senders, oversize lists, bad frames and an offer flood are dropped and counted; the node still delivers', async () => {
    const ps = new Processes()
    try {
      const ep = await entryPoint(ps, 'ep')
      const receiver = ps.node(['--entry-point', ep.url, '--stream', 'demo#0', '--id', 'r'])
      const hostile = ps.hostile(ep.url)
      assert.is(await hostile.exited, 0, hostile.output())
      const sent = JSON.parse(/hostile sent (\{.*\})/.exec(hostile.output())![1]) as Record<string, number>
      await until('a neighbour', () => /\+ neighbour/.test(receiver.output()), 30_000)
      const { address, published } = await publish(ps, ep.url, 2)
      await until(`all ${published} messages`, () => [ep.process, receiver].every((r) => receivedFrom(r, address) === published), 15_000)
      await ps.stop(receiver, ep.process)
      const dropped = /dropped: garbage (\d+), malformed (\d+), links refused (\d+), before proof (\d+), offers refused (\d+)/.exec(ep.process.output())
      assert.ok(dropped !== null, ep.process.output())
      const [garbage, malformed, refused, beforeProof, offersRefused] = dropped!.slice(1).map(Number)
      // Offers from made-up sources: answered up to the cap, the rest dropped.
      assert.is(offersRefused, sent.offers - DEFAULT_MAX_UNSOLICITED_ANSWERS)
      // Frames before the proof are garbage too (the link layer drops them before anything reads them).
      assert.is(garbage, sent.badFrames + sent.beforeProof)
      assert.is(malformed, sent.wrongSender + sent.oversize + sent.badBody + sent.unknownKind)
      // The impersonation (probes that asked the entry point its id close before any proof).
      assert.ok(refused >= sent.impersonations, `refused ${refused}`)
      assert.is(beforeProof, sent.beforeProof)
      assert.not.match(ep.process.output(), /error|Error/)
    } finally {
      ps.killAll()
    }
  })
}

if (nodeDataChannel) {
  Scenario('a small DHT scenario live in two workers, through the delay shim: every message to every node, the simulator files', async () => {
    const root = join(import.meta.dirname, '..')
    const dir = mkdtempSync(join(tmpdir(), 'brtc-live-dht-'))
    try {
      const file = join(dir, 'dht-small.yaml')
      writeFileSync(file, [
        'name: dht-small', 'protocol: tatum', 'seed: 3', 'nodes: 12',
        'topology: { builder: dht, degree: 4, entryPoints: 2, wsServerShare: 0.25 }',
        'network: { latency: { model: geo, intraRegionRttMs: 2, jitterSdMs: 0 } }',
        'workload: { publishersPerStream: 2, messagesPerPublisher: 15, ratePerSecond: 10, payloadBytes: 64, warmupS: 8 }',
      ].join('\n'))
      const out = join(dir, 'run')
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli', 'sim.ts'), 'run', file, '--transport', 'live', '--workers', '2', '--out', out, '--quiet'],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
      let output = ''
      child.stdout!.on('data', (d: Buffer) => { output += d })
      child.stderr!.on('data', (d: Buffer) => { output += d })
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
      assert.is(code, 0, output)
      for (const f of ['summary.json', 'topology.json', 'timeseries.csv']) assert.ok(existsSync(join(out, f)), `${f} written`)
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))
      assert.is(summary.transport, 'live')
      assert.is(summary.protocol.era, 'tatum')
      assert.is(summary.published, 30)
      assert.is(summary.deliveryRatio, 1, output)
      assert.is(summary.firstReceipts, 30 * 11)
      assert.is(summary.live.errors.count, 0, JSON.stringify(summary.live.errors))
      assert.is(summary.timeToFirstNeighbourMs.count, 12)
      assert.is(summary.overlay[0].components, 1)
      // The DHT figures, as the simulator reports them: every node's links and routing table, the lookups.
      assert.is(summary.dht.connectionsPerNode.layer0.count, 12)
      assert.ok(summary.dht.connectionsPerNode.layer2.mean >= 3, JSON.stringify(summary.dht.connectionsPerNode.layer2))
      assert.ok(summary.dht.lookups.layer0.count > 0 && summary.dht.rpc.requests > 0)
      assert.ok(summary.dht.entryPointsAtEnd >= 1)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

Wire.run()
Config.run()
Scenario.run()
Dht.run()
