// The app interfaces of a live node (live/app/) on 127.0.0.1: a tracker and two LiveNodes in
// this process, each with HTTP, WebSocket and MQTT attached. What an app publishes on node a
// reaches an app subscribed on node b over SSE, long polling, WebSocket and MQTT, the stream
// parts joined on demand through the tracker; a missing or wrong API key is refused on every
// interface; malformed requests get a 4xx with a JSON body, are counted, and the node keeps
// working. Then the node process itself with an `app:` section. If node-datachannel cannot
// load here, each test prints a SKIP line instead.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type MqttClient, connectAsync } from 'mqtt'
import { type Test, suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CONTENT_TYPE_BINARY, ENCRYPTION_NONE, MESSAGE_TYPE_CONTENT, SIGNATURE_TYPE_SECP256K1, streamMessageOf } from '../core/message.ts'
import { contentWireMessage } from '../core/wire.ts'
import WebSocket from 'ws'
import { type AppConfig, checkAppConfig } from '../live/app/app-config.ts'
import { parseNodeConfig } from '../live/node-config.ts'
import { type LiveProcess, loadWebRtcModules, runLiveProcess, sleep, until } from './helpers/live.ts'

type LiveNode = import('../live/live-node.ts').LiveNode
type LiveTracker = import('../live/live-tracker.ts').LiveTracker
type AppInterfaces = import('../live/app/app-interfaces.ts').AppInterfaces

const KEY = 'test-api-key-0123'
const LOOPBACK = { bindAddress: '127.0.0.1', iceServers: [] as string[] }

const { modules, skipReason } = await loadWebRtcModules()
const liveNode = modules?.liveNode
const liveTracker = modules?.liveTracker
// The app interfaces import the live node, so they load exactly when it does.
const appModule = modules === undefined ? undefined : await import('../live/app/app-interfaces.ts')

function liveTest(group: Test, name: string, fn: () => Promise<void>): void {
  if (skipReason !== undefined) console.log(`SKIP live-app: ${name} (${skipReason})`)
  else group(name, fn)
}

function appConfig(fields: Record<string, unknown>): AppConfig {
  const problems: string[] = []
  const config = checkAppConfig({ apiKey: KEY, ...fields }, (field, got, expected) => problems.push(`${field}: got ${JSON.stringify(got)}, expected ${expected}`))
  if (config === undefined) throw new Error(problems.join('\n'))
  return config
}

interface AppNode {
  node: LiveNode
  app: AppInterfaces
  errors: string[]
}

let tracker: LiveTracker
let a: AppNode
let b: AppNode
const SMALL = { host: '127.0.0.1', httpPort: 0, mqttPort: 0, maxMessageBytes: 4096, bufferMessages: 5 }

async function appNode(id: string, tracker: LiveTracker, fields: Record<string, unknown>): Promise<AppNode> {
  const errors: string[] = []
  const onError = (error: unknown, where: string) => errors.push(`${where}: ${String(error)}`)
  const node = new liveNode!.LiveNode({ id, seed: id, trackers: [{ id: tracker.id, url: tracker.url }], webrtc: LOOPBACK, onError })
  const app = await appModule!.startAppInterfaces(node, appConfig(fields), onError)
  return { node, app, errors }
}

// HTTP

const auth = { authorization: `Bearer ${KEY}` }

async function request(n: AppNode, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${n.app.httpUrl}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string> ?? {}) } })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON: the assertion that reads it says so
  }
  return { status: res.status, body }
}

function post(n: AppNode, path: string, body: string | Uint8Array<ArrayBuffer>, contentType: string) {
  return request(n, path, { method: 'POST', body, headers: { 'content-type': contentType } })
}

interface SseEvent { event: string; id: string | undefined; data: string }

/** An SSE subscription read with fetch: the events so far, parsed as EventSource would. */
async function openSse(url: string, headers: Record<string, string> = auth) {
  const controller = new AbortController()
  const res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal: controller.signal })
  const events: SseEvent[] = []
  const reading = (async () => {
    if (res.status !== 200) return
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        buffer += decoder.decode(value, { stream: true })
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end).split('\n').filter((l) => !l.startsWith(':'))
          buffer = buffer.slice(end + 2)
          if (block.length === 0) continue
          const field = (name: string) => block.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2))
          events.push({ event: field('event')[0] ?? 'message', id: field('id')[0], data: field('data').join('\n') })
        }
      }
    } catch {
      // aborted by close()
    }
  })()
  return {
    status: res.status, events,
    messages: () => events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data)),
    async close() {
      controller.abort()
      await reading
    },
  }
}

// WebSocket

/** A WebSocket client that keeps every JSON frame it receives. */
async function openWs(url: string, headers: Record<string, string> = auth) {
  const socket = new WebSocket(url, { headers })
  const frames: any[] = []
  socket.on('message', (data) => frames.push(JSON.parse(String(data))))
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  const send = (command: object) => socket.send(JSON.stringify(command))
  const frame = async (what: string, match: (f: any) => boolean) => {
    await until(what, () => frames.some(match), 5_000)
    return frames.find(match)
  }
  return { socket, frames, send, frame }
}

// MQTT

function mqttClient(n: AppNode, password = KEY): Promise<MqttClient> {
  return connectAsync(n.app.mqttUrl!, { username: 'app', password, reconnectPeriod: 0, connectTimeout: 5_000 })
}

function describe(ms: number[]): string {
  const sorted = [...ms].sort((x, y) => x - y)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)].toFixed(2)
  return `(${sorted.length} messages, one at a time): p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`
}

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms) })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

const streamPartIds = (n: AppNode) => n.node.node.streamPartIds()

/** Who a node publishes as (its signing address), from the receipt of a publish. */
async function publisherIdOf(n: AppNode): Promise<string> {
  return (await post(n, '/streams/whoami/publish', '0', 'application/json')).body.publisherId
}

const Interfaces = suite('app interfaces')

if (skipReason === undefined) {
  Interfaces.before(async () => {
    tracker = await liveTracker!.LiveTracker.start({ id: 't0', seed: 1 })
    a = await appNode('a', tracker, SMALL)
    b = await appNode('b', tracker, SMALL)
  })
  Interfaces.after(async () => {
    // Whatever clients the tests left connected, the interfaces must close promptly.
    await within(3_000, 'the app interfaces to stop', Promise.all([a.app.stop(), b.app.stop()]))
    await Promise.all([a.node.stop(), b.node.stop()])
    await tracker.stop()
  })
}

liveTest(Interfaces, 'an HTTP POST on a reaches an SSE subscriber on b; both join the stream part on demand', async () => {
  const sse = await openSse(`${b.app.httpUrl}/streams/app%2Fsse/subscribe?partition=3`)
  try {
    assert.is(sse.status, 200)
    await until('subscribed event', () => sse.events.some((e) => e.event === 'subscribed'))
    assert.equal(JSON.parse(sse.events[0].data), { streamId: 'app/sse', partition: 3, cursor: 0 })
    assert.ok(streamPartIds(b).includes('app/sse#3'), 'b joined for its subscriber')
    const json = '{"temperature": 21,\n "unit": "C"}'
    const sent = await post(a, '/streams/app%2Fsse/publish?partition=3', json, 'application/json')
    assert.is(sent.status, 200, JSON.stringify(sent.body))
    assert.equal([sent.body.streamId, sent.body.partition, sent.body.cursor], ['app/sse', 3, 1])
    assert.ok(streamPartIds(a).includes('app/sse#3'), 'a joined to publish')
    await until('b receives the JSON message', () => sse.messages().length === 1)
    const got = sse.messages()[0]
    assert.equal(got.content, { temperature: 21, unit: 'C' })
    assert.equal([got.streamId, got.partition, got.publisherId, got.timestamp, got.sequenceNumber, got.msgChainId],
      ['app/sse', 3, sent.body.publisherId, sent.body.timestamp, sent.body.sequenceNumber, sent.body.msgChainId])
    assert.equal([got.encoding, got.cursor, sse.events.find((e) => e.event === 'message')!.id], ['json', 1, '1'])
    // The publisher's JSON text arrives as it was sent, newline and spacing included.
    assert.ok(sse.events.find((e) => e.event === 'message')!.data.endsWith(`"content":${json}}`))

    const bytes = new Uint8Array([0, 1, 2, 255])
    assert.is((await post(a, '/streams/app%2Fsse/publish?partition=3', bytes, 'application/octet-stream')).status, 200)
    await until('b receives the binary message', () => sse.messages().length === 2)
    assert.equal([sse.messages()[1].encoding, sse.messages()[1].content], ['base64', 'AAEC/w=='])

    // Measured: from sending the POST on a to the SSE event on b, one message at a time.
    const latencies: number[] = []
    for (let i = 0; i < 100; i++) {
      const seen = sse.events.length
      const t0 = performance.now()
      await post(a, '/streams/app%2Fsse/publish?partition=3', `{"i": ${i}}`, 'application/json')
      await until('delivered', () => sse.events.length > seen, 5_000, 0)
      latencies.push(performance.now() - t0)
    }
    assert.equal(sse.messages().slice(2).map((m) => m.content.i), [...Array(100).keys()])
    console.log(`  app: HTTP POST on a -> SSE on b ${describe(latencies)}`)
  } finally {
    await sse.close()
  }
  // A subscriber that comes back with Last-Event-ID gets what the buffer (5) still holds after it, once.
  const resumed = await openSse(`${b.app.httpUrl}/streams/app%2Fsse/subscribe?partition=3&encoding=base64`, { ...auth, 'last-event-id': '99' })
  try {
    await until('replay', () => resumed.messages().length === 3)
    await sleep(50)
    assert.equal(resumed.messages().map((m) => [m.cursor, m.encoding, m.content]),
      [[100, 'base64', btoa('{"i": 97}')], [101, 'base64', btoa('{"i": 98}')], [102, 'base64', btoa('{"i": 99}')]])
  } finally {
    await resumed.close()
  }
  // One from before a node restart (ahead of the node's cursors): told so, then live.
  const stale = await openSse(`${b.app.httpUrl}/streams/app%2Fsse/subscribe?partition=3`, { ...auth, 'last-event-id': '999' })
  try {
    await until('reset', () => stale.events.some((e) => e.event === 'reset'))
    assert.equal(JSON.parse(stale.events.find((e) => e.event === 'reset')!.data).cursor, 102)
    await post(a, '/streams/app%2Fsse/publish?partition=3', '3', 'application/json')
    await until('live after the reset', () => stale.messages().length === 1)
    assert.is(stale.messages()[0].content, 3)
  } finally {
    await stale.close()
  }
  assert.equal([a.errors, b.errors], [[], []])
})

liveTest(Interfaces, 'a long poll on b waits for the next message, and a poller that comes back with its cursor misses nothing buffered', async () => {
  const path = '/streams/app-poll/poll'
  const waiting = request(b, `${path}?waitMs=10000`)
  await until('b joins for its poller', () => streamPartIds(b).includes('app-poll#0'))
  assert.is((await post(a, '/streams/app-poll/publish', '"one"', 'application/json')).status, 200)
  const first = await waiting
  // A poll that timed out would answer with no messages: this one was answered by the message.
  assert.is(first.status, 200, JSON.stringify(first.body))
  assert.equal([first.body.cursor, first.body.missed, first.body.messages.map((m: any) => m.content)], [1, 0, ['one']])

  // Away: three messages arrive with no poll open; the next poll gets them at once, in order.
  for (const n of [2, 3, 4]) await post(a, '/streams/app-poll/publish', String(n), 'application/json')
  await until('b has them', () => b.app.gateway.subscriptions.latest('app-poll#0') === 4)
  const back = await request(b, `${path}?cursor=1`)
  assert.equal([back.body.cursor, back.body.missed, back.body.messages.map((m: any) => m.content)], [4, 0, [2, 3, 4]])

  // The buffer keeps 5 (bufferMessages): after 7 more, a poller at cursor 4 learns it lost 2.
  for (let n = 5; n <= 11; n++) await post(a, '/streams/app-poll/publish', String(n), 'application/json')
  await until('b has them', () => b.app.gateway.subscriptions.latest('app-poll#0') === 11)
  const lossy = await request(b, `${path}?cursor=4&max=3`)
  assert.equal([lossy.body.cursor, lossy.body.missed, lossy.body.messages.map((m: any) => m.content)], [9, 2, [7, 8, 9]])
  const rest = await request(b, `${path}?cursor=9`)
  assert.equal([rest.body.cursor, rest.body.missed, rest.body.messages.map((m: any) => m.content)], [11, 0, [10, 11]])

  const idle = await request(b, `${path}?cursor=11&waitMs=0`)
  assert.equal([idle.status, idle.body.cursor, idle.body.messages], [200, 11, []])
  const ahead = await request(b, `${path}?cursor=12`)
  assert.equal([ahead.status, ahead.body.error], [400, 'bad-cursor'])
})

liveTest(Interfaces, 'a WebSocket publish on a reaches a WebSocket subscriber on b, one socket each; bad frames are answered, the socket kept', async () => {
  const sub = await openWs(b.app.webSocketUrl!)
  const pub = await openWs(a.app.webSocketUrl!)
  try {
    sub.send({ type: 'subscribe', id: 's1', streamId: 'app-ws', partition: 1 })
    assert.equal(await sub.frame('subscribed', (f) => f.type === 'subscribed'), { type: 'subscribed', id: 's1', streamId: 'app-ws', partition: 1, cursor: 0 })
    pub.send({ type: 'publish', id: 7, streamId: 'app-ws', partition: 1, content: { hello: 'ws' } })
    const receipt = await pub.frame('published', (f) => f.type === 'published')
    assert.equal([receipt.id, receipt.streamId, receipt.partition], [7, 'app-ws', 1])
    const got = await sub.frame('message', (f) => f.type === 'message')
    assert.equal([got.streamId, got.partition, got.publisherId, got.encoding, got.content, got.timestamp],
      ['app-ws', 1, receipt.publisherId, 'json', { hello: 'ws' }, receipt.timestamp])

    for (const bad of ['not json', JSON.stringify([1]), JSON.stringify({ type: 'dance' }),
      JSON.stringify({ type: 'publish', id: 'p', streamId: 'app-ws', partition: 100, content: 1 }),
      JSON.stringify({ type: 'publish', streamId: 'app-ws', content: 1, contentBase64: 'AA==' }),
      JSON.stringify({ type: 'publish', streamId: 'app-ws', contentBase64: 'not base64!' }),
      JSON.stringify({ type: 'publish', streamId: '', content: 1 }),
      '{"type":"publish","streamId":"\\ud800x","content":1}',
      // Nested deeper than MAX_JSON_DEPTH (at 10^5 levels, in a node with room for such a frame,
      // JSON.stringify overflowed the stack: a 500 and a stack trace in the log).
      `{"type":"publish","streamId":"app-ws","content":${'['.repeat(1000)}${']'.repeat(1000)}}`]) pub.socket.send(bad)
    pub.socket.send(new Uint8Array([1, 2, 3]))
    await until('ten errors', () => pub.frames.filter((f) => f.type === 'error').length === 10)
    assert.equal(pub.frames.filter((f) => f.type === 'error').map((f) => [f.status, f.error]), [
      [400, 'bad-body'], [400, 'bad-body'], [400, 'bad-request'], [400, 'bad-partition'], [400, 'bad-body'], [400, 'bad-body'],
      [400, 'bad-stream-id'], [400, 'bad-stream-id'], [400, 'bad-body'], [400, 'bad-request'],
    ])
    assert.match(pub.frames.filter((f) => f.type === 'error')[8].message, /nests deeper than 64/)
    assert.is(pub.frames.find((f) => f.error === 'bad-partition').id, 'p')
    assert.is(a.app.stats.rejected.get('ws bad-body'), 5)

    pub.send({ type: 'publish', streamId: 'app-ws', partition: 1, contentBase64: 'AAEC' })
    await until('the socket still works', () => sub.frames.filter((f) => f.type === 'message').length === 2)
    assert.equal(sub.frames.filter((f) => f.type === 'message')[1].content, 'AAEC')
    // A late subscriber replays from a cursor; one ahead of the node's latest is refused.
    const late = await openWs(b.app.webSocketUrl!)
    late.send({ type: 'subscribe', streamId: 'app-ws', partition: 1, cursor: 9, id: 'ahead' })
    assert.is((await late.frame('refusal', (f) => f.type === 'error')).error, 'bad-cursor')
    late.send({ type: 'subscribe', streamId: 'app-ws', partition: 1, cursor: 0, encoding: 'base64' })
    await until('replay', () => late.frames.filter((f) => f.type === 'message').length === 2)
    assert.equal(late.frames.filter((f) => f.type === 'message').map((f) => [f.cursor, f.encoding, f.content]),
      [[1, 'base64', btoa('{"hello":"ws"}')], [2, 'base64', 'AAEC']])
    late.socket.close()
    sub.send({ type: 'unsubscribe', streamId: 'app-ws', partition: 1 })
    await sub.frame('unsubscribed', (f) => f.type === 'unsubscribed')
    pub.send({ type: 'publish', streamId: 'app-ws', partition: 1, content: 3 })
    await until('b has it', () => b.app.gateway.subscriptions.latest('app-ws#1') === 3)
    await sleep(50)
    assert.is(sub.frames.filter((f) => f.type === 'message').length, 2, 'nothing after unsubscribe')

    // A frame over the size limit closes that socket (1009); the others are untouched.
    const closed = new Promise<number>((resolve) => pub.socket.once('close', (code) => resolve(code)))
    pub.socket.send('x'.repeat(64 * 1024 + 8192))
    assert.is(await closed, 1009)
  } finally {
    sub.socket.close()
    pub.socket.close()
  }
})

liveTest(Interfaces, 'an MQTT publish to topic = stream id on a reaches subscribers on b (and on a, once); wildcards are refused', async () => {
  const [subB, subA, pubA] = await Promise.all([mqttClient(b), mqttClient(a), mqttClient(a)])
  try {
    const gotB: { topic: string; payload: any }[] = []
    const gotA: { topic: string; payload: any }[] = []
    subB.on('message', (topic, payload) => gotB.push({ topic, payload: JSON.parse(String(payload)) }))
    subA.on('message', (topic, payload) => gotA.push({ topic, payload: JSON.parse(String(payload)) }))
    assert.equal((await subB.subscribeAsync('app-mqtt')).map((g) => g.qos), [0])
    for (const topic of ['app/#', 'app/+/x', '$SYS/#']) {
      const refused = await subB.subscribeAsync(topic).then(() => [], (error: { packet?: { granted?: number[] } }) => error.packet?.granted)
      assert.equal(refused, [128], topic)
    }
    assert.is(b.app.stats.rejected.get('mqtt bad-stream-id'), 3)
    await subA.subscribeAsync('app-mqtt')
    assert.ok(streamPartIds(b).includes('app-mqtt#0'), 'b joined partition 0 for its subscriber')
    await pubA.publishAsync('app-mqtt', '{"n": 1}', { qos: 1 })
    await until('b gets it', () => gotB.length === 1)
    assert.is(gotB[0].topic, 'app-mqtt')
    assert.equal([gotB[0].payload.streamId, gotB[0].payload.partition, gotB[0].payload.publisherId, gotB[0].payload.content],
      ['app-mqtt', 0, await publisherIdOf(a), { n: 1 }])
    await pubA.publishAsync('app-mqtt', Buffer.from([0xff, 0]), { qos: 0 })
    await until('b gets the second', () => gotB.length === 2)
    assert.equal([gotB[1].payload.encoding, gotB[1].payload.content], ['base64', '/wA='])
    await sleep(100)
    // The broker does not route the client's own packet: a's subscriber sees each message once, as JSON.
    assert.equal(gotA.map((m) => m.payload.content), [{ n: 1 }, '/wA='])
    assert.is(a.app.stats.published.mqtt, 2)

    // Measured: from an MQTT publish on a (QoS 0) to the MQTT message on b, one at a time.
    const latencies: number[] = []
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now()
      pubA.publish('app-mqtt', String(i))
      await until('delivered', () => gotB.length === 3 + i, 5_000, 0)
      latencies.push(performance.now() - t0)
    }
    assert.equal(gotB.slice(2).map((m) => m.payload.content), [...Array(100).keys()])
    gotA.length = 0
    gotB.length = 0
    console.log(`  app: MQTT publish on a -> MQTT subscriber on b ${describe(latencies)}`)

    // Too large: content over maxMessageBytes disconnects the publisher (MQTT 3.1.1 has no
    // refusal for one publish); a packet header declaring 256 MB closes the connection at once,
    // before the broker buffers any of it.
    const closed = new Promise<void>((resolve) => pubA.once('close', () => resolve()))
    pubA.publish('app-mqtt', Buffer.alloc(5000))
    await closed
    const raw = createConnection({ host: '127.0.0.1', port: Number(new URL(a.app.mqttUrl!).port) })
    await new Promise<void>((resolve) => raw.once('connect', () => resolve()))
    const rawClosed = new Promise<void>((resolve) => raw.once('close', () => resolve()))
    raw.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f, 0, 4]))
    await within(2_000, 'the oversized connection to be closed', rawClosed)
    assert.is(a.app.stats.rejected.get('mqtt too-large'), 2)
    await sleep(100)
    assert.is(gotA.length + gotB.length, 0, 'nothing delivered')
    const again = await mqttClient(a)
    await again.publishAsync('app-mqtt', '"still here"', { qos: 1 })
    await until('b gets it', () => gotB.length === 1)
    assert.is(gotB[0].payload.content, 'still here')
    await again.endAsync()
  } finally {
    await Promise.all([subB.endAsync(), subA.endAsync(), pubA.endAsync()])
  }
})

liveTest(Interfaces, 'a forged message from a peer never reaches b\'s apps: counted by verdict, and the genuine one still arrives', async () => {
  const sse = await openSse(`${b.app.httpUrl}/streams/forge/subscribe`)
  try {
    await until('subscribed', () => sse.events.some((e) => e.event === 'subscribed'))
    const sent = await post(a, '/streams/forge/publish', '{"n": 1}', 'application/json')
    assert.is(sent.status, 200)
    await until('the genuine message', () => sse.messages().length === 1)
    // What a hostile neighbour would send: the next position of a's chain with a's signature on other content.
    const genuine = b.node.node.streamPart('forge#0')!
    const from = genuine.neighbours[0]
    const last = sse.messages()[0]
    const forged = streamMessageOf({
      messageId: { streamId: 'forge', streamPartition: 0, timestamp: last.timestamp + 1, sequenceNumber: 0, publisherId: last.publisherId, msgChainId: last.msgChainId },
      prevMsgRef: { timestamp: last.timestamp, sequenceNumber: last.sequenceNumber }, messageType: MESSAGE_TYPE_CONTENT, contentType: CONTENT_TYPE_BINARY,
      encryptionType: ENCRYPTION_NONE, groupKeyId: null, newGroupKey: null, content: new TextEncoder().encode('{"n": 666}'),
      signatureType: SIGNATURE_TYPE_SECP256K1, signature: new Uint8Array(65).fill(7).fill(27, 64),
    })
    b.node.node.onMessage(from, contentWireMessage(forged))
    assert.is((await post(a, '/streams/forge/publish', '{"n": 2}', 'application/json')).status, 200)
    await until('the next genuine message', () => sse.messages().length === 2)
    await sleep(50)
    assert.equal(sse.messages().map((m) => m.content.n), [1, 2])
    const info = await request(b, '/info')
    assert.equal(info.body.stats.invalidMessages, { 'bad-signature': 1 })
  } finally {
    await sse.close()
  }
})

liveTest(Interfaces, 'a missing or wrong API key is refused on every interface: 401, WebSocket upgrade 401, MQTT CONNACK 4', async () => {
  const before = a.app.stats.rejected.get('http unauthorized') ?? 0
  for (const headers of [{}, { authorization: 'Bearer wrong-key-123' }, { authorization: KEY }] as Record<string, string>[]) {
    for (const [method, path] of [['POST', '/streams/x/publish'], ['GET', '/streams/x/poll?waitMs=0'], ['GET', '/streams/x/subscribe'], ['GET', '/info'], ['GET', '/nope']]) {
      const res = await fetch(`${a.app.httpUrl}${path}`, { method, headers, ...(method === 'POST' ? { body: 'x' } : {}) })
      assert.is(res.status, 401, `${method} ${path}`)
      assert.is(res.headers.get('www-authenticate'), 'Bearer')
      assert.equal(await res.json(), {
        status: 401, error: 'unauthorized', message: 'missing or wrong API key: send "Authorization: Bearer KEY" or ?apiKey=KEY',
      })
    }
  }
  assert.is(a.app.stats.rejected.get('http unauthorized'), before + 15)
  assert.not.ok(streamPartIds(a).includes('x#0'), 'nothing joined for a refused request')
  assert.is((await fetch(`${a.app.httpUrl}/info?apiKey=${KEY}`)).status, 200)
  assert.is((await fetch(`${a.app.httpUrl}/info?apiKey=wrong-key-123`)).status, 401)

  for (const [query, headers] of [['', {}], ['?apiKey=wrong-key-123', {}], ['', { authorization: 'Bearer wrong-key-123' }]] as const) {
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${a.app.webSocketUrl}${query}`, { headers })
      socket.on('error', () => {})
      socket.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0)
        socket.terminate()
      })
      socket.once('open', () => reject(new Error('upgrade accepted without the key')))
    })
    assert.is(status, 401)
  }
  assert.is(a.app.stats.rejected.get('ws unauthorized'), 3)
  const withQueryKey = await openWs(`${a.app.webSocketUrl}?apiKey=${KEY}`, {})
  withQueryKey.socket.close()

  for (const password of ['wrong-key-123', '']) {
    try {
      const client = await mqttClient(a, password)
      await client.endAsync()
      assert.unreachable('MQTT connect accepted')
    } catch (error) {
      assert.is((error as { code?: number }).code, 4, String(error))
    }
  }
  assert.is(a.app.stats.rejected.get('mqtt unauthorized'), 2)
})

liveTest(Interfaces, 'a malformed request gets a 4xx naming what was wrong and is counted; the node keeps working', async () => {
  const cases: [string, string, RequestInit, number, string][] = [
    ['bad partition', '/streams/s/publish?partition=x', { method: 'POST', body: '1' }, 400, 'bad-partition'],
    ['partition over 99', '/streams/s/publish?partition=100', { method: 'POST', body: '1' }, 400, 'bad-partition'],
    ['negative partition', '/streams/s/poll?partition=-1', {}, 400, 'bad-partition'],
    ['JSON that is not', '/streams/s/publish', { method: 'POST', body: '{"a": ', headers: { 'content-type': 'application/json' } }, 400, 'bad-body'],
    ['JSON nested too deep', '/streams/s/publish', { method: 'POST', body: `${'['.repeat(1000)}${']'.repeat(1000)}`, headers: { 'content-type': 'application/json' } }, 400, 'bad-body'],
    ['too large', '/streams/s/publish', { method: 'POST', body: new Uint8Array(5000), headers: { 'content-type': 'application/octet-stream' } }, 413, 'too-large'],
    ['stream id too long', `/streams/${'x'.repeat(300)}/publish`, { method: 'POST', body: '1' }, 400, 'bad-stream-id'],
    ['stream id far too long', `/streams/${'x'.repeat(3000)}/publish`, { method: 'POST', body: '1' }, 400, 'bad-stream-id'],
    ['bad percent-encoding', '/streams/%E0%A4%A/publish', { method: 'POST', body: '1' }, 400, 'bad-request'],
    ['bad waitMs', '/streams/s/poll?waitMs=soon', {}, 400, 'bad-request'],
    ['waitMs too long', '/streams/s/poll?waitMs=600000', {}, 400, 'bad-request'],
    ['bad encoding', '/streams/s/subscribe?encoding=hex', {}, 400, 'bad-request'],
    ['bad cursor', '/streams/s/poll?cursor=abc', {}, 400, 'bad-cursor'],
    ['unknown route', '/streams/s/frobnicate', {}, 404, 'not-found'],
    ['wrong method', '/streams/s/publish', {}, 404, 'not-found'],
  ]
  const before = b.app.stats.rejectedTotal()
  for (const [what, path, init, status, error] of cases) {
    const res = await request(b, path, init)
    assert.is(res.status, status, `${what}: ${JSON.stringify(res.body)}`)
    assert.is(res.body.error, error, what)
    assert.is(res.body.status, status, what)
    assert.type(res.body.message, 'string')
  }
  assert.is(b.app.stats.rejectedTotal(), before + cases.length)
  assert.not.ok(streamPartIds(b).includes('s#0'), 'a refused request joins nothing')
  assert.is(b.app.stats.rejected.get('http bad-partition'), 3)
  assert.match((await request(b, '/streams/s/publish?partition=x', { method: 'POST', body: '1' })).body.message, /partition must be an integer 0\.\.99, got "x"/)
  assert.match((await request(b, '/nope')).body.message, /POST \/streams\/:streamId\/publish/)

  // Still working: an SSE subscriber on a hears what b publishes.
  const sse = await openSse(`${a.app.httpUrl}/streams/app-after/subscribe`)
  try {
    await until('subscribed', () => sse.events.some((e) => e.event === 'subscribed'))
    assert.is((await post(b, '/streams/app-after/publish', '{"still": "here"}', 'application/json')).status, 200)
    await until('delivered', () => sse.messages().length === 1)
    assert.equal(sse.messages()[0].content, { still: 'here' })
  } finally {
    await sse.close()
  }
  const info = await request(b, '/info')
  assert.is(info.body.nodeId, 'b')
  assert.is(info.body.stats.rejected['http bad-body'], 2)
  assert.equal([a.errors, b.errors, a.app.stats.errors + b.app.stats.errors], [[], [], 0])
})

liveTest(Interfaces, 'a node at its maxStreamParts leaves the part apps joined that went unused for streamPartIdleMs, never one listened to', async () => {
  const idleMs = 1_500
  const c = await appNode('c', tracker, { host: '127.0.0.1', httpPort: 0, maxStreamParts: 2, streamPartIdleMs: idleMs })
  const sse = await openSse(`${c.app.httpUrl}/streams/listened/subscribe`)
  try {
    await until('subscribed', () => sse.events.some((e) => e.event === 'subscribed'))
    assert.is((await post(c, '/streams/p1/publish', '1', 'application/json')).status, 200)
    assert.is((await post(c, '/streams/p2/publish', '1', 'application/json')).status, 403, 'p1 was used just now')
    await sleep(idleMs + 500)
    // p1 idle long enough: left for p2. The listened part stays, however long idle.
    assert.is((await post(c, '/streams/p2/publish', '1', 'application/json')).status, 200)
    assert.equal(streamPartIds(c).sort(), ['listened#0', 'p2#0'])
    await sleep(idleMs + 500)
    assert.is((await post(c, '/streams/p3/publish', '1', 'application/json')).status, 200)
    assert.equal(streamPartIds(c).sort(), ['listened#0', 'p3#0'])
    console.log(`  FIGURE stream parts: at the cap of 2 with one listened to, 3 parts published to in turn; parts left ${c.app.gateway.released}`)
  } finally {
    await sse.close()
    await c.app.stop()
    await c.node.stop()
  }
})

liveTest(Interfaces, 'a part an MQTT client subscribed to is held while it is subscribed, and may be left once it unsubscribes', async () => {
  const idleMs = 1_000
  const c = await appNode('c', tracker, { host: '127.0.0.1', httpPort: 0, mqttPort: 0, maxStreamParts: 2, streamPartIdleMs: idleMs })
  const client = await mqttClient(c)
  try {
    await client.subscribeAsync('held')
    assert.is((await post(c, '/streams/p1/publish', '1', 'application/json')).status, 200)
    await sleep(idleMs + 300)
    // Both idle long enough; the held one stays.
    assert.is((await post(c, '/streams/p2/publish', '1', 'application/json')).status, 200)
    assert.equal(streamPartIds(c).sort(), ['held#0', 'p2#0'])
    await client.unsubscribeAsync('held')
    await sleep(idleMs + 300)
    // Unsubscribed, and idle since: p2 (older) goes first, then held.
    assert.is((await post(c, '/streams/p3/publish', '1', 'application/json')).status, 200)
    assert.is((await post(c, '/streams/p4/publish', '1', 'application/json')).status, 200)
    assert.equal(streamPartIds(c).sort(), ['p3#0', 'p4#0'])
    // A client that disconnects holds nothing either.
    await sleep(idleMs + 300)
    const other = await mqttClient(c)
    await other.subscribeAsync('gone')
    await other.endAsync()
    await sleep(idleMs + 300)
    assert.is((await post(c, '/streams/p5/publish', '1', 'application/json')).status, 200)
    assert.is((await post(c, '/streams/p6/publish', '1', 'application/json')).status, 200)
    assert.equal(streamPartIds(c).sort(), ['p5#0', 'p6#0'], 'gone was left once its subscriber had gone')
    console.log(`  FIGURE MQTT-held parts: parts left after their subscribers went ${c.app.gateway.released}`)
  } finally {
    await client.endAsync()
    await c.app.stop()
    await c.node.stop()
  }
})

liveTest(Interfaces, 'a node at its maxStreamParts refuses new stream parts with 403 and keeps serving the ones it has', async () => {
  const c = await appNode('c', tracker, { host: '127.0.0.1', httpPort: 0, maxStreamParts: 1 })
  try {
    assert.is(c.app.mqttUrl, undefined)
    assert.is((await post(c, '/streams/only/publish', '1', 'application/json')).status, 200)
    const refused = await post(c, '/streams/another/publish', '1', 'application/json')
    assert.equal([refused.status, refused.body.error], [403, 'too-many-stream-parts'])
    assert.match(refused.body.message, /app\.maxStreamParts/)
    assert.equal(streamPartIds(c), ['only#0'])
    const poll = await request(c, '/streams/only/poll?cursor=0&waitMs=0')
    assert.equal(poll.body.messages.map((m: any) => m.content), [1])
  } finally {
    await c.app.stop()
    await c.node.stop()
  }
})

const Config = suite('parseNodeConfig')

Config('checks the app section field by field, naming every problem; streams are optional with it', () => {
  const tracker = 'trackers: [{ id: t0, url: "ws://127.0.0.1:7700" }]'
  const ok = parseNodeConfig(`id: n\n${tracker}\napp: { httpPort: 0, apiKey: "${KEY}" }`, 'ok.yaml')
  assert.ok(ok.ok)
  if (ok.ok) {
    assert.equal(ok.config.streams, [])
    assert.equal(ok.config.app, {
      host: '127.0.0.1', httpPort: 0, mqttPort: undefined, apiKey: KEY, maxMessageBytes: 524288, bufferMessages: 1000, bufferBytes: 4194304, maxStreamParts: 100,
      streamPartIdleMs: 60000,
    })
  }
  const bad = parseNodeConfig(`${tracker}\nstreams: [demo]\napp: { host: example.com, httpPort: 70000, mqttPort: 1.5, apiKey: short, colour: red, bufferMessages: 0 }`, 'bad.yaml')
  assert.not.ok(bad.ok)
  if (!bad.ok) {
    const fields = bad.problems.map((p) => /^bad\.yaml: ([\w.]+):/.exec(p)?.[1]).sort()
    assert.equal(fields, ['app.apiKey', 'app.bufferMessages', 'app.colour', 'app.host', 'app.httpPort', 'app.mqttPort'], bad.problems.join('\n'))
    assert.ok(bad.problems.some((p) => p.includes('app.apiKey: got "5 chars"')), 'the key itself is not echoed')
  }
  const noPorts = parseNodeConfig(`${tracker}\napp: { apiKey: "${KEY}" }`, 'p.yaml')
  assert.ok(!noPorts.ok && noPorts.problems.some((p) => p.startsWith('p.yaml: app.httpPort:')))
  const samePort = parseNodeConfig(`${tracker}\napp: { apiKey: "${KEY}", httpPort: 7800, mqttPort: 7800 }`, 's.yaml')
  assert.ok(!samePort.ok && samePort.problems.some((p) => p.startsWith('s.yaml: app.mqttPort:')))
  assert.not.ok(parseNodeConfig(`${tracker}\nstreams: []`, 'e.yaml').ok, 'no streams and no app: nothing to do')
  assert.not.ok(parseNodeConfig(`${tracker}\napp: 7`, 'e.yaml').ok)
})

const NodeProcess = suite('node process')

liveTest(NodeProcess, 'the node process with an app section prints where it listens, answers HTTP and MQTT, and stops on SIGINT', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'brtc-app-'))
  const trackerProc = runLiveProcess('tracker.ts', ['--port', '0', '--stats-interval-ms', '0'])
  let node: LiveProcess | undefined
  try {
    await until('the tracker listens', () => /listening on ws:\/\/127\.0\.0\.1:\d+/.test(trackerProc.output()), 15_000)
    const url = /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(trackerProc.output())![1]
    writeFileSync(join(dir, 'n.yaml'), [
      'id: n', `trackers: [{ id: t0, url: "${url}" }]`, 'statsIntervalMs: 0', 'webrtc: { bindAddress: 127.0.0.1 }',
      `app: { host: 127.0.0.1, httpPort: 0, mqttPort: 0, apiKey: "${KEY}" }`,
    ].join('\n'))
    node = runLiveProcess('node.ts', ['--config', join(dir, 'n.yaml')])
    await until('the app interfaces listen', () => /app interfaces: .*mqtt mqtt:/.test(node!.output()), 15_000)
    const out = node.output()
    const httpUrl = /http (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]
    const mqttUrl = /mqtt (mqtt:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]
    assert.match(out, /websocket ws:\/\/127\.0\.0\.1:\d+\/ws/)
    assert.not.ok(out.includes(KEY), 'the key is not printed')

    assert.is((await fetch(`${httpUrl}/info`)).status, 401)
    const info = await (await fetch(`${httpUrl}/info`, { headers: auth })).json()
    assert.equal([info.nodeId, info.streamParts, info.interfaces.http], ['n', [], httpUrl])
    const sent = await fetch(`${httpUrl}/streams/proc/publish`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '[1, 2]' })
    assert.is(sent.status, 200)
    const poll = await (await fetch(`${httpUrl}/streams/proc/poll?cursor=0`, { headers: auth })).json()
    const receipt = await sent.json()
    assert.equal(poll.messages.map((m: any) => [m.publisherId, m.msgChainId, m.content]), [[receipt.publisherId, receipt.msgChainId, [1, 2]]])
    // Clients of every kind still connected when it stops: it closes them and exits.
    const mqtt = await connectAsync(mqttUrl, { username: 'app', password: KEY, reconnectPeriod: 0, connectTimeout: 5_000 })
    await mqtt.subscribeAsync('proc')
    const sse = await openSse(`${httpUrl}/streams/proc/subscribe`)
    const ws = await openWs(/websocket (ws:\/\/[\d.:]+\/ws)/.exec(out)![1])
    ws.send({ type: 'subscribe', streamId: 'proc' })
    await ws.frame('subscribed', (f) => f.type === 'subscribed')
    const polling = fetch(`${httpUrl}/streams/proc/poll?waitMs=30000`, { headers: auth }).then((r) => r.status, () => 0)

    node.child.kill('SIGINT')
    assert.is(await within(5_000, 'the node process to exit', node.exited), 0, node.output())
    await sse.close()
    mqtt.end(true)
    assert.ok([0, 200].includes(await polling))
    assert.match(node.output(), /node n stopping \(SIGINT\): published 1/)
    assert.not.match(node.output(), /error|Error/)
  } finally {
    if (node !== undefined && node.child.exitCode === null) node.child.kill('SIGKILL')
    trackerProc.child.kill('SIGINT')
    await trackerProc.exited
    rmSync(dir, { recursive: true, force: true })
  }
})

Interfaces.run()
Config.run()
NodeProcess.run()
