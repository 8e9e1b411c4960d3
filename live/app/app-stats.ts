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
  /**
   * `rejected`: the node's validator's refusals, by verdict (at relays or at its subscriber);
   * `unreadable`: encrypted messages it never got the key for (not permitted) or that did not decrypt.
   */
  constructor(private readonly rejected_: () => Readonly<Record<string, number>>, private readonly unreadable: () => number) {}

  /** Messages from the network that failed validation and were kept from the apps, by verdict. */
  get invalidMessages(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const [verdict, n] of Object.entries(this.rejected_())) if (n > 0) out[verdict] = n
    return out
  }

  /** Encrypted messages kept from the apps because the node could not read them (its key request refused or unanswered). */
  get undecryptableMessages(): number {
    return this.unreadable()
  }

  reject(where: AppInterfaceName, code: string): void {
    const key = `${where} ${code}`
    this.rejected.set(key, (this.rejected.get(key) ?? 0) + 1)
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
      + `; undecryptable ${this.undecryptableMessages}`
  }

  toJSON(): object {
    return {
      published: this.published, rejected: Object.fromEntries(this.rejected), slowConsumersClosed: this.slowConsumersClosed,
      invalidMessages: this.invalidMessages, undecryptableMessages: this.undecryptableMessages, errors: this.errors,
    }
  }
}
