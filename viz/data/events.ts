// What the scenario made happen and when (churn, network and security events), for the markers on
// a run's time charts. Read from summary.parameters, the scenario as the run resolved it.

import type { ChurnEvent, NetworkEvent, Scenario, SecurityEvent } from '../../sim/scenario/types.ts'

export interface ScenarioMarker {
  kind: 'churn' | 'network' | 'security'
  type: string
  atS: number
  /** The end of something that lasts (a partition, a tracker outage, a flash crowd's arrivals). */
  untilS?: number
  label: string
}

const pct = (f: number) => `${Math.round(f * 1000) / 10}%`

function churnMarker(e: ChurnEvent): ScenarioMarker {
  switch (e.type) {
    case 'join': return { kind: 'churn', type: e.type, atS: e.atS, label: `${e.count} join` }
    case 'leave': return { kind: 'churn', type: e.type, atS: e.atS, label: `${e.count} leave` }
    case 'massFailure': return { kind: 'churn', type: e.type, atS: e.atS, label: `mass failure ${pct(e.fraction)}` }
    case 'flashCrowd': return { kind: 'churn', type: e.type, atS: e.atS, untilS: e.atS + e.withinS, label: `flash crowd ${e.count}` }
    case 'trackerFailure': return { kind: 'churn', type: e.type, atS: e.atS, untilS: e.recoverAtS, label: `tracker ${e.tracker} down` }
  }
}

function networkMarker(e: NetworkEvent): ScenarioMarker {
  if (e.type === 'partition') return { kind: 'network', type: e.type, atS: e.atS, untilS: e.untilS, label: `partition${e.fraction !== undefined ? ` ${pct(e.fraction)}` : e.regions ? ` ${e.regions.join('+')}` : ''}` }
  return { kind: 'network', type: e.type, atS: e.atS, untilS: e.untilS, label: `link cut ${pct(e.fraction)}` }
}

function securityMarker(e: SecurityEvent): ScenarioMarker {
  if (e.type === 'revoke') return { kind: 'security', type: e.type, atS: e.atS, label: `revoke ${pct(e.fraction)}` }
  return { kind: 'security', type: e.type, atS: e.atS, label: e.type === 'rotateKey' ? 'key rotation' : 'rekey' }
}

/** Every timed event of the scenario, in time order; [] for older runs without parameters. */
export function scenarioMarkers(parameters: Partial<Scenario> | undefined): ScenarioMarker[] {
  if (!parameters) return []
  const out = [
    ...(parameters.churn?.events ?? []).map(churnMarker),
    ...(parameters.network?.events ?? []).map(networkMarker),
    ...(parameters.security?.events ?? []).map(securityMarker),
  ]
  return out.sort((a, b) => a.atS - b.atS)
}
