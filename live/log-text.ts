// Text from the network (stream ids, node ids, reasons a peer gave) on its way into a log line:
// control characters could forge or erase log lines (a newline starts a fake one, an escape
// sequence rewrites the terminal), and a 10,000-character stream id would drown the line. So
// control and bidirectional-formatting characters are escaped and the text is cut to a bound.

/**
 * Ours: a stream id is at most a few hundred characters in practice (an Ethereum address, a
 * path); anything longer is cut, with the length it had.
 */
export const MAX_LOGGED_CHARS = 200

// C0, DEL, C1, the line and paragraph separators, and bidi overrides/isolates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** `text` safe for one log line: unsafe characters as \u{...}, at most `max` characters of it. */
export function logText(text: string, max = MAX_LOGGED_CHARS): string {
  const cut = text.length > max ? text.slice(0, max) : text
  const escaped = cut.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`)
  return text.length > max ? `${escaped}...(${text.length} chars)` : escaped
}
