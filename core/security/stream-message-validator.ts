// The message layer's MessageValidator: the signature must be the publisher's, and a content
// message's publisher must hold publish permission on the stream. Recent verdicts are kept per
// message (by identity) with the time each becomes known, so duplicates of a message wait for
// the first verification rather than overtake it, and cost nothing more. The memory is bounded
// (duplicates come within moments; a resend much later is verified again, as a node with a
// bounded cache would), and a plain Map: a WeakMap per node costs the garbage collector dearly.

import type { StreamMessage } from '../message.ts'
import { MESSAGE_TYPE_CONTENT, SIGNATURE_TYPE_NONE } from '../message.ts'
import {
  type MessageValidator, type Verdict, VERDICT_BAD_SIGNATURE, VERDICT_MALFORMED, VERDICT_NOT_PERMITTED, VERDICT_VALID,
} from '../message-validator.ts'
import type { SecurityPorts } from './security-ports.ts'

export interface ValidatorStats {
  verified: number
  rejected: Record<Exclude<Verdict, 'valid'>, number>
}

/** Verdicts remembered per node; at 10 messages/s, the last 25 s. */
export const REMEMBERED_VERDICTS = 256

export class StreamMessageValidator implements MessageValidator {
  private readonly verdicts = new Map<StreamMessage, { verdict: Verdict; readyAtMs: number }>()
  readonly stats: ValidatorStats = { verified: 0, rejected: { 'bad-signature': 0, 'not-permitted': 0, malformed: 0 } }

  constructor(private readonly ports: SecurityPorts) {}

  validate(message: StreamMessage, done: (verdict: Verdict) => void): void {
    const { clock, timers, cpu, costs } = this.ports
    const known = this.verdicts.get(message)
    if (known !== undefined) {
      const wait = known.readyAtMs - clock.now()
      if (wait <= 0) done(known.verdict)
      else timers.setTimeout(() => done(known.verdict), wait)
      return
    }
    const verdict = this.judge(message)
    this.stats.verified++
    if (verdict !== VERDICT_VALID) this.stats.rejected[verdict]++
    const record = { verdict, readyAtMs: clock.now() }
    if (this.verdicts.size >= REMEMBERED_VERDICTS) this.verdicts.delete(this.verdicts.keys().next().value!)
    this.verdicts.set(message, record)
    record.readyAtMs = cpu.run(costs.verifyMs, () => done(verdict))
  }

  private judge(message: StreamMessage): Verdict {
    if (typeof message !== 'object' || message === null || message.signatureType === SIGNATURE_TYPE_NONE) return VERDICT_MALFORMED
    const signer = this.ports.suite.signer(message)
    const id = message.messageId
    if (signer === null || signer !== id.publisherId) return VERDICT_BAD_SIGNATURE
    if (message.messageType === MESSAGE_TYPE_CONTENT && !this.ports.permissions.allows(id.streamId, id.publisherId, 'publish')) {
      return VERDICT_NOT_PERMITTED
    }
    return VERDICT_VALID
  }
}
