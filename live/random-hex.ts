// Random hex strings for ids that must not collide (link incarnations, attempt ids, unseeded
// seeds). Web Crypto, so the same code runs in Node (20+) and in a browser.

/** `byteCount` random bytes from the platform's CSPRNG, as lowercase hex. */
export function randomHex(byteCount: number): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(byteCount))
  let hex = ''
  for (const b of bytes) hex += b.toString(16).padStart(2, '0')
  return hex
}
