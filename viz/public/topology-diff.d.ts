import type { TopologyJson } from '../../sim/results/topology-types.ts'
import type { TopologyDiff } from '../data/topology-diff.ts'
export function applyTopologyDiff(topology: TopologyJson, diff: TopologyDiff): string[]
