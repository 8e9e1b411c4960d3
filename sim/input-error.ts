// Bad input on the command line that is not a scenario field: a busy port, an output folder that
// holds another run, a run too big for this machine. The command line prints it as one line and
// exits 2 before any work starts.

export class InputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InputError'
  }
}

/** The message for a port another process holds, and how to choose another. */
export function portInUse(port: number, host: string, flag = '--port'): InputError {
  return new InputError(`port ${port} on ${host} is in use (is the explorer already running?); choose another with ${flag} N, or ${flag} 0 for any free port`)
}
