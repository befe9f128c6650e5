/**
 * What the simulator answers, before any transport turns it into bytes; the public `Reply` module re-exports it.
 * Kept here so that nothing under `internal/` imports from outside it.
 */

/** A request as the simulator sees it. Header names are lower-case. */
export interface SimRequest {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** A complete HTTP answer, optionally sent after a delay. */
export interface Respond {
  readonly _tag: "Respond"
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly delayMillis: number
}

/** The connection is reset before any answer (after an optional delay). */
export interface Reset {
  readonly _tag: "Reset"
  readonly delayMillis: number
}

/** The status and headers arrive, then the connection closes halfway through the body. */
export interface Truncated {
  readonly _tag: "Truncated"
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** The full body; a transport sends about half of it. */
  readonly body: string
  readonly delayMillis: number
}

/** Every way the simulator can answer. */
export type Reply = Respond | Reset | Truncated
