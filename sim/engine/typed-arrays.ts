// Growing the simulator's typed-array stores: each doubles by copying into a larger array.

/** `to` with `from` copied into its start; `to` must be at least as long. */
export function grown<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(from: T, to: T): T {
  to.set(from)
  return to
}
