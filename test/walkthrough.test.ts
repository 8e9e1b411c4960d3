// The README's "Walkthrough: the whole message layer live", step by step, as processes on loopback:
// a registry chain, a tracker, a storage node, an encrypting publisher and a Node subscriber started
// from examples/walkthrough/ (ports made free ones, key and database files put in a temp dir), and
// the explorer's browser node page in Chromium as the second subscriber. Each step asserts what the
// README says it shows: both read the publisher's plaintext in order; after the revocation on the
// chain the publisher rekeys and only the Node subscriber reads on; the subscriber stopped (SIGSTOP,
// the README's Ctrl-Z) while the storage node is killed with -9 and restarted gets everything it
// missed, in order, from the storage node once it continues.
// Without node-datachannel the file prints one SKIP line; without /usr/bin/chromium the browser
// subscriber's steps print `SKIP walkthrough: ...` and the rest runs.
// time-limit: 300 s

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type LiveProcess, runLiveProcess, sleep, until } from './helpers/live.ts'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const EXAMPLES = join(import.meta.dirname, '..', 'examples', 'walkthrough')
const API_KEY = 'walkthrough-key'
/** Longer than a live link's idle timeout (15 s): the stopped subscriber's peers drop it, as in a partition. */
const STOPPED_MS = 20_000

let webRtcMissing: string | undefined
try {
  await import('node-datachannel')
} catch (error) {
  webRtcMissing = `node-datachannel did not load: ${(error as Error).message.split('\n')[0]}`
}

interface AppMessage { content: { n: number }; encrypted: boolean }

class Walkthrough {
  readonly dir = mkdtempSync(join(tmpdir(), 'brtc-walkthrough-'))
  readonly processes: LiveProcess[] = []
  browser: Browser | undefined
  trackerUrl = ''
  rpcUrl = ''

  start(script: string, args: string[], keyFromEnv = true): LiveProcess {
    const p = runLiveProcess(script, args, { keyFromEnv })
    this.processes.push(p)
    return p
  }

  /** An example config as the README uses it, with free ports and the temp dir for keys and data. */
  config(name: string): string {
    const text = readFileSync(join(EXAMPLES, name), 'utf8')
      .replaceAll('ws://127.0.0.1:7700', this.trackerUrl).replaceAll('http://127.0.0.1:8545', this.rpcUrl)
      .replace(/httpPort: \d+/, 'httpPort: 0').replaceAll('keys/', `${this.dir}/keys/`).replaceAll('data/walkthrough/', `${this.dir}/data/`)
    const file = join(this.dir, name)
    writeFileSync(file, `${text}\nstatsIntervalMs: 1000\n`)
    return file
  }

  /** npm run registry -- ARGS, to its end. */
  async cli(...args: string[]): Promise<string> {
    const p = this.start('registry.ts', [...args, ...(args[0] === 'address' ? [] : ['--rpc', this.rpcUrl])], false)
    const code = await p.exited
    assert.is(code, 0, p.output())
    return p.output()
  }

  async close(): Promise<void> {
    await this.browser?.close().catch(() => {})
    for (const p of this.processes) if (p.child.exitCode === null && p.child.signalCode === null) { p.child.kill('SIGCONT'); p.child.kill('SIGKILL') }
    await Promise.all(this.processes.map((p) => Promise.race([p.exited, sleep(5_000)])))
    rmSync(this.dir, { recursive: true, force: true })
  }
}

const urlIn = (p: LiveProcess, pattern: RegExp) => pattern.exec(p.output())?.[1]
const httpUrlOf = (p: LiveProcess) => urlIn(p, /app interfaces: http (http:\/\/\S+?),/)

async function publish(pubUrl: string, n: number): Promise<void> {
  const res = await fetch(`${pubUrl}/streams/demo/publish`, {
    method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ n }),
  })
  assert.is(res.status, 200, await res.text())
}

/** What the node's HTTP app interface holds for demo, oldest first. */
async function read(url: string): Promise<AppMessage[]> {
  const res = await fetch(`${url}/streams/demo/poll?cursor=0&max=1000&waitMs=0`, { headers: { authorization: `Bearer ${API_KEY}` } })
  assert.is(res.status, 200)
  return ((await res.json()) as { messages: AppMessage[] }).messages
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
/** The last value of `name N` on a node's stats lines. */
function lastCount(output: string, name: string): number {
  const all = [...output.matchAll(new RegExp(`${name} (\\d+)`, 'g'))]
  return all.length === 0 ? 0 : Number(all[all.length - 1][1])
}

const Walk = suite('walkthrough')

if (webRtcMissing !== undefined) {
  console.log(`SKIP walkthrough: every step (${webRtcMissing})`)
} else {
  Walk('the README walkthrough, step by step', async () => {
    const w = new Walkthrough()
    const kill = () => { for (const p of w.processes) p.child.kill('SIGKILL') }
    process.once('exit', kill)
    const step = (text: string) => console.log(`  step: ${text}`)
    try {
      step('a registry chain and a tracker')
      const registry = w.start('registry.ts', ['--port', '0'])
      const tracker = w.start('tracker.ts', ['--port', '0'])
      await until('the registry and the tracker listen', () => /listening on http:/.test(registry.output()) && /listening on ws:/.test(tracker.output()), 60_000)
      w.rpcUrl = urlIn(registry, /listening on (http:\/\/127\.0\.0\.1:\d+)/)!
      w.trackerUrl = urlIn(tracker, /listening on (ws:\/\/127\.0\.0\.1:\d+)/)!

      step('the publisher creates demo; the Node subscriber is granted subscribe')
      const pubKey = join(w.dir, 'keys', 'pub.key')
      const PUB = (await w.cli('address', '--key-file', pubKey)).match(/^0x[0-9a-f]{40}$/m)![0]
      const SUB = (await w.cli('address', '--key-file', join(w.dir, 'keys', 'sub.key'))).match(/^0x[0-9a-f]{40}$/m)![0]
      assert.match(await w.cli('create-stream', 'demo', '--key-file', pubKey), `created stream demo, owned by ${PUB}`)
      assert.match(await w.cli('grant', 'demo', SUB, 'subscribe', '--key-file', pubKey), `granted subscribe on demo to ${SUB}`)

      step('the storage node, the publisher (its id is its address) and the Node subscriber')
      const storeConfig = w.config('store.yaml')
      let store = w.start('node.ts', ['--config', storeConfig], false)
      const pub = w.start('node.ts', ['--config', w.config('publisher.yaml'), '--id', PUB], false)
      const sub = w.start('node.ts', ['--config', w.config('subscriber.yaml')], false)
      await until('the three nodes serve their apps', () => [store, pub, sub].every((p) => httpUrlOf(p) !== undefined), 60_000)
      assert.match(pub.output(), `node ${PUB} address ${PUB} (key: key file ${pubKey}`)
      assert.match(sub.output(), `node sub address ${SUB}`)
      const pubUrl = httpUrlOf(pub)!
      const subUrl = httpUrlOf(sub)!
      let storeUrl = httpUrlOf(store)!

      let page: Page | undefined
      let BROWSER: string | undefined
      if (!existsSync(CHROMIUM)) console.log(`SKIP walkthrough: the browser subscriber's steps (no ${CHROMIUM})`)
      else {
        step('the browser subscriber: the explorer\'s node page joins demo#0; its address is granted subscribe')
        const viz = w.start('viz.ts', ['--port', '0'])
        await until('the explorer listens', () => / at http:\/\/\S+\/$/m.test(viz.output()), 60_000)
        const vizUrl = urlIn(viz, / at (http:\/\/\S+)\/$/m)!.replace('localhost', '127.0.0.1')
        const { chromium } = await import('playwright-core')
        w.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
        page = await w.browser.newPage()
        await page.goto(`${vizUrl}/node.html?tracker=${encodeURIComponent(w.trackerUrl)}&id=browser&stream=demo%230&keyRequestTimeoutS=5`)
        await page.waitForSelector('body[data-ready=true]')
        await page.click('#join')
        await page.waitForSelector('body[data-state=joined]')
        BROWSER = (await page.textContent('#title-id'))!.match(/0x[0-9a-f]{40}/)![0]
        assert.is(BROWSER, await page.evaluate('window.browserNode.identity.address'), 'the page shows its address')
        // What the page's message layer hands its app: plaintext, in order (the page lists it too).
        await page.evaluate(`window.walkthroughRead = []; window.browserNode.messages.onContent((m, c) => window.walkthroughRead.push(new TextDecoder().decode(c)))`)
        assert.match(await w.cli('grant', 'demo', BROWSER, 'subscribe', '--key-file', pubKey), `granted subscribe on demo to ${BROWSER}`)
      }
      const browserRead = async () => page === undefined ? [] : (await page.evaluate('window.walkthroughRead') as string[]).map((t) => (JSON.parse(t) as { n: number }).n)

      step('10 encrypted messages: every subscriber reads them in order')
      await until('the subscriber has a neighbour', () => /^sub: demo#0: \[\S+/m.test(sub.output()), 60_000)
      if (page !== undefined) await page.waitForFunction('window.browserNode.neighbours("demo#0").length > 0', undefined, { timeout: 30_000 })
      for (const n of range(1, 10)) await publish(pubUrl, n)
      await waitFor('the Node subscriber reads 1..10', async () => (await read(subUrl)).length >= 10, 60_000)
      const first = await read(subUrl)
      assert.equal(first.map((m) => m.content.n), range(1, 10))
      assert.ok(first.every((m) => m.encrypted), 'they travelled encrypted')
      if (page !== undefined) {
        await waitFor('the browser reads 1..10', async () => (await browserRead()).length >= 10, 60_000)
        assert.equal(await browserRead(), range(1, 10))
        const rows = await page.$$eval('#messages tr[data-encrypted=true]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.text!))
        assert.equal(rows.map((t) => (JSON.parse(t) as { n: number }).n).sort((a, b) => a - b), range(1, 10), 'the page lists the plaintext, marked encrypted')
      }

      if (BROWSER !== undefined && page !== undefined) {
        step('the browser subscriber is revoked on the chain: the publisher rekeys, and only the Node subscriber reads on')
        assert.match(await w.cli('revoke', 'demo', BROWSER, 'subscribe', '--key-file', pubKey), `revoked subscribe on demo from ${BROWSER}`)
        await until('the publisher finds the revocation and rekeys', () => lastCount(pub.output(), 'readers revoked') >= 1, 60_000)
        for (const n of range(11, 20)) await publish(pubUrl, n)
        await waitFor('the Node subscriber reads 11..20', async () => (await read(subUrl)).length >= 20, 60_000)
        assert.equal((await read(subUrl)).map((m) => m.content.n), range(1, 20))
        await until('the browser\'s request for the new key is refused', () => /key requests answered \d+, refused [1-9]/.test(pub.output().split('\n').filter((l) => l.startsWith(`${PUB}:`)).pop() ?? ''), 60_000)
        assert.equal(await browserRead(), range(1, 10), 'nothing readable after the rekey')
        await page.waitForSelector('body:not([data-undecryptable="0"])', { timeout: 60_000 })
        console.log(`  walkthrough: after the revocation the page counts ${await page.getAttribute('body', 'data-undecryptable')} undecryptable`)
      } else {
        for (const n of range(11, 20)) await publish(pubUrl, n)
        await waitFor('the Node subscriber reads 11..20', async () => (await read(subUrl)).length >= 20, 60_000)
      }

      step('the subscriber stops (Ctrl-Z); meanwhile 10 messages, kill -9 of the storage node, its restart, 10 more')
      sub.child.kill('SIGSTOP')
      const stoppedAt = performance.now()
      for (const n of range(21, 30)) await publish(pubUrl, n)
      const stored = async (url: string) => {
        const res = await fetch(`${url}/streams/demo/resend/from?fromTimestamp=0`, { headers: { authorization: `Bearer ${API_KEY}` } })
        return ((await res.json()) as { messages: AppMessage[] }).messages.map((m) => m.content)
      }
      await waitFor('the storage node holds 1..30', async () => (await stored(storeUrl)).length >= 30, 60_000)
      store.child.kill('SIGKILL')
      assert.is(await store.exited, null, 'killed')
      store = w.start('node.ts', ['--config', storeConfig], false)
      await until('the storage node is back', () => httpUrlOf(store) !== undefined && /^store: demo#0: \[\S+/m.test(store.output()), 60_000)
      storeUrl = httpUrlOf(store)!
      for (const n of range(31, 40)) await publish(pubUrl, n)
      await waitFor('the restarted storage node holds 31..40 too', async () => (await stored(storeUrl)).length >= 40, 60_000)
      assert.is((await stored(storeUrl)).length, 40, 'nothing acknowledged before the kill was lost')

      step('the subscriber continues (fg): it fills the gap from the storage node, in order')
      await sleep(Math.max(0, STOPPED_MS - (performance.now() - stoppedAt)))
      sub.child.kill('SIGCONT')
      let last = 40
      const readNs = async () => (await read(subUrl)).map((m) => m.content.n)
      // New messages show the subscriber its chain went on without it: the gap it asks the storage node for.
      await waitFor('the subscriber reads again', async () => {
        await publish(pubUrl, ++last)
        await sleep(1_000)
        return (await readNs()).some((n) => n > 40)
      }, 60_000)
      await waitFor('the gap is filled', async () => (await readNs()).length >= last, 60_000)
      assert.equal(await readNs(), range(1, last), 'everything, once, in order')
      await until('a stats line after the fill', () => lastCount(sub.output(), 'filled') >= 1, 10_000)
      console.log(`  walkthrough: the subscriber read 1..${last}; ${/gaps \d+ \(filled \d+, skipped \d+\), resend requests \d+/.exec(sub.output().split('\n').filter((l) => l.startsWith('sub:')).pop()!)![0]}`)

      for (const p of [sub, pub, store, tracker, registry]) p.child.kill('SIGINT')
      const codes = await Promise.all([sub, pub, store, tracker, registry].map((p) => p.exited))
      assert.equal(codes, [0, 0, 0, 0, 0], sub.output())
      assert.match(sub.output(), /resent rejected 0/)
    } finally {
      await w.close()
      process.removeListener('exit', kill)
    }
  })
}

/** `until` for an asynchronous condition. */
async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const start = performance.now()
  while (!(await cond())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(200)
  }
}

Walk.run()
