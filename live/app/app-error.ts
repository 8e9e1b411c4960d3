// What the app interfaces answer when a client asks for something they will not do: a status,
// a short machine-readable code and a sentence naming what was wrong. Every interface reports
// the same errors: HTTP as the response body, WebSocket as an error frame, MQTT as a refusal.

export type AppErrorCode =
  | 'unauthorized'
  | 'bad-stream-id'
  | 'bad-partition'
  | 'bad-body'
  | 'bad-request'
  | 'bad-cursor'
  | 'too-large'
  | 'not-found'
  | 'too-many-stream-parts'
  | 'not-stored'

export class AppError extends Error {
  constructor(readonly status: number, readonly code: AppErrorCode, message: string) {
    super(message)
  }

  toJSON(): { status: number; error: AppErrorCode; message: string } {
    return { status: this.status, error: this.code, message: this.message }
  }
}

export const badRequest = (code: AppErrorCode, message: string) => new AppError(400, code, message)
