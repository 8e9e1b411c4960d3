// Control traffic by the layer that sent it, so a run shows what each part of an overlay design
// costs: Tatum's layer 0 (the network's DHT), layer 1 (the stream parts' DHTs) and layer 2
// (neighbour management), Brubeck's trackers, and the neighbour handshakes and leaves every
// builder's nodes exchange. Counted per control message sent, never per content message.

import { TRACKER_WIRE_KINDS } from '../../core/tracker/tracker-messages.ts'
import type { WireMessage } from '../../core/ports.ts'
import { WIRE_HANDSHAKE, WIRE_HANDSHAKE_REPLY, WIRE_LEAVE } from '../../core/ports.ts'
import { RPC_WIRE_KINDS } from '../../core/rpc/rpc-messages.ts'

export const CONTROL_LAYERS = ['layer0', 'layer1', 'layer2', 'tracker', 'neighbours', 'other'] as const
export type ControlLayer = typeof CONTROL_LAYERS[number]

export function controlLayerOf(message: WireMessage): ControlLayer {
  const kind = message.kind
  if (RPC_WIRE_KINDS.includes(kind)) {
    const service = (message as { service?: unknown }).service
    if (service === 'layer0') return 'layer0'
    if (typeof service === 'string' && service.startsWith('layer1::')) return 'layer1'
    return 'layer2'
  }
  if (TRACKER_WIRE_KINDS.includes(kind)) return 'tracker'
  if (kind === WIRE_HANDSHAKE || kind === WIRE_HANDSHAKE_REPLY || kind === WIRE_LEAVE) return 'neighbours'
  return 'other'
}

export class ControlByLayer {
  readonly messages = new Float64Array(CONTROL_LAYERS.length)
  readonly bytes = new Float64Array(CONTROL_LAYERS.length)

  count(message: WireMessage): void {
    const i = CONTROL_LAYERS.indexOf(controlLayerOf(message))
    this.messages[i]++
    this.bytes[i] += message.sizeBytes
  }
}
