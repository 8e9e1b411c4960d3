// Counts of what the app interfaces did and refused, for the node's stats line and GET /info.
// Refusals are keyed by interface and error code, so a misbehaving client shows up by kind.

export type AppInterfaceName = 'http' | 'ws' | 'mqtt'

export class AppStats {
  readonly published: Record<AppInterfaceName, number> = { http: 0, ws: 0, mqtt: 0 }
  /** `interface code` -> count, e.g. `http unauthorized`. */
  readonly rejected = new Map<string, number>()
  /** Subscribers closed because they did not read fast enough. */
  slowConsumersClosed = 0
  /** Exceptions caught in the interfaces (a bug, not a client's fault). */
  errors = 0
  /** Messages from the network that failed the app interfaces' own validation (a node that does not validate at relays), by verdict. */
  private readonly ownInvalid: Record<string, number> = {}

  /** `relayRejected`: the node's relay validator's refusals, by verdict, when it validates at relays. */
  constructor(private readonly relayRejected?: () => Readonly<Record<string, number>>) {}

  /** Messages from the network that failed validation and were kept from the apps, by verdict. */
  get invalidMessages(): Record<string, number> {
    const out = { ...this.ownInvalid }
    for (const [verdict, n] of Object.entries(this.relayRejected?.() ?? {})) if (n > 0) out[verdict] = (out[verdict] ?? 0) + n
    return out
  }

  reject(where: AppInterfaceName, code: string): void {
    const key = `${where} ${code}`
    this.rejected.set(key, (this.rejected.get(key) ?? 0) + 1)
  }

  invalidMessage(verdict: string): void {
    this.ownInvalid[verdict] = (this.ownInvalid[verdict] ?? 0) + 1
  }

  rejectedTotal(): number {
    let n = 0
    for (const v of this.rejected.values()) n += v
    return n
  }

  summary(): string {
    const p = this.published
    const rejected = [...this.rejected].map(([k, v]) => `${k} ${v}`).join(', ')
    return `app published http ${p.http}, ws ${p.ws}, mqtt ${p.mqtt}; rejected ${this.rejectedTotal()}${rejected ? ` (${rejected})` : ''}`
      + `; slow consumers closed ${this.slowConsumersClosed}`
      + `; invalid messages kept from apps ${Object.values(this.invalidMessages).reduce((a, b) => a + b, 0)}`
  }

  toJSON(): object {
    return {
      published: this.published, rejected: Object.fromEntries(this.rejected), slowConsumersClosed: this.slowConsumersClosed,
      invalidMessages: this.invalidMessages, errors: this.errors,
    }
  }
}
