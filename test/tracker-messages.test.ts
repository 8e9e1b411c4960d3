// Tracker wire messages (shape checks, sizes) and the stream part -> tracker assignment.

import { createHash } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { trackerIndexOf, trackerOf } from '../core/tracker/tracker-assignment.ts'
import {
  COUNTER_LEFT, MAX_LISTED_NODES, NODE_ID_BYTES, TRACKER_MESSAGE_HEADER_BYTES, WIRE_TRACKER_INSTRUCTION, WIRE_TRACKER_SIGNAL,
  WIRE_TRACKER_STATUS, instructionMessage, isTrackerInstructionMessage, isTrackerSignalMessage, isTrackerStatusMessage,
  signalMessage, statusMessage,
} from '../core/tracker/tracker-messages.ts'
import { FIRST_PROTOCOL_WIRE_KIND } from '../core/ports.ts'

const Messages = suite('tracker messages')

Messages('use kinds 10, 11, 12: the tracker range of the protocol kinds', () => {
  assert.equal([WIRE_TRACKER_STATUS, WIRE_TRACKER_INSTRUCTION, WIRE_TRACKER_SIGNAL], [FIRST_PROTOCOL_WIRE_KIND, 11, 12])
})

Messages('pass their own check and no other, with sizes that grow with content', () => {
  const s = statusMessage('s#0', ['a', 'b'], 3)
  const i = instructionMessage('s#0', ['a', 'b', 'c'], 4)
  const g = signalMessage('a', 'b', 'x'.repeat(100))
  const checks = (x: unknown) => [isTrackerStatusMessage(x), isTrackerInstructionMessage(x), isTrackerSignalMessage(x)]
  assert.equal(checks(s), [true, false, false])
  assert.equal(checks(i), [false, true, false])
  assert.equal(checks(g), [false, false, true])
  assert.is(s.sizeBytes, TRACKER_MESSAGE_HEADER_BYTES + 3 + 2 * NODE_ID_BYTES)
  assert.is(i.sizeBytes, TRACKER_MESSAGE_HEADER_BYTES + 3 + 3 * NODE_ID_BYTES)
  assert.is(g.sizeBytes, TRACKER_MESSAGE_HEADER_BYTES + 2 * NODE_ID_BYTES + 100)
  assert.ok(isTrackerStatusMessage(statusMessage('s#0', [], COUNTER_LEFT)), 'a leave is a status')
})

Messages('made of garbage fail every check, which never throws', () => {
  const garbage: unknown[] = [
    null, undefined, 0, 'x', [], {}, Symbol('s'), () => 1,
    { kind: WIRE_TRACKER_STATUS },
    { kind: WIRE_TRACKER_STATUS, sizeBytes: 1, streamPartId: 's', neighbours: ['a'], counter: -2 },
    { kind: WIRE_TRACKER_STATUS, sizeBytes: 1, streamPartId: 's', neighbours: ['a'], counter: 1.5 },
    { kind: WIRE_TRACKER_STATUS, sizeBytes: 1, streamPartId: 's', neighbours: 'a', counter: 1 },
    { kind: WIRE_TRACKER_STATUS, sizeBytes: 1, streamPartId: 's', neighbours: [1], counter: 1 },
    { kind: WIRE_TRACKER_STATUS, sizeBytes: -1, streamPartId: 's', neighbours: [], counter: 1 },
    { kind: WIRE_TRACKER_STATUS, sizeBytes: NaN, streamPartId: 's', neighbours: [], counter: 1 },
    { kind: WIRE_TRACKER_STATUS, sizeBytes: 1, streamPartId: 7, neighbours: [], counter: 1 },
    { kind: WIRE_TRACKER_STATUS, sizeBytes: 1, streamPartId: 's', neighbours: new Array(MAX_LISTED_NODES + 1).fill('a'), counter: 1 },
    { kind: WIRE_TRACKER_INSTRUCTION, sizeBytes: 1, streamPartId: 's', neighbours: [], counter: -1 },
    { kind: WIRE_TRACKER_INSTRUCTION, sizeBytes: 1, streamPartId: 's', neighbours: [null], counter: 1 },
    { kind: WIRE_TRACKER_INSTRUCTION, sizeBytes: '1', streamPartId: 's', neighbours: [], counter: 1 },
    { kind: WIRE_TRACKER_SIGNAL, sizeBytes: 1, from: 'a', to: 'b' },
    { kind: WIRE_TRACKER_SIGNAL, sizeBytes: 1, from: 'a', to: 2, payload: '' },
    { kind: WIRE_TRACKER_SIGNAL, sizeBytes: 1, from: 'a', to: 'b', payload: { sdp: 1 } },
    { kind: WIRE_TRACKER_SIGNAL, sizeBytes: 1, from: 'a', to: 'b', payload: 'x'.repeat(70_000) },
  ]
  for (const g of garbage) {
    assert.not.ok(isTrackerStatusMessage(g) || isTrackerInstructionMessage(g) || isTrackerSignalMessage(g), JSON.stringify(g)?.slice(0, 80))
  }
})

function referenceIndex(streamPartId: string, count: number): number {
  return Math.abs(createHash('md5').update(streamPartId).digest().readInt32LE(0)) % count
}

const Assignment = suite('tracker assignment')

Assignment('assigns abs(int32LE(md5(id)[0..4])) % count, checked against node:crypto', () => {
  for (let i = 0; i < 300; i++) {
    const sp = `0x${i.toString(16).padStart(40, '0')}/stream-${i}#${i % 100}`
    for (const count of [1, 2, 3, 7]) assert.is(trackerIndexOf(sp, count), referenceIndex(sp, count), sp)
  }
  assert.is(trackerIndexOf('ünïcødé#0', 5), referenceIndex('ünïcødé#0', 5), 'utf-8 bytes')
})

Assignment('is stable and spreads 1,000 stream parts over 3 trackers 25-42% each', () => {
  const trackers = ['t0', 't1', 't2']
  const counts = new Map<string, number>()
  for (let i = 0; i < 1_000; i++) {
    const sp = `stream-${i}#${i % 10}`
    const t = trackerOf(sp, trackers)
    assert.is(trackerOf(sp, trackers), t, 'same id, same tracker')
    counts.set(t, (counts.get(t) ?? 0) + 1)
  }
  for (const t of trackers) {
    const share = (counts.get(t) ?? 0) / 1_000
    assert.ok(share >= 0.25 && share <= 0.42, `${t}: ${share}`)
  }
})

Assignment('rejects a tracker count that is not a positive integer', () => {
  assert.throws(() => trackerIndexOf('s#0', 0), RangeError)
  assert.throws(() => trackerIndexOf('s#0', 1.5), RangeError)
})

Messages.run()
Assignment.run()
