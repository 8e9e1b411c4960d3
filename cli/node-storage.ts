// The storage role of a node process (cli/node.ts, cli/dht-node.ts), when its config has a
// `storage:` section: the database is opened before the node starts (a file that cannot be used
// stops the process with exit 3 and nothing started), and the role is attached before the node
// joins the parts it stores, so it misses nothing the node accepts.

import type { NetworkNode } from '../core/network-node.ts'
import type { AppExtensions } from '../live/app/app-interfaces.ts'
import type { NodeProcessConfig } from '../live/node-config.ts'
import { LiveStorageNode, openSqliteStore } from '../live/storage/live-storage-node.ts'
import { RESEND_ROUTES, registerResendRoutes } from '../live/storage/resend-routes.ts'
import type { SqliteMessageStore } from '../live/storage/sqlite-message-store.ts'
import { RunFailure } from './options.ts'

/** The config's database, open; undefined for a node without storage. */
export function openNodeStore(config: NodeProcessConfig): SqliteMessageStore | undefined {
  if (config.storage === undefined) return undefined
  try {
    return openSqliteStore(config.storage)
  } catch (error) {
    throw new RunFailure(`cannot open the storage database ${config.storage.path}: ${(error as Error).message}`)
  }
}

/** The role on `node`, storing every part of the config's streams; prints what it holds. */
export function startStorageRole(config: NodeProcessConfig, node: NetworkNode, store: SqliteMessageStore | undefined, label: string): LiveStorageNode | undefined {
  if (store === undefined || config.storage === undefined) return undefined
  const role = new LiveStorageNode(node, store, config.storage, config.streams.map((s) => s.streamPartId))
  console.log(`node ${label} storage: ${config.storage.path} holds ${store.stats.messages} messages; storing ${role.storage.assignedParts().join(', ')}`)
  return role
}

/** The HTTP resend routes and the GET /info section of a storage node's app interfaces. */
export function storageAppExtensions(role: LiveStorageNode | undefined): AppExtensions {
  if (role === undefined) return {}
  return { routes: { register: (app) => registerResendRoutes(app, role), summary: RESEND_ROUTES }, info: () => ({ storage: role.info() }) }
}
