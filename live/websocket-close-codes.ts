// Close codes of a live WebSocket link, how a close reads in a disconnect reason, and how long a
// close reason may be. Shared by the Node transport (websocket-transport.ts) and the browser's
// (browser/), which must agree on them. 4000-4999 are the application's.

export const CLOSE_NORMAL = 1000
export const CLOSE_GOING_AWAY = 1001
/** The peer already has (or is winning) a link with us. */
export const CLOSE_DUPLICATE = 4001
export const CLOSE_BAD_HELLO = 4002
export const CLOSE_WRONG_PEER = 4003

/** A disconnect reason from a close code, its reason text and the socket's last error. */
export function describeClose(code: number, reason: string, error: string | undefined): string {
  const what = reason !== '' ? reason : error ?? (code === 1006 ? 'connection lost' : `closed (${code})`)
  return code === CLOSE_NORMAL || code === CLOSE_GOING_AWAY ? `peer closed: ${what}` : what
}

/** A close frame holds 123 bytes of reason; both sides have always kept to 120. */
const MAX_CLOSE_REASON_BYTES = 120

/**
 * `reason` cut to fit a close frame, counted in UTF-8 bytes: both `ws` and the browser throw on a
 * longer one, and a cut by characters (what the Node side did) could still be too long and lose
 * the close code.
 */
export function fitCloseReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason)
  if (bytes.byteLength <= MAX_CLOSE_REASON_BYTES) return reason
  return new TextDecoder().decode(bytes.subarray(0, MAX_CLOSE_REASON_BYTES)).replace(/\uFFFD$/, '')
}
