// What the two WebRTC transports (webrtc-transport.ts on node-datachannel, browser/ on the
// browser's RTCPeerConnection) must agree on to link with each other: the signalling payloads the
// tracker relays, the data channel's label and protocol, and the DTLS-role edit of a sent offer.
// Also the bounds and counters they share. No platform API here, so both sides import it.
//
// Signalling payloads are JSON strings (core carries them opaquely in a tracker signal):
//   {t: 'offer' | 'answer', a: attempt id, i: sender's transport incarnation, sdp}
//   {t: 'cand', a: attempt id, c: candidate line ("candidate:..."), m: its media id}
// The attempt id names one offer/answer round, so candidates and answers of an abandoned round
// are told apart from the current one's.

import type { NodeId } from '../core/ports.ts'

export const DATA_CHANNEL_LABEL = 'brtc'
export const DATA_CHANNEL_PROTOCOL = 'brtc/1'

export const DEFAULT_ATTEMPT_TIMEOUT_MS = 5_000
export const DEFAULT_MAX_ATTEMPTS = 2
export const DEFAULT_WEBRTC_CONNECT_TIMEOUT_MS = 12_000

/** Candidates kept for attempts whose offer has not arrived yet: peers x candidates each. */
export const EARLY_CANDIDATE_KEYS = 64
export const EARLY_CANDIDATES_PER_KEY = 32
/** Frames kept for a channel that delivers before it is open (it should not). */
export const EARLY_FRAMES = 64
const MAX_SIGNAL_ID_CHARS = 64
const MAX_CANDIDATE_CHARS = 1024
const MAX_MID_CHARS = 64

/** Sends a signalling payload to `to`; false when there is no path now. */
export type SignalSender = (to: NodeId, payload: string) => boolean

export type Signal =
  | { t: 'offer' | 'answer'; a: string; i: string; sdp: string }
  | { t: 'cand'; a: string; c: string; m: string }

export interface WebRtcStats {
  attemptsStarted: number
  attemptsFailed: number
  /** Attempts dropped or offers ignored because both ends offered at once. */
  racesResolved: number
  signalsSent: number
  signalsReceived: number
  /** Payloads that did not parse. */
  badSignals: number
  /** Well-formed but for no attempt we know (late, duplicate, stale). */
  staleSignals: number
  /** Offers from peers we did not ask, dropped over maxUnsolicitedAnswers. */
  offersRefused: number
}

export function zeroWebRtcStats(): WebRtcStats {
  return { attemptsStarted: 0, attemptsFailed: 0, racesResolved: 0, signalsSent: 0, signalsReceived: 0, badSignals: 0, staleSignals: 0, offersRefused: 0 }
}

/** Never throws: undefined for anything that is not one of our signalling payloads. */
export function parseSignal(payload: string): Signal | undefined {
  let s: unknown
  try {
    s = JSON.parse(payload)
  } catch {
    return undefined
  }
  if (typeof s !== 'object' || s === null) return undefined
  const o = s as Record<string, unknown>
  if (!isShortString(o.a)) return undefined
  if (o.t === 'offer' || o.t === 'answer') {
    if (!isShortString(o.i) || typeof o.sdp !== 'string' || o.sdp.length === 0) return undefined
    return { t: o.t, a: o.a, i: o.i, sdp: o.sdp }
  }
  if (o.t === 'cand') {
    if (typeof o.c !== 'string' || typeof o.m !== 'string' || o.c.length > MAX_CANDIDATE_CHARS || o.m.length > MAX_MID_CHARS) return undefined
    return { t: 'cand', a: o.a, c: o.c, m: o.m }
  }
  return undefined
}

function isShortString(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_SIGNAL_ID_CHARS
}

/**
 * The copy of an offer that is sent: a=setup:active instead of actpass, so the offerer is the
 * DTLS client (why: webrtc-attempts.ts). The local description keeps actpass.
 */
export function offerAsDtlsClient(sdp: string): string {
  return sdp.replace(/^a=setup:actpass\r?$/gm, (line) => line.replace('actpass', 'active'))
}
