// The poisoned-chain rule of ContentDeliveryNode (issue 15): a forgery claiming a publisher's
// chain, dated ahead, must not make the publisher's later messages look old. With relay
// validation (the live default) it never reaches the duplicate detector, however far ahead it
// is; without (the reference's subscriber placement) the future-timestamp bound stops one dated
// beyond it, and one within it still blocks, which is why live nodes validate at every relay.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ContentDeliveryNode } from '../core/content-delivery-node.ts'
import { keyPairFromSeed } from '../core/message-layer/identity.ts'
import { signStreamMessage } from '../core/message-layer/signing.ts'
import { type StreamMessage, createStreamMessage, streamMessageOf } from '../core/message.ts'
import { REJECTED_FUTURE_TIMESTAMP, VERDICT_BAD_SIGNATURE } from '../core/message-validator.ts'
import { DEFAULT_MAX_FUTURE_TIMESTAMP_MS } from '../core/network-node.ts'
import type { Connection } from '../core/ports.ts'
import { DEFAULT_PROPAGATION_BUFFER_OPTIONS } from '../core/propagation-buffer.ts'
import { StreamMessageValidator } from '../core/security/stream-message-validator.ts'
import { contentWireMessage } from '../core/wire.ts'
import { liveSecurityPorts } from '../live/live-message-layer.ts'
import { RealTimers } from '../live/real-time.ts'
import { RecordingObserver } from './helpers/small-world.ts'

const Rule = suite('poisoned chain')
const NOW = 1_700_000_000_000
const clock = { now: () => NOW }
const publisher = keyPairFromSeed('test/poison/publisher')
const from: Connection = { remoteId: 'attacker', send() {}, close() {} }
const TEN_YEARS = 10 * 365 * 86_400_000

function genuine(ts: number, prev: StreamMessage | null): StreamMessage {
  const id = { streamId: 's', streamPartition: 0, timestamp: ts, sequenceNumber: 0, publisherId: publisher.address, msgChainId: 'chain' }
  return signStreamMessage(createStreamMessage(id, prev === null ? null : prev.messageId, new Uint8Array(8)), publisher)
}

/** The newest genuine message of the chain, `aheadMs` later, with a signature that is not the publisher's. */
function forgedAfter(m: StreamMessage, aheadMs: number): StreamMessage {
  return streamMessageOf({
    ...m, messageId: { ...m.messageId, timestamp: m.messageId.timestamp + aheadMs }, prevMsgRef: m.messageId,
    signature: m.signature.map((b, i) => (i < 64 ? b ^ 0x5a : b)),
  })
}

function relay(validate: boolean): { node: ContentDeliveryNode; observer: RecordingObserver & { rejections: string[] }; timers: RealTimers } {
  const observer = Object.assign(new RecordingObserver(clock), { rejections: [] as string[] })
  observer.rejected = (_m, _f, reason) => { observer.rejections.push(reason) }
  const timers = new RealTimers()
  const validator = validate ? new StreamMessageValidator(liveSecurityPorts(clock, timers)) : undefined
  const node = new ContentDeliveryNode('s#0', observer, undefined, clock, [], validator, DEFAULT_PROPAGATION_BUFFER_OPTIONS, DEFAULT_MAX_FUTURE_TIMESTAMP_MS)
  return { node, observer, timers }
}

for (const [label, aheadMs] of [['ten years', TEN_YEARS], ['two minutes', 120_000]] as const) {
  Rule(`with relay validation a forgery ${label} ahead is refused and the chain goes on`, () => {
    const { node, observer, timers } = relay(true)
    const m1 = genuine(NOW - 3000, null)
    node.handleContent(contentWireMessage(m1), from)
    node.handleContent(contentWireMessage(forgedAfter(m1, aheadMs)), from)
    const m2 = genuine(NOW - 2000, m1)
    node.handleContent(contentWireMessage(m2), from)
    assert.equal(observer.delivered_.map((d) => d.message), [m1, m2])
    assert.equal(observer.rejections, [aheadMs > DEFAULT_MAX_FUTURE_TIMESTAMP_MS ? REJECTED_FUTURE_TIMESTAMP : VERDICT_BAD_SIGNATURE])
    timers.dispose()
  })
}

Rule('without validation the future bound stops a forgery beyond it; one within it still blocks the chain', () => {
  const far = relay(false)
  const m1 = genuine(NOW - 3000, null)
  far.node.handleContent(contentWireMessage(m1), from)
  far.node.handleContent(contentWireMessage(forgedAfter(m1, TEN_YEARS)), from)
  const m2 = genuine(NOW - 2000, m1)
  far.node.handleContent(contentWireMessage(m2), from)
  assert.equal(far.observer.delivered_.map((d) => d.message), [m1, m2])
  assert.equal(far.observer.rejections, [REJECTED_FUTURE_TIMESTAMP])

  const near = relay(false)
  near.node.handleContent(contentWireMessage(m1), from)
  near.node.handleContent(contentWireMessage(forgedAfter(m1, 120_000)), from)
  near.node.handleContent(contentWireMessage(m2), from)
  assert.is(near.observer.delivered_.length, 2, 'the forgery is taken as new')
  assert.is(near.observer.duplicates, 1, 'and the genuine message after it looks old')
  far.timers.dispose()
  near.timers.dispose()
})

Rule.run()
