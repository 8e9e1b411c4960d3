// A live node's permissions declared locally, until a chain stands behind the registry: per
// stream, its owner and who else may publish and subscribe, or that anyone may subscribe. They
// fill the node's StreamRegistry (core), which its PermissionCache asks; streams nobody declared
// stay open, as on every live node. Declarations can change while the node runs (cli/node.ts
// re-reads the file): a grant or revocation takes effect at once. The registry cannot forget an
// owner or close a public stream, so those changes wait for a restart and are reported.
//
// The file (YAML or JSON), `permissionsFile` in the node config:
//   streams:
//     demo:
//       owner: "0x..."            # may publish and subscribe
//       publishers: ["0x..."]     # more publishers
//       subscribers: ["0x..."]    # more subscribers
//       public: false             # true: anyone may subscribe

import { isAddress } from '../core/message-layer/identity.ts'
import type { Permission, StreamRegistry } from '../core/security/stream-registry.ts'

export interface StreamPermissions {
  owner: string
  publishers: string[]
  subscribers: string[]
  public: boolean
}

/** streamId -> its permissions. */
export type PermissionDeclarations = Map<string, StreamPermissions>

export type DeclarationsResult = { ok: true; declarations: PermissionDeclarations } | { ok: false; problems: string[] }

const KNOWN = ['owner', 'publishers', 'subscribers', 'public']

/** Checks parsed declarations; every problem names `source` and the field. */
export function checkPermissionDeclarations(raw: unknown, source: string): DeclarationsResult {
  const problems: string[] = []
  const problem = (field: string, got: unknown, expected: string) => problems.push(`${source}: ${field}: got ${JSON.stringify(got)}, expected ${expected}`)
  const streams = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>).streams : undefined
  if (typeof streams !== 'object' || streams === null || Array.isArray(streams)) {
    return { ok: false, problems: [`${source}: streams: expected a mapping of stream id -> { owner, publishers, subscribers, public }`] }
  }
  const declarations: PermissionDeclarations = new Map()
  for (const [streamId, value] of Object.entries(streams as Record<string, unknown>)) {
    const at = `streams.${streamId}`
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problem(at, value, 'a mapping with owner, publishers, subscribers, public')
      continue
    }
    const v = value as Record<string, unknown>
    for (const key of Object.keys(v)) if (!KNOWN.includes(key)) problem(`${at}.${key}`, v[key], `a known field (${KNOWN.join(', ')})`)
    const address = (x: unknown) => typeof x === 'string' && isAddress(x.toLowerCase())
    if (!address(v.owner)) problem(`${at}.owner`, v.owner, 'an address (0x and 40 hex digits)')
    const list = (field: 'publishers' | 'subscribers'): string[] => {
      const l = v[field] ?? []
      if (!Array.isArray(l) || !l.every(address)) {
        problem(`${at}.${field}`, l, 'a list of addresses')
        return []
      }
      return (l as string[]).map((a) => a.toLowerCase())
    }
    const publishers = list('publishers')
    const subscribers = list('subscribers')
    if (v.public !== undefined && typeof v.public !== 'boolean') problem(`${at}.public`, v.public, 'true or false')
    if (address(v.owner)) declarations.set(streamId, { owner: (v.owner as string).toLowerCase(), publishers, subscribers, public: v.public === true })
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, declarations }
}

export interface AppliedDeclarations {
  /** Streams on which someone lost subscribe permission: their group keys must be replaced. */
  revokedSubscribers: string[]
  /** Changes the registry cannot make while the node runs. */
  needRestart: string[]
}

/** Keeps `registry` in line with the declarations it is given, change by change. */
export class LocalPermissions {
  private current: PermissionDeclarations = new Map()

  constructor(private readonly registry: StreamRegistry) {}

  apply(next: PermissionDeclarations): AppliedDeclarations {
    const revokedSubscribers: string[] = []
    const needRestart: string[] = []
    const applied: PermissionDeclarations = new Map()
    for (const streamId of new Set([...this.current.keys(), ...next.keys()])) {
      const before = this.current.get(streamId)
      let after = next.get(streamId)
      if (before === undefined) {
        after = after!
        this.registry.createStream(streamId, after.owner, { public: after.public })
      } else if (after === undefined || after.owner !== before.owner) {
        needRestart.push(`${streamId}: ${after === undefined ? 'removed' : 'new owner'}; until the node restarts only its owner ${before.owner} may use it`)
        after = { ...before, publishers: [], subscribers: [] }
      } else if (before.public && !after.public) {
        needRestart.push(`${streamId}: no longer public; it stays public until the node restarts`)
        after = { ...after, public: true }
      } else if (!before.public && after.public) this.registry.makePublic(streamId)
      this.change(streamId, 'publish', before?.publishers ?? [], after.publishers)
      if (this.change(streamId, 'subscribe', before?.subscribers ?? [], after.subscribers)) revokedSubscribers.push(streamId)
      applied.set(streamId, after)
    }
    this.current = applied
    return { revokedSubscribers, needRestart }
  }

  /** Grants what is new in `after`, revokes what left it; whether anything was revoked. */
  private change(streamId: string, permission: Permission, before: readonly string[], after: readonly string[]): boolean {
    for (const a of after) if (!before.includes(a)) this.registry.grant(streamId, a, permission)
    let revoked = false
    for (const a of before) {
      if (after.includes(a)) continue
      this.registry.revoke(streamId, a, permission)
      revoked = true
    }
    return revoked
  }
}
