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

interface VerdictRecord {
  verdict: Verdict
  readyAtMs: number
  /** Duplicates that came while the publisher's permission was being looked up; undefined once judged. */
  waiting: ((verdict: Verdict) => void)[] | undefined
}

export class StreamMessageValidator implements MessageValidator {
  private readonly verdicts = new Map<StreamMessage, VerdictRecord>()
  readonly stats: ValidatorStats = { verified: 0, rejected: { 'bad-signature': 0, 'not-permitted': 0, malformed: 0 } }

  constructor(private readonly ports: SecurityPorts) {}

  /**
   * A message whose publisher's permission is not cached waits for the registry's answer (a live
   * node's chain call), held by the PermissionCache, whose bound on waiting questions bounds it.
   */
  validate(message: StreamMessage, done: (verdict: Verdict) => void): void {
    const { clock, timers, cpu, costs } = this.ports
    const known = this.verdicts.get(message)
    if (known !== undefined) {
      if (known.waiting !== undefined) {
        known.waiting.push(done)
        return
      }
      const wait = known.readyAtMs - clock.now()
      if (wait <= 0) done(known.verdict)
      else timers.setTimeout(() => done(known.verdict), wait)
      return
    }
    const record: VerdictRecord = { verdict: VERDICT_VALID, readyAtMs: clock.now(), waiting: undefined }
    if (this.verdicts.size >= REMEMBERED_VERDICTS) this.verdicts.delete(this.verdicts.keys().next().value!)
    this.verdicts.set(message, record)
    let judged = false
    this.judge(message, (verdict) => {
      judged = true
      this.stats.verified++
      if (verdict !== VERDICT_VALID) this.stats.rejected[verdict]++
      record.verdict = verdict
      const duplicates = record.waiting
      record.waiting = undefined
      record.readyAtMs = cpu.run(costs.verifyMs, () => {
        done(verdict)
        if (duplicates !== undefined) for (const d of duplicates) d(verdict)
      })
    })
    if (!judged) record.waiting = []
  }

  private judge(message: StreamMessage, verdict: (verdict: Verdict) => void): void {
    if (typeof message !== 'object' || message === null || message.signatureType === SIGNATURE_TYPE_NONE) return verdict(VERDICT_MALFORMED)
    const signer = this.ports.suite.signer(message)
    const id = message.messageId
    if (signer === null || signer !== id.publisherId) return verdict(VERDICT_BAD_SIGNATURE)
    if (message.messageType !== MESSAGE_TYPE_CONTENT) return verdict(VERDICT_VALID)
    this.ports.permissions.check(id.streamId, id.publisherId, 'publish', (allowed) => verdict(allowed ? VERDICT_VALID : VERDICT_NOT_PERMITTED))
  }
}
