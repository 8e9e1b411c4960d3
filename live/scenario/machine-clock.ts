// The one clock a live scenario run measures with. Every process of the run (coordinator,
// workers) reads CLOCK_MONOTONIC through process.hrtime, which on Linux is one system-wide clock,
// so a receipt timed in one process minus a publish timed in another is a true latency. Each
// process's performance.now() has its own origin and would add that offset to every latency.

/** Milliseconds on the machine's monotonic clock, with nanosecond resolution. */
export function machineNowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}
