// Frames that belong to a live link itself, not to core: the opening handshake that tells each
// side who the other is, and keep-alive pings. They start with 0xB0, wire messages with 0xB1
// (wire-codec.ts), so one byte tells them apart and core never sees these.
//
//   hello (1):   node id str16, incarnation str16   dialer -> acceptor, first frame on a link
//   welcome (2): node id str16, incarnation str16   acceptor -> dialer, the link is accepted
//   ping (3):    nothing                            either way, keeps an idle link alive
//   challenge (4): 32 random bytes                  either way, first thing on a new link
//   proof (5):   65-byte signature                  either way, the answer to the peer's challenge
//                                                  (link-proof.ts: no link reaches core unproved)
//
// The incarnation is a random id per transport instance. It tells "the same peer dialing again
// while we both race to connect" (same incarnation) from "the peer restarted" (a new one).

import { utf8 } from '../core/message-layer/binary.ts'
import { type ByteReader, decodeWith } from '../core/message-layer/byte-reader.ts'
import { ByteWriter } from '../core/message-layer/byte-writer.ts'
import { type Decoded, ERR } from '../core/message-layer/errors.ts'
import { CHALLENGE_BYTES, PROOF_BYTES } from './link-proof.ts'

export const LINK_FRAME_MAGIC = 0xb0
export const LINK_HELLO = 1
export const LINK_WELCOME = 2
export const LINK_PING = 3
export const LINK_CHALLENGE = 4
export const LINK_PROOF = 5

/** Bound on a node id or incarnation in a link frame. */
export const MAX_LINK_ID_BYTES = 256

export type LinkFrame =
  | { type: typeof LINK_HELLO | typeof LINK_WELCOME; nodeId: string; incarnation: string }
  | { type: typeof LINK_PING }
  | { type: typeof LINK_CHALLENGE | typeof LINK_PROOF; bytes: Uint8Array }

export function isLinkFrame(frame: Uint8Array): boolean {
  return frame.byteLength >= 2 && frame[0] === LINK_FRAME_MAGIC
}

export function encodeLinkFrame(frame: LinkFrame): Uint8Array {
  if (frame.type === LINK_PING) return Uint8Array.of(LINK_FRAME_MAGIC, LINK_PING)
  if ('bytes' in frame) {
    if (frame.bytes.byteLength !== fixedLength(frame.type)) throw new RangeError(`link frame ${frame.type} carries ${fixedLength(frame.type)} bytes`)
    const out = new Uint8Array(2 + frame.bytes.byteLength)
    out[0] = LINK_FRAME_MAGIC
    out[1] = frame.type
    out.set(frame.bytes, 2)
    return out
  }
  const id = utf8(frame.nodeId)
  const inc = utf8(frame.incarnation)
  if (id.byteLength > MAX_LINK_ID_BYTES || inc.byteLength > MAX_LINK_ID_BYTES) throw new RangeError('node id or incarnation too long')
  const w = new ByteWriter(2 + 2 + id.byteLength + 2 + inc.byteLength)
  w.u8(LINK_FRAME_MAGIC)
  w.u8(frame.type)
  w.lengthPrefixed(id, 'u16')
  w.lengthPrefixed(inc, 'u16')
  return w.finish()
}

/** Never throws: anything that is not a well-formed link frame is refused with the reason. */
export function decodeLinkFrame(frame: Uint8Array): Decoded<LinkFrame> {
  return decodeWith(frame, readLinkFrame)
}

function readLinkFrame(r: ByteReader): LinkFrame {
  if (r.u8('magic') !== LINK_FRAME_MAGIC) r.fail(ERR.UNSUPPORTED_VERSION, 'not a link frame')
  const type = r.u8('type')
  if (type === LINK_PING) return { type }
  if (type === LINK_CHALLENGE || type === LINK_PROOF) return { type, bytes: r.bytes(fixedLength(type), type === LINK_CHALLENGE ? 'challenge' : 'proof') }
  if (type !== LINK_HELLO && type !== LINK_WELCOME) return r.fail(ERR.BAD_ENUM, `link frame type ${type}`)
  const nodeId = r.string(1, MAX_LINK_ID_BYTES, 'nodeId', 'u16')
  const incarnation = r.string(1, MAX_LINK_ID_BYTES, 'incarnation', 'u16')
  return { type, nodeId, incarnation }
}

function fixedLength(type: typeof LINK_CHALLENGE | typeof LINK_PROOF): number {
  return type === LINK_CHALLENGE ? CHALLENGE_BYTES : PROOF_BYTES
}
