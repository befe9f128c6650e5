/** What a route handler receives, and what it is. */
import type { Respond } from "../Reply.js"
import type { Store } from "./store.js"
import type { Where } from "./wire.js"

/** One authenticated request, ready for its handler. */
export interface Call {
  readonly store: Store
  readonly where: Where
  readonly query: URLSearchParams
  /** The parsed JSON body; `{}` when the request had no JSON body (as a JSON body parser leaves it). */
  readonly body: unknown
  /** The `:id` path segment, for routes that have one. */
  readonly param: string
}

/** Answers one route. */
export type RouteHandler = (call: Call) => Respond
