// The DOM's send() methods take views of an ArrayBuffer only (not of a SharedArrayBuffer), a
// distinction the codec's Uint8Array type does not make.

/** Our frames are never views of shared memory. */
export function onArrayBuffer(frame: Uint8Array): Uint8Array<ArrayBuffer> {
  return frame as Uint8Array<ArrayBuffer>
}
