// What layer 2 and plumtree count, for metrics: plain numbers a reader copies when it samples,
// so counting costs an increment and no call. Bytes are not here: every message goes through
// the node, whose observer's `sent` already sees each one with its size.

export interface ContentDeliveryCounts {
  /** Handshake requests we sent, those that follow an interleave included. */
  handshakesSent: number
  /** ...answered yes. */
  handshakesAccepted: number
  /** ...answered no. */
  handshakesRejected: number
  /** ...that got no (valid) answer: timeout, failed connect, garbage. */
  handshakesFailed: number
  /** Handshakes we were asked, by answer. */
  handshakesAnsweredYes: number
  handshakesAnsweredNo: number
  /** We accepted a handshake by handing over one of our neighbours (interleave requests we sent). */
  interleavesStarted: number
  /** ...and the neighbour moved, so we dropped it. */
  interleavesCompleted: number
  /** A neighbour asked us to connect to a node in its place. */
  interleavesReceived: number
  /** Neighbour update requests we sent. */
  neighbourUpdatesSent: number
  /** Updates we answered with "remove me" (we do not list the sender, or both of us have too many). */
  removeMeSent: number
  /** Update answers that said "remove me" (or none came): we drop that neighbour if it has not dropped us already. */
  removeMeReceived: number
  /** Neighbours we lost by their leave or a dropped link. */
  neighboursLost: number
  /** Bodies from peers that failed their check, requests and replies. */
  malformed: number
}

export interface PlumtreeCounts {
  /** We asked a neighbour to send only message ids on a chain (it sent us a duplicate). */
  pausesSent: number
  pausesReceived: number
  /** We asked a paused neighbour for real data again. */
  resumesSent: number
  resumesReceived: number
  /** Message ids we sent in place of a message, on paused links. */
  metadataSent: number
  /** Messages sent again from the resend buffer to a neighbour that resumed. */
  resent: number
  malformed: number
}

export function zeroContentDeliveryCounts(): ContentDeliveryCounts {
  return {
    handshakesSent: 0, handshakesAccepted: 0, handshakesRejected: 0, handshakesFailed: 0, handshakesAnsweredYes: 0,
    handshakesAnsweredNo: 0, interleavesStarted: 0, interleavesCompleted: 0, interleavesReceived: 0,
    neighbourUpdatesSent: 0, removeMeSent: 0, removeMeReceived: 0, neighboursLost: 0, malformed: 0,
  }
}

export function zeroPlumtreeCounts(): PlumtreeCounts {
  return { pausesSent: 0, pausesReceived: 0, resumesSent: 0, resumesReceived: 0, metadataSent: 0, resent: 0, malformed: 0 }
}
