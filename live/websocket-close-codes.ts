// Close codes of a live WebSocket link and how a close reads in a disconnect reason. Shared by the
// Node transport (websocket-transport.ts) and the browser's (browser/), which must agree on them.
// 4000-4999 are the application's.

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
