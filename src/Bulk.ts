/**
 * The result of a bulk write: exactly one outcome per input item, in input order.
 *
 * Bulk methods (`accounts.push`, `deals.push`, ...) take any number of items, check each one,
 * split the valid ones into requests of the documented size, and report what became of every
 * item:
 *
 * - `Applied`: Recotap created, updated or upserted it.
 * - `Rejected`: Recotap refused it: `failed` or `skipped` in its per-item result, `notFound`
 *   for an external-ID mapping whose domain matched no account, or `refused` when the whole
 *   request carrying it was refused (a 400 or 409), or was not sent because the segment
 *   pre-check refused an earlier one; fix and resend. Nothing was applied.
 * - `Unavailable`: its request certainly was not processed (429, 503, connection refused, a
 *   404 that says the base URL does not serve the endpoint (`RouteNotFound`: the later requests
 *   are not sent), or not sent: a pause Recotap asked for, a deadline), even after the retries.
 *   Resend it later, as is (after fixing the base URL, for `RouteNotFound`);
 *   `error.retryAfterMillis` says when, if Recotap said.
 * - `Invalid`: it failed its schema here, and was never sent.
 * - `Unknown`: its request failed in transport (timeout, connection, 5xx) and retrying was not
 *   safe or did not help, so Recotap may or may not have applied it. Reconcile before resending
 *   a create-only item.
 *
 * @since 0.1.0
 */
import type { TransportError } from "./RecotapError.js"

/**
 * Options every bulk method takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface BulkOptions {
  /** Requests in flight at once (default 1: in input order). */
  readonly concurrency?: number
}

/**
 * Statuses of an applied item.
 *
 * @since 0.1.0
 * @category models
 */
export type AppliedStatus = "created" | "updated" | "upserted"

/**
 * Statuses of a rejected item.
 *
 * @since 0.1.0
 * @category models
 */
export type RejectedStatus = "failed" | "skipped" | "notFound" | "refused"

/**
 * Recotap applied the item. `result` is its entry in Recotap's answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Applied<I, R> {
  readonly _tag: "Applied"
  readonly index: number
  readonly input: I
  readonly status: AppliedStatus
  readonly result: R
}

/**
 * Recotap did not apply the item; `error` says why, in Recotap's words where it gave some.
 *
 * @since 0.1.0
 * @category models
 */
export interface Rejected<I> {
  readonly _tag: "Rejected"
  readonly index: number
  readonly input: I
  readonly status: RejectedStatus
  readonly error: string
}

/**
 * The item failed its schema and was not sent. `input` is what was given.
 *
 * @since 0.1.0
 * @category models
 */
export interface Invalid {
  readonly _tag: "Invalid"
  readonly index: number
  readonly input: unknown
  readonly error: string
}

/**
 * The item's request certainly was not processed: resend it later, as is.
 *
 * @since 0.1.0
 * @category models
 */
export interface Unavailable<I> {
  readonly _tag: "Unavailable"
  readonly index: number
  readonly input: I
  readonly error: TransportError
}

/**
 * The item's request failed in transport: it may or may not have been applied.
 *
 * @since 0.1.0
 * @category models
 */
export interface Unknown<I> {
  readonly _tag: "Unknown"
  readonly index: number
  readonly input: I
  readonly error: TransportError
}

/**
 * What became of one input item.
 *
 * @since 0.1.0
 * @category models
 */
export type BulkOutcome<I, R> = Applied<I, R> | Rejected<I> | Invalid | Unavailable<I> | Unknown<I>

/**
 * Counts per outcome. `total` is the number of input items.
 *
 * @since 0.1.0
 * @category models
 */
export interface BulkSummary {
  readonly total: number
  readonly applied: number
  readonly rejected: number
  readonly invalid: number
  readonly unavailable: number
  readonly unknown: number
}

/**
 * One outcome per input item, in input order, and their counts.
 *
 * @since 0.1.0
 * @category models
 */
export interface BulkResult<I, R> {
  readonly outcomes: ReadonlyArray<BulkOutcome<I, R>>
  readonly summary: BulkSummary
}

/**
 * Counts outcomes by tag.
 *
 * @since 0.1.0
 * @category utils
 */
export const summarize = (
  outcomes: ReadonlyArray<{ readonly _tag: BulkOutcome<unknown, unknown>["_tag"] }>
): BulkSummary => {
  const count = (tag: BulkOutcome<unknown, unknown>["_tag"]) => outcomes.filter((o) => o._tag === tag).length
  return {
    total: outcomes.length,
    applied: count("Applied"),
    rejected: count("Rejected"),
    invalid: count("Invalid"),
    unavailable: count("Unavailable"),
    unknown: count("Unknown")
  }
}

/**
 * The inputs that were certainly not processed, to send again later as they are.
 *
 * @since 0.1.0
 * @category utils
 */
export const unavailableInputs = <I, R>(result: BulkResult<I, R>): ReadonlyArray<I> =>
  result.outcomes.flatMap((outcome) => (outcome._tag === "Unavailable" ? [outcome.input] : []))

/**
 * The inputs whose fate is unknown, to reconcile or resend: for an upsert (deals, accounts with
 * `upsert`, mappings) resending is safe; for a create-only write, check first what was applied.
 *
 * @since 0.1.0
 * @category utils
 */
export const unknownInputs = <I, R>(result: BulkResult<I, R>): ReadonlyArray<I> =>
  result.outcomes.flatMap((outcome) => (outcome._tag === "Unknown" ? [outcome.input] : []))
