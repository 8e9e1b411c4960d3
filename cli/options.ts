// What every command of the project shares: checks of option values with one wording, and one
// way from an error to an exit code (0 fine, 1 a budget broke, 2 bad input, nothing run, 3 the
// run itself failed). The defaults the options fall back to are named where their room lives
// (DEFAULT_EXPLORER_PORT in viz/, DEFAULT_TRACKER_PORT in live/).

import { InputError } from '../sim/input-error.ts'
import { ScenarioErrors } from '../sim/scenario/errors.ts'

export const LOOPBACK_HOST = '127.0.0.1'

/** A flag's value that is not what it should be: exit 2 with the command's usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** An integer option within [min, max]; `fallback` when the flag is absent. */
export function integerOption(value: string | undefined, flag: string, fallback: number, min: number, max?: number): number
export function integerOption(value: string | undefined, flag: string, fallback: undefined, min: number, max?: number): number | undefined
export function integerOption(value: string | undefined, flag: string, fallback: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return fallback
  const n = Number(value)
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer ${min}..${max}`
    throw new UsageError(`${flag}: expected ${range}, got "${value}"`)
  }
  return n
}

/** A TCP port; 0 asks the system for any free one. */
export function portOption(value: string | undefined, flag: string, fallback: number): number {
  return integerOption(value, flag, fallback, 0, 65_535)
}

/** The run could not go on for a reason worth one line (a port to listen on, a peer to reach): exit 3 without a stack. */
export class RunFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RunFailure'
  }
}

/**
 * Runs a command's main and sets the exit code from what it returns or throws: bad input
 * (usage, scenario, input errors, unknown flags) is one `error:` line and 2, anything else is
 * a failure of the run itself, with its stack, and 3.
 */
export function runCommand(main: () => Promise<number>, usage: string): void {
  main().then(
    (code) => { process.exitCode = code },
    (error: unknown) => {
      if (error instanceof UsageError || (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
        console.error(`error: ${error.message}\n\n${usage}`)
        process.exitCode = 2
      } else if (error instanceof ScenarioErrors || error instanceof InputError) {
        console.error(`error: ${error.message}`)
        process.exitCode = 2
      } else if (error instanceof RunFailure) {
        console.error(`error: ${error.message}`)
        process.exitCode = 3
      } else {
        console.error(error instanceof Error ? (error.stack ?? error.message) : error)
        process.exitCode = 3
      }
    },
  )
}

export { InputError }
