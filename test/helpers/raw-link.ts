// A raw WebSocket that opens a link by hand as our transports do: hello, then the proof of
// identity (live/link-proof.ts), so tests can send what a real transport never would.

import type WebSocket from 'ws'
import type { KeyPair } from '../../core/message-layer/identity.ts'
import { LINK_CHALLENGE, LINK_HELLO, LINK_PROOF, decodeLinkFrame, encodeLinkFrame } from '../../live/link-frames.ts'
import { ephemeralIdentity, newChallenge, proveTo } from '../../live/link-proof.ts'

/**
 * Says hello as `id` with `identity`'s key to the transport `serverId` on an open socket, and
 * answers its challenge; resolves with the first frame it sent back (its welcome).
 */
export function openRawLink(raw: WebSocket, id: string, serverId: string, identity: KeyPair = ephemeralIdentity()): Promise<Buffer> {
  const welcome = new Promise<Buffer>((resolve) => raw.once('message', (d) => resolve(d as Buffer)))
  const onFrame = (d: Buffer): void => {
    const frame = decodeLinkFrame(new Uint8Array(d))
    if (!frame.ok || frame.value.type !== LINK_CHALLENGE) return
    raw.off('message', onFrame)
    raw.send(encodeLinkFrame({ type: LINK_PROOF, bytes: proveTo(identity, frame.value.bytes, id, serverId) }))
  }
  raw.on('message', onFrame)
  raw.send(encodeLinkFrame({ type: LINK_HELLO, nodeId: id, incarnation: 'i1' }))
  raw.send(encodeLinkFrame({ type: LINK_CHALLENGE, bytes: newChallenge() }))
  return welcome
}
