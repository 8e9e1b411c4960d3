// Data that CI has beside the project (../shared/data) but a user's clone does not. Tests that
// need it print one SKIP line by name when it is missing, so nothing silently passes.

import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const AWS_RTT_CSV = fileURLToPath(new URL('../../../shared/data/aws-16-regions-rtt-ms.csv', import.meta.url))

export function hasSharedData(): boolean {
  return existsSync(AWS_RTT_CSV)
}
