// Brubeck, the tracker-built overlay: re-exports only.

export { type PairingRules, formInstructions } from './form-instructions.ts'
export { OverlayGraph } from './overlay-graph.ts'
export { trackerIndexOf, trackerOf } from './tracker-assignment.ts'
export {
  DEFAULT_TRACKER_CLIENT_OPTIONS, type SignalHandler, TrackerClient, type TrackerClientOptions,
  type TrackerClientPorts, type TrackerClientStats, createTrackerClient, createTrackerClientOptions,
} from './tracker-client.ts'
export { TrackerOverlay, type TrackerOverlayPorts } from './tracker-overlay.ts'
export * from './tracker-messages.ts'
export {
  DEFAULT_INSTRUCTION_DEBOUNCE_MS, DEFAULT_INSTRUCTION_MAX_WAIT_MS, DEFAULT_MAX_NEIGHBOURS, DEFAULT_TRACKER_OPTIONS,
  DEFAULT_UNREACHABLE_MEMORY_MS, DEFAULT_UNREACHABLE_REPORTERS,
  Tracker, type TrackerOptions, type TrackerPorts, type TrackerStats, createTrackerOptions,
} from './tracker.ts'
