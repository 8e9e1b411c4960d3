import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { LinkedPeers, idPrefix32 } from '../core/rpc/linked-peers.ts'
import { peerDescriptorOf } from '../core/dht/peer-descriptor.ts'

test('keeps every linked descriptor and its id prefix through adds, replacements and swap-removals', () => {
  const linked = new LinkedPeers()
  const model = new Map<string, ReturnType<typeof peerDescriptorOf>>()
  let s = 3
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647
  for (let step = 0; step < 5_000; step++) {
    const id = `node-${Math.floor(rnd() * 300)}`
    if (rnd() < 0.6) {
      const d = peerDescriptorOf(id, Math.floor(rnd() * 4))
      linked.set(d)
      model.set(id, d)
    } else {
      linked.delete(id)
      model.delete(id)
    }
    assert.is(linked.size, model.size)
  }
  const seen = new Set<string>()
  for (let i = 0; i < linked.size; i++) {
    const d = linked.at(i)
    assert.is(model.get(d.nodeId), d, `${d.nodeId} holds the latest descriptor`)
    assert.is(linked.prefixAt(i), idPrefix32(d.dhtId))
    assert.is(linked.get(d.nodeId), d)
    seen.add(d.nodeId)
  }
  assert.is(seen.size, model.size)
  for (const id of model.keys()) assert.ok(linked.has(id))
})

test('idPrefix32 reads the first four bytes as an unsigned big-endian number', () => {
  assert.is(idPrefix32(new Uint8Array([0xff, 0, 0, 1, 9])), 0xff000001)
  assert.is(idPrefix32(new Uint8Array([0x80, 0x10, 0x20, 0x30])), 0x80102030)
})

test.run()
