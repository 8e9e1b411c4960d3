// The `app:` section of a node's config file (node-config.ts): where the app interfaces listen
// and what they allow.
//
//   app:
//     host: 127.0.0.1           # address both servers bind to (an IP address or localhost)
//     httpPort: 7800            # HTTP + WebSocket (/ws); 0 = any free port (printed); absent = off
//     mqttPort: 1883            # MQTT over TCP; 0 = any free port (printed); absent = off
//     apiKey: "change-me-please" # required, 8..256 chars without spaces: Bearer token, ?apiKey=, MQTT password
//     maxMessageBytes: 524288   # largest content an app may publish (413 above)
//     bufferMessages: 1000      # messages kept per stream part for long polls and SSE/WS resume
//     bufferBytes: 4194304      # bytes kept per stream part, the same
//     maxStreamParts: 100       # stream parts the node may be in; apps joining more get 403...
//     streamPartIdleMs: 60000   # ...unless one apps joined has had no use and no listener this long: it is left

import { type Problem, openSection } from '../config-section.ts'
import { isIP } from 'node:net'

export interface AppConfig {
  host: string
  httpPort: number | undefined
  mqttPort: number | undefined
  apiKey: string
  maxMessageBytes: number
  bufferMessages: number
  bufferBytes: number
  maxStreamParts: number
  streamPartIdleMs: number
}

const KNOWN_APP = ['host', 'httpPort', 'mqttPort', 'apiKey', 'maxMessageBytes', 'bufferMessages', 'bufferBytes', 'maxStreamParts', 'streamPartIdleMs']
/**
 * Ours: a stream part an app joined is left to make room for another only after a minute with no
 * publish, no subscribe and no listener, so apps that come and go do not churn the overlay.
 */
export const DEFAULT_STREAM_PART_IDLE_MS = 60_000
/** Below the 1 MiB frame of the live transport, with room for the message header and ids. */
export const MAX_APP_MESSAGE_BYTES = 1_000_000

/** The checked section, or undefined after reporting every problem through `problem`. */
export function checkAppConfig(raw: unknown, problem: Problem): AppConfig | undefined {
  const section = openSection(raw, 'app', KNOWN_APP, 'a mapping with apiKey and httpPort and/or mqttPort', problem)
  if (section === undefined) return undefined
  const { fields: a, bad } = section

  const host = a.host ?? '127.0.0.1'
  if (typeof host !== 'string' || (isIP(host) === 0 && host !== 'localhost')) bad('host', a.host, 'an IP address or "localhost"')

  const int = (field: string, fallback: number | undefined, min: number, max: number): number | undefined => {
    const v = a[field]
    if (v === undefined) return fallback
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      bad(field, v, `an integer ${min}..${max}`)
      return fallback
    }
    return v
  }
  const httpPort = int('httpPort', undefined, 0, 65535)
  const mqttPort = int('mqttPort', undefined, 0, 65535)
  if (a.httpPort === undefined && a.mqttPort === undefined) bad('httpPort', undefined, 'a port for HTTP and/or app.mqttPort for MQTT (0 = any free port)')
  if (httpPort !== undefined && httpPort !== 0 && httpPort === mqttPort) bad('mqttPort', mqttPort, 'a port other than app.httpPort')

  const apiKey = a.apiKey
  if (typeof apiKey !== 'string' || apiKey.length < 8 || apiKey.length > 256 || /\s/.test(apiKey)) {
    bad('apiKey', typeof apiKey === 'string' ? `${apiKey.length} chars` : apiKey, 'a string of 8..256 chars without spaces')
  }
  const maxMessageBytes = int('maxMessageBytes', 512 * 1024, 1, MAX_APP_MESSAGE_BYTES)!
  const bufferMessages = int('bufferMessages', 1000, 1, 1_000_000)!
  const bufferBytes = int('bufferBytes', 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024)!
  const maxStreamParts = int('maxStreamParts', 100, 1, 10_000)!
  const streamPartIdleMs = int('streamPartIdleMs', DEFAULT_STREAM_PART_IDLE_MS, 0, 86_400_000)!

  if (!section.ok) return undefined
  return { host: host as string, httpPort, mqttPort, apiKey: apiKey as string, maxMessageBytes, bufferMessages, bufferBytes, maxStreamParts, streamPartIdleMs }
}
