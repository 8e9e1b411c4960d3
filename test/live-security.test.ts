// time-limit: 900 s
// The attacks of issue 15, each driven as a process on loopback (test/helpers/security-attacker.ts)
// against real `npm run tracker` and `npm run node` processes started as the README starts them,
// each asserting that the attack fails and printing the figure it measured:
//   - one forged message (bad signature, the publisher's id and chain, ten years or two minutes
//     ahead) must not silence the publisher, also across the publisher's restart;
//   - messages signed with the key the README's example node used to have (derived from its seed
//     and id) must not be accepted as that node's;
//   - 20 Sybil identities announced at the tracker that never complete a link must not cut honest
//     subscribers off (liveness rules, then the per-address cap as well);
//   - 300 sockets that never say hello must be capped and cut, with honest delivery going on;
//   - a second process with an honest subscriber's id and its own key must not take its place.
// Honest delivery is the figure: per subscriber, the share of what the publisher published in the
// measured window that the subscriber received.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type LiveProcess, runLiveProcess, sleep, until } from './helpers/live.ts'
import { spawn } from 'node:child_process'
import { MAX_LOGGED_CHARS, logText } from '../live/log-text.ts'
import { DEFAULT_MAX_UNGREETED_SOCKETS } from '../live/websocket-transport.ts'

let nodeDataChannel = true
try {
  await import('node-datachannel')
} catch {
  nodeDataChannel = false
}

/** The attacker's messages are this size (security-attacker.ts), so subscribers' lines show them. */
const ATTACK_BYTES = 77
const SUBSCRIBERS = ['s1', 's2', 's3']
/** The Sybil attack of the issue: this many made-up ids, measured over this window from its start. */
const SYBILS = 20
const SYBIL_WINDOW_MS = 45_000
/** The impostor runs this long (the issue's 150 messages at 10 a second is 15 s). */
const IMPOSTOR_WINDOW_MS = 20_000
/** The idle-socket flood: more than a tracker lets wait for a hello at once. */
const IDLE_SOCKETS = 300

const Attacks = suite('live attacks')

/** The attacker helper as a process, like runLiveProcess. */
function runAttacker(args: string[]): LiveProcess {
  const root = join(import.meta.dirname, '..')
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'helpers', 'security-attacker.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => { out += d })
  child.stderr!.on('data', (d: Buffer) => { out += d })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { child, output: () => out, exited }
}

/** A tracker, a publisher `a` and three subscribers, as the README runs them, in a temp dir; closes everything. */
class Network {
  readonly dir = mkdtempSync(join(tmpdir(), 'brtc-security-'))
  readonly processes: LiveProcess[] = []
  tracker!: LiveProcess
  url = ''

  /** `trackerArgs`: more flags for the tracker process. */
  async start(trackerArgs: string[] = []): Promise<void> {
    this.tracker = this.track(runLiveProcess('tracker.ts', ['--port', '0', '--id', 't0', '--stats-interval-ms', '0', ...trackerArgs]))
    await until('the tracker listens', () => /listening on ws:\/\/127\.0\.0\.1:\d+/.test(this.tracker.output()), 30_000, 50)
    this.url = /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(this.tracker.output())![1]
  }

  track(p: LiveProcess): LiveProcess {
    this.processes.push(p)
    return p
  }

  /** The README's a.yaml (id a, seed 1) or b.yaml, with the key file in the temp dir. */
  node(id: string, seed: number, publishIntervalMs: number): LiveProcess {
    const file = join(this.dir, `${id}.yaml`)
    writeFileSync(file, [
      `id: ${id}`, `seed: ${seed}`, `keyFile: "${join(this.dir, `${id}.key`)}"`, `trackers: [{ id: t0, url: "${this.url}" }]`, 'streams: [demo#0]',
      `publishIntervalMs: ${publishIntervalMs}`, 'payloadBytes: 64', 'statsIntervalMs: 0', 'verbose: true',
    ].join('\n'))
    return this.track(runLiveProcess('node.ts', ['--config', file], { keyFromEnv: false }))
  }

  async close(): Promise<void> {
    for (const p of this.processes) if (p.child.exitCode === null) p.child.kill('SIGTERM')
    await Promise.all(this.processes.map((p) => Promise.race([p.exited, sleep(10_000).then(() => p.child.kill('SIGKILL'))])))
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** `publisher/ts/seq` of the lines "ID VERB demo#0 publisher/ts/seq ..." in `output`, with the line's size when it has one. */
function messages(output: string, id: string, verb: 'got' | 'published'): { key: string; publisher: string; ts: number; bytes: number }[] {
  const re = new RegExp(`^${id} ${verb} demo#0 (0x[0-9a-f]{40})/(\\d+)/(\\d+)(?: from \\S+ \\((\\d+) B)?`, 'gm')
  return [...output.matchAll(re)].map((m) => ({ key: `${m[1]}/${m[2]}/${m[3]}`, publisher: m[1], ts: Number(m[2]), bytes: Number(m[4] ?? 0) }))
}

/** Per subscriber, received / published of the publisher's messages timestamped in [from, to). */
function deliveryRatios(publisherOutputs: string[], subscribers: LiveProcess[], from: number, to: number): number[] {
  const published = new Set(publisherOutputs.flatMap((o) => messages(o, 'a', 'published')).filter((m) => m.ts >= from && m.ts < to).map((m) => m.key))
  assert.ok(published.size >= 10, `only ${published.size} messages published in the window`)
  return subscribers.map((s, i) => {
    const got = new Set(messages(s.output(), SUBSCRIBERS[i], 'got').map((m) => m.key))
    let n = 0
    for (const k of published) if (got.has(k)) n++
    return n / published.size
  })
}

const Logs = suite('log text')

Logs('escapes control and bidi characters and bounds the length', () => {
  assert.is(logText('demo\ntracker t0 stopping\u001b[2J#0'), 'demo\\u{a}tracker t0 stopping\\u{1b}[2J#0')
  assert.is(logText('a\u202eb'), 'a\\u{202e}b')
  assert.is(logText('x'.repeat(500)), `${'x'.repeat(MAX_LOGGED_CHARS)}...(500 chars)`)
  assert.is(logText('0xabc/stream#3'), '0xabc/stream#3')
})

const fmt = (ratios: number[]) => ratios.map((r) => r.toFixed(3)).join(', ')

if (!nodeDataChannel) {
  console.log('SKIP live-security: node-datachannel did not load')
} else {
  for (const [label, aheadMs] of [['ten years', 10 * 365 * 86_400_000], ['two minutes', 120_000]] as const) {
    Attacks(`one forged message ${label} ahead does not silence the publisher, nor after it restarts`, async () => {
      const net = new Network()
      try {
        await net.start()
        let a = net.node('a', 1, 100)
        const subs = SUBSCRIBERS.map((id, i) => net.node(id, i + 2, 0))
        await until('a subscriber hears a', () => subs.every((s) => messages(s.output(), SUBSCRIBERS[subs.indexOf(s)], 'got').length > 0), 60_000, 100)
        const attacker = net.track(runAttacker([net.url, 't0', 'demo#0', 'poison', String(aheadMs)]))
        await until('the attacker strikes', () => /attacker forged at (\d+)/.test(attacker.output()), 60_000, 100)
        const struck = Number(/attacker forged at (\d+)/.exec(attacker.output())![1])
        await sleep(6_000)
        const before = a.output()
        const afterAttack = deliveryRatios([before], subs, struck + 1_000, Date.now() - 1_000)
        // The publisher restarts with its key file (and seed, so its chain id): the chain the forgery claims.
        a.child.kill('SIGTERM')
        await a.exited
        const restarted = Date.now()
        a = net.node('a', 1, 100)
        await sleep(8_000)
        const afterRestart = deliveryRatios([a.output()], subs, restarted + 2_000, Date.now() - 1_000)
        const rejected = subs.map((s) => (s.output().match(/rejected demo#0 .*: (bad-signature|future-timestamp)/g) ?? []).length)
        console.log(`FIGURE poisoned chain (${label} ahead): delivery after the forgery ${fmt(afterAttack)}; after the publisher's restart `
          + `${fmt(afterRestart)}; forgeries rejected per subscriber ${rejected.join(', ')}`)
        for (const r of [...afterAttack, ...afterRestart]) assert.ok(r >= 0.99, `delivery ${r}:\n${subs.map((s) => s.output().slice(-2000)).join('\n')}`)
        for (const s of subs) assert.is(messages(s.output(), SUBSCRIBERS[subs.indexOf(s)], 'got').filter((m) => m.bytes === ATTACK_BYTES).length, 0, 'a forgery reached an app')
      } finally {
        await net.close()
      }
    })
  }

  // Liveness alone (every Sybil admitted: the per-address cap raised), then the tracker as it starts by default.
  for (const [label, trackerArgs] of [['the cap raised to 64', ['--max-per-address', '64']], ['the default cap', []]] as const) {
    Attacks(`${SYBILS} Sybil identities at the tracker that never complete a link do not cut honest subscribers off (${label})`, async () => {
      const net = new Network()
      try {
        await net.start([...trackerArgs])
        const a = net.node('a', 1, 100)
        const subs = SUBSCRIBERS.map((id, i) => net.node(id, i + 2, 0))
        await until('every subscriber hears a', () => subs.every((s, i) => messages(s.output(), SUBSCRIBERS[i], 'got').length > 0), 60_000, 100)
        const attacker = net.track(runAttacker([net.url, 't0', 'demo#0', 'sybil', String(SYBILS)]))
        await until('the Sybils are linked to the tracker', () => /attacker forged at/.test(attacker.output()), 60_000, 100)
        const struck = Number(/attacker forged at (\d+)/.exec(attacker.output())![1])
        await sleep(SYBIL_WINDOW_MS + 3_000)
        const honest = deliveryRatios([a.output()], subs, struck, struck + SYBIL_WINDOW_MS)
        const linked = Math.max(0, ...[...attacker.output().matchAll(/attacker sybils linked (\d+)/g)].map((m) => Number(m[1])))
        console.log(`FIGURE Sybil (${SYBILS} made-up ids, ${label}: ${linked} admitted by the tracker): honest delivery over `
          + `${SYBIL_WINDOW_MS / 1000} s ${fmt(honest)}`)
        for (const r of honest) assert.ok(r >= 0.99, `honest delivery ${r}:\n${net.tracker.output().slice(-3000)}`)
        // The tracker's default cap (16 sockets per address) leaves the Sybils what 5 honest processes on loopback do not use.
        if (trackerArgs.length === 0) assert.ok(linked <= 16 - 1 - SUBSCRIBERS.length - 1, `${linked} Sybils admitted`)
        else assert.is(linked, SYBILS)
      } finally {
        await net.close()
      }
    })
  }

  Attacks(`${IDLE_SOCKETS} sockets that never say hello are capped and cut, and honest delivery goes on`, async () => {
    const net = new Network()
    try {
      // The per-address cap raised: the flood comes from the honest nodes' address (loopback); the cap on sockets waiting for a hello is tested.
      await net.start(['--max-per-address', '1000', '--stats-interval-ms', '1000'])
      const a = net.node('a', 1, 100)
      const subs = SUBSCRIBERS.map((id, i) => net.node(id, i + 2, 0))
      await until('every subscriber hears a', () => subs.every((s, i) => messages(s.output(), SUBSCRIBERS[i], 'got').length > 0), 60_000, 100)
      const attacker = net.track(runAttacker([net.url, 't0', 'demo#0', 'idle', String(IDLE_SOCKETS)]))
      await until('the attacker counts', () => /attacker idle sockets/.test(attacker.output()), 60_000, 100)
      const struck = Number(/attacker forged at (\d+)/.exec(attacker.output())![1])
      await sleep(2_000)
      const open = Number(/open (\d+)/.exec(attacker.output())![1])
      const refused = Math.max(...[...net.tracker.output().matchAll(/sockets refused \(over \d+ per address\) (\d+)/g)].map((m) => Number(m[1])))
      const later = IDLE_SOCKETS - refused - open
      const honest = deliveryRatios([a.output()], subs, struck, Date.now() - 1_000)
      console.log(`FIGURE idle sockets (${IDLE_SOCKETS} that never say hello): refused on arrival ${refused}, cut at the hello timeout ${later}, `
        + `still open after 8 s ${open}; honest delivery ${fmt(honest)}`)
      assert.ok(refused >= IDLE_SOCKETS - DEFAULT_MAX_UNGREETED_SOCKETS, `${refused} refused`)
      assert.is(open, 0)
      for (const r of honest) assert.ok(r >= 0.99, `honest delivery ${r}`)
    } finally {
      await net.close()
    }
  })

  Attacks('a second process with an honest subscriber\'s id and another key cannot take its place (impostor)', async () => {
    const net = new Network()
    try {
      await net.start(['--stats-interval-ms', '1000'])
      const a = net.node('a', 1, 100)
      const subs = SUBSCRIBERS.map((id, i) => net.node(id, i + 2, 0))
      await until('every subscriber hears a', () => subs.every((s, i) => messages(s.output(), SUBSCRIBERS[i], 'got').length > 0), 60_000, 100)
      const attacker = net.track(runAttacker([net.url, 't0', 'demo#0', 'impostor', SUBSCRIBERS[0]]))
      await until('the impostor tries', () => /attacker forged at/.test(attacker.output()), 60_000, 100)
      const struck = Number(/attacker forged at (\d+)/.exec(attacker.output())![1])
      await sleep(IMPOSTOR_WINDOW_MS + 2_000)
      const honest = deliveryRatios([a.output()], subs, struck, struck + IMPOSTOR_WINDOW_MS)
      const refused = Math.max(0, ...[...net.tracker.output().matchAll(/links refused \(proof of identity\) (\d+)/g)].map((m) => Number(m[1])))
      const neighbours = Math.max(0, ...[...attacker.output().matchAll(/neighbours (\d+)/g)].map((m) => Number(m[1])))
      console.log(`FIGURE impostor (a second ${SUBSCRIBERS[0]} with its own key): tracker refused its link ${refused} times, it had at most `
        + `${neighbours} neighbours; honest delivery over ${IMPOSTOR_WINDOW_MS / 1000} s ${fmt(honest)}`)
      assert.ok(refused >= 1, net.tracker.output().slice(-2000))
      assert.is(neighbours, 0)
      for (const r of honest) assert.ok(r >= 0.99, `honest delivery ${r}`)
    } finally {
      await net.close()
    }
  })

  Attacks('messages signed with the README-derived key of node a are not accepted as a\'s', async () => {
    const net = new Network()
    try {
      await net.start()
      const a = net.node('a', 1, 100)
      const subs = SUBSCRIBERS.map((id, i) => net.node(id, i + 2, 0))
      await until('every subscriber hears a', () => subs.every((s, i) => messages(s.output(), SUBSCRIBERS[i], 'got').length > 0), 60_000, 100)
      const address = /node a address (0x[0-9a-f]{40})/.exec(a.output())![1]
      // The README's a.yaml: id a, seed 1; seed-derived keys were keccak256("1/a").
      const attacker = net.track(runAttacker([net.url, 't0', 'demo#0', 'readme-key', '1', 'a', address]))
      await until('the attacker strikes', () => /attacker forged at/.test(attacker.output()), 60_000, 100)
      await sleep(6_000)
      const accepted = subs.map((s, i) => messages(s.output(), SUBSCRIBERS[i], 'got').filter((m) => m.publisher === address && m.bytes === ATTACK_BYTES).length)
      const struck = Number(/attacker forged at (\d+)/.exec(attacker.output())![1])
      const honest = deliveryRatios([a.output()], subs, struck, Date.now() - 1_000)
      console.log(`FIGURE README-key forgery: forged messages accepted as node a's per subscriber ${accepted.join(', ')} (of 20 sent); `
        + `honest delivery ${fmt(honest)}`)
      assert.equal(accepted, [0, 0, 0])
      for (const r of honest) assert.ok(r >= 0.99, `honest delivery ${r}`)
    } finally {
      await net.close()
    }
  })
}

Attacks('a stream id with control characters does not forge a line in the tracker\'s log', async () => {
  const net = new Network()
  try {
    net.tracker = net.track(runLiveProcess('tracker.ts', ['--port', '0', '--id', 't0', '--stats-interval-ms', '300']))
    await until('the tracker listens', () => /listening on ws:\/\/127\.0\.0\.1:\d+/.test(net.tracker.output()), 30_000, 50)
    net.url = /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(net.tracker.output())![1]
    net.track(runAttacker([net.url, 't0', 'demo\ntracker t0 stopping\u001b[2J#0', 'join']))
    await until('the tracker lists the stream part', () => /1 nodes/.test(net.tracker.output()), 60_000, 100)
    const forged = net.tracker.output().split('\n').filter((l) => l.startsWith('tracker t0 stopping')).length
    const escapes = (net.tracker.output().match(/\u001b/g) ?? []).length
    console.log(`FIGURE log injection: forged tracker log lines ${forged}, raw escape characters ${escapes}`)
    assert.is(forged, 0, net.tracker.output())
    assert.is(escapes, 0)
  } finally {
    await net.close()
  }
})

Logs.run()
Attacks.run()
