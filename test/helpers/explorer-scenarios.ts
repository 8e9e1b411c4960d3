// Small scenarios the explorer is shown and tested with (test/viz-instrument.test.ts and the
// README's pictures, bench/explorer-screenshots.ts), so both show the same runs.

/** Signed, with forgers and loss: some subscribers never get some messages. */
export const SIGNED_RUN = `
name: signed
protocol: brubeck
seed: 4
nodes: 150
topology: { builder: tracker, degree: 4 }
network: { latency: { model: geo }, lossRate: 0.15 }
workload: { messagesPerPublisher: 6, ratePerSecond: 5, warmupS: 4 }
security: { crypto: modelled, encryption: false, validation: relay }
adversaries: { forgers: { fraction: 0.1, mode: alter, maxPerSecond: 5 } }
record: { deliveries: true }
`

/** Churn with a mass failure at 16 s: the overlay over time. */
export const CHURN_RUN = `
name: churning
protocol: brubeck
seed: 3
nodes: 160
topology: { builder: tracker, degree: 4 }
network: { latency: { model: geo } }
churn:
  initialNodes: 100
  arrivalRatePerS: 5
  session: { distribution: exponential, meanS: 60 }
  crashFraction: 0.5
  events: [ { type: massFailure, atS: 16, fraction: 0.2 } ]
workload: { messagesPerPublisher: 20, ratePerSecond: 1, warmupS: 4 }
record: { timeseriesIntervalS: 2, deliveries: true }
`
