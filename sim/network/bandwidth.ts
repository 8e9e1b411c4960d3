// Per-node upload and download capacity: each node's transmissions serialise one after another on
// its upload link (size x 8 / Mbps), and arrivals queue on the receiver's download link in arrival
// order. Absent a capacity, nothing queues and the network skips this entirely.

export class Bandwidth {
  private readonly uploadFreeAtMs: Float64Array
  private readonly downloadFreeAtMs: Float64Array
  private readonly uploadBytesPerMs: number
  private readonly downloadBytesPerMs: number

  constructor(nodes: number, uploadMbps: number | undefined, downloadMbps: number | undefined) {
    this.uploadFreeAtMs = new Float64Array(nodes)
    this.downloadFreeAtMs = new Float64Array(nodes)
    // Mbps -> bytes per ms: 1 Mbit/s = 125,000 bytes/s = 125 bytes/ms.
    this.uploadBytesPerMs = (uploadMbps ?? 0) * 125
    this.downloadBytesPerMs = (downloadMbps ?? 0) * 125
  }

  get limitsUpload(): boolean {
    return this.uploadBytesPerMs > 0
  }

  get limitsDownload(): boolean {
    return this.downloadBytesPerMs > 0
  }

  /** When `bytes` handed to node `src`'s upload at `atMs` have left it. */
  uploaded(src: number, atMs: number, bytes: number): number {
    const start = atMs > this.uploadFreeAtMs[src] ? atMs : this.uploadFreeAtMs[src]
    const end = start + bytes / this.uploadBytesPerMs
    this.uploadFreeAtMs[src] = end
    return end
  }

  /** When `bytes` arriving at node `dst` at `atMs` have come through its download. */
  downloaded(dst: number, atMs: number, bytes: number): number {
    const start = atMs > this.downloadFreeAtMs[dst] ? atMs : this.downloadFreeAtMs[dst]
    const end = start + bytes / this.downloadBytesPerMs
    this.downloadFreeAtMs[dst] = end
    return end
  }
}
