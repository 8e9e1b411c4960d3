// What the message layer's roles on a node share: time, the node's CPU, the cryptography and
// what each operation costs, and the node's view of the permission registry.

import type { Clock, Timers } from '../ports.ts'
import type { CpuQueue } from './cpu-queue.ts'
import type { CryptoCosts, CryptoSuite } from './crypto-suite.ts'
import type { PermissionCache } from './stream-registry.ts'

export interface SecurityPorts {
  clock: Clock
  timers: Timers
  cpu: CpuQueue
  suite: CryptoSuite
  costs: CryptoCosts
  permissions: PermissionCache
}
