/**
 * What an outbox holds and says: its items, its dead letters, its errors, how it drains.
 */
import * as Data from "effect/Data"
import * as Schema from "effect/Schema"
import { AccountInput } from "../../Account.js"
import type { SettleAccountsOptions } from "../../BulkSettle.js"
import { DealInput } from "../../Deal.js"

/** A write offered to an outbox: an account to push (create), or a deal to push (upsert). */
export const OutboxItem = Schema.Union(
  Schema.TaggedStruct("AccountPush", { account: AccountInput }),
  Schema.TaggedStruct("DealPush", { deal: DealInput })
)
export type OutboxItem = typeof OutboxItem.Type

/** An item that will never be applied by draining: refused, invalid, or unsettled after every attempt. */
export const DeadLetter = Schema.Struct({
  /** The item's id in the outbox. */
  id: Schema.String,
  /** The item, when it could be read (`null`: it no longer matches `OutboxItem`; see `element`). */
  item: Schema.NullOr(OutboxItem),
  /** The item as it was stored. */
  element: Schema.Unknown,
  /** `Rejected` or `Invalid` (Recotap's or the client's verdict), or `Unsettled` (attempts ran out). */
  outcome: Schema.Literal("Rejected", "Invalid", "Unsettled"),
  /** Why, in words. */
  reason: Schema.String,
  /** Drains it went through, this one included. */
  attempts: Schema.Number,
  /** When it was moved here (epoch milliseconds). */
  at: Schema.Number
})
export type DeadLetter = typeof DeadLetter.Type

/** An outbox operation that failed: Redis unreachable, or an item that cannot be encoded. */
export class OutboxError extends Data.TaggedError("OutboxError")<{
  readonly operation: string
  readonly message: string
  readonly cause: unknown
}> {}

/** How a drain runs. */
export interface DrainOptions {
  /** Items settled together, at most (default 100): one settling write per kind of item. */
  readonly batchSize?: number | undefined
  /** Drains an item may go through unsettled before it is a dead letter (default 5). */
  readonly maxAttempts?: number | undefined
  /** The pause of a drain after an item was left unsettled (default 1 second). */
  readonly retryDelay?: number | undefined
  /** Options of each settling write (`maxRounds`, `concurrency`, ...; `segmentId`, `upsert` for accounts). */
  readonly settle?: SettleAccountsOptions | undefined
}
