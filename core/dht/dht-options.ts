// What a DHT can be tuned by. The values a run uses are its era's (protocol-era.ts: Tatum's
// layer 0 and layer 1, each with the reference file it was read from); tests pass their own.

export interface DhtOptions {
  /** Contacts per k-bucket. */
  readonly k: number
  /** Size of the nearby (sorted) and of the random contact list. */
  readonly maxContactCount: number
  /** Probability that a new contact enters the random list. */
  readonly randomContactAcceptance: number
  readonly ringContactsPerSide: number
  /** Requests a lookup keeps in flight. */
  readonly parallelism: number
  /** A lookup ends after this many answers that brought it no closer. */
  readonly noProgressLimit: number
  /** Contacts returned per closest-peers request. */
  readonly batchSize: number
  /** Bound on one join session. */
  readonly joinTimeoutMs: number
  /** RPC timeout; null: chosen by the connection the peer needs (ConnectionTimeouts). */
  readonly rpcTimeoutMs: number | null
  /** After a join that found no neighbour, try again this much later... */
  readonly rejoinDelayMs: number
  /** ...and after a failed rejoin, this much later. */
  readonly rejoinRetryDelayMs: number
  /** After joining, the closest and one random neighbour are asked for contacts this often. */
  readonly recoveryIntervalMs: number
  /** Neighbours and ring contacts are pinged this often (offline ones dropped); null: never. */
  readonly pingIntervalMs: number | null
  /** Above this many k-bucket contacts, a new one is added without a ping; null: always ping. */
  readonly neighbourPingLimit: number | null
  /** TTL given to, and the most kept for, a stored value. */
  readonly storeTtlMs: number
  /** A value is stored on this many of the nodes closest to its key. */
  readonly redundancy: number
  /** Timeout of a fetch or store an entry point does for a node still joining. */
  readonly externalTimeoutMs: number
}

/** RPC timeouts by the connection a request needs (RpcRemote.ts, @streamr/dht 103.3.1). */
export interface ConnectionTimeouts {
  /** The peer runs a WebSocket server, or a link is open. */
  readonly websocketClientMs: number
  /** We run one and the peer must connect back to us. */
  readonly websocketServerMs: number
  readonly webrtcMs: number
}

export interface ConnectionCapOptions {
  /** Above this many links, idle unlocked ones are closed, furthest first (a soft cap). */
  readonly maxConnections: number
  readonly gcIntervalMs: number
  /** Only links unused for longer than this are closed. */
  readonly idleLimitMs: number
}
