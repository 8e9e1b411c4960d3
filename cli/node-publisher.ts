// The node process's own publisher (publishIntervalMs in the config): every interval, one
// message per configured stream part, its payload the node's label and a sequence number.
// Shared by the tracker and the DHT node process.

import type { NodeProcessConfig } from '../live/node-config.ts'

export function startPublishing(config: NodeProcessConfig, label: string,
  publish: (streamId: string, partition: number, content: Uint8Array) => void): ReturnType<typeof setInterval> | undefined {
  if (config.publishIntervalMs <= 0 || config.streams.length === 0) return undefined
  const encoder = new TextEncoder()
  let sequence = 0
  return setInterval(() => {
    for (const s of config.streams) {
      const content = new Uint8Array(config.payloadBytes)
      content.set(encoder.encode(`${label} #${sequence}`).subarray(0, content.length))
      publish(s.streamId, s.partition, content)
    }
    sequence++
  }, config.publishIntervalMs)
}
