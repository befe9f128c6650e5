/** What every row gets: the mode, the running bench server, and a logger. */
import type { BenchServer } from "../lib/harness.js"

export interface Context {
  /** `--quick`: fewer rounds and smaller counts, for a smoke run. */
  readonly quick: boolean
  readonly server: BenchServer
  readonly log: (line: string) => void
}

/** `full` or `quick`, by mode. */
export const pick = <A>(context: Context, full: A, quick: A): A => (context.quick ? quick : full)
