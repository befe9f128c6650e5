/** What a route handler receives, and what it is. */
import type { Respond } from "./reply.js"
import type { Store } from "./store.js"
import type { Where } from "./wire.js"

/** The bulk-push routes whose items a test can make fail (see `Simulator.failItems`). */
export type ItemRoute = "POST /accounts" | "POST /deals" | "POST /sales-activities"

/** Every {@link ItemRoute}, for checking a route given at run time. */
export const ITEM_ROUTES: ReadonlyArray<ItemRoute> = ["POST /accounts", "POST /deals", "POST /sales-activities"]

/**
 * Decides whether one pushed item fails: a message fails the item with that `error`; `undefined`
 * lets it be processed normally. It sees the item as the client sent it.
 */
export type ItemRule = (item: Readonly<Record<string, unknown>>) => string | undefined

/** One authenticated request, ready for its handler. */
export interface Call {
  readonly store: Store
  readonly where: Where
  readonly query: URLSearchParams
  /** The parsed JSON body; `{}` when the request had no JSON body (as a JSON body parser leaves it). */
  readonly body: unknown
  /** The `:id` path segment, for routes that have one. */
  readonly param: string
  /** The injected per-item failure of a bulk push: a message fails the item (validation has passed by then). */
  readonly failItem: ItemRule
}

/** Answers one route. */
export type RouteHandler = (call: Call) => Respond
