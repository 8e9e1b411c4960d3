// Frames that belong to a live link itself, not to core: the opening handshake that tells each
// side who the other is, and keep-alive pings. They start with 0xB0, wire messages with 0xB1
// (wire-codec.ts), so one byte tells them apart and core never sees these.
//
//   hello (1):   node id str16, incarnation str16   dialer -> acceptor, first frame on a link
//   welcome (2): node id str16, incarnation str16   acceptor -> dialer, the link is accepted
//   ping (3):    nothing                            either way, keeps an idle link alive
//
// The incarnation is a random id per transport instance. It tells "the same peer dialing again
// while we both race to connect" (same incarnation) from "the peer restarted" (a new one).

export const LINK_FRAME_MAGIC = 0xb0
export const LINK_HELLO = 1
export const LINK_WELCOME = 2
export const LINK_PING = 3

/** Bound on a node id or incarnation in a link frame. */
export const MAX_LINK_ID_BYTES = 256

export type LinkFrame =
  | { type: typeof LINK_HELLO | typeof LINK_WELCOME; nodeId: string; incarnation: string }
  | { type: typeof LINK_PING }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function isLinkFrame(frame: Uint8Array): boolean {
  return frame.byteLength >= 2 && frame[0] === LINK_FRAME_MAGIC
}

export function encodeLinkFrame(frame: LinkFrame): Uint8Array {
  if (frame.type === LINK_PING) return Uint8Array.of(LINK_FRAME_MAGIC, LINK_PING)
  const id = encoder.encode(frame.nodeId)
  const inc = encoder.encode(frame.incarnation)
  if (id.byteLength > MAX_LINK_ID_BYTES || inc.byteLength > MAX_LINK_ID_BYTES) throw new RangeError('node id or incarnation too long')
  const out = new Uint8Array(2 + 2 + id.byteLength + 2 + inc.byteLength)
  const view = new DataView(out.buffer)
  out[0] = LINK_FRAME_MAGIC
  out[1] = frame.type
  view.setUint16(2, id.byteLength)
  out.set(id, 4)
  view.setUint16(4 + id.byteLength, inc.byteLength)
  out.set(inc, 6 + id.byteLength)
  return out
}

/** Never throws: undefined for anything that is not a well-formed link frame. */
export function decodeLinkFrame(frame: Uint8Array): LinkFrame | undefined {
  try {
    if (!isLinkFrame(frame)) return undefined
    const type = frame[1]
    if (type === LINK_PING) return frame.byteLength === 2 ? { type } : undefined
    if (type !== LINK_HELLO && type !== LINK_WELCOME) return undefined
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
    let pos = 2
    const str = (): string | undefined => {
      if (pos + 2 > frame.byteLength) return undefined
      const n = view.getUint16(pos)
      pos += 2
      if (n === 0 || n > MAX_LINK_ID_BYTES || pos + n > frame.byteLength) return undefined
      const s = decoder.decode(frame.subarray(pos, pos + n))
      pos += n
      return s
    }
    const nodeId = str()
    const incarnation = str()
    if (nodeId === undefined || incarnation === undefined || pos !== frame.byteLength) return undefined
    return { type, nodeId, incarnation }
  } catch {
    return undefined
  }
}
