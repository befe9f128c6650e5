/**
 * What an outbox holds and says: its items, its dead letters, its errors, how it drains.
 */
import * as Data from "effect/Data"
import * as Schema from "effect/Schema"
import { AccountInput, AccountUpdate, ExternalIdMapping } from "../../Account.js"
import type { SettleAccountsOptions } from "../../BulkSettle.js"
import { DealInput } from "../../Deal.js"
import { SalesActivityInput } from "../../SalesActivity.js"
import { NonBlankString } from "../params.js"

/** An ID that can be a path segment: `.` and `..` would be collapsed into another path. */
const PathId = NonBlankString.pipe(
  Schema.filter((id) => (id !== "." && id !== "..") || `"${id}" cannot be sent as a path segment`)
)

/** Which account an update addresses: exactly one of `externalId` (CRM revision) or `rtpAid` (External revision). */
const AccountRef = Schema.Union(
  Schema.Struct({ externalId: PathId, rtpAid: Schema.optional(Schema.Never) }),
  Schema.Struct({ rtpAid: PathId, externalId: Schema.optional(Schema.Never) })
)

/**
 * A write offered to an outbox, by kind: an account to create, an account's update, an
 * external-ID mapping, a deal to upsert, a sales activity to create.
 */
export const OutboxItem = Schema.Union(
  Schema.TaggedStruct("AccountPush", { account: AccountInput }),
  Schema.TaggedStruct("AccountUpdate", { ref: AccountRef, update: AccountUpdate }),
  Schema.TaggedStruct("ExternalIdMapping", { mapping: ExternalIdMapping }),
  Schema.TaggedStruct("DealPush", { deal: DealInput }),
  Schema.TaggedStruct("SalesActivityPush", { activity: SalesActivityInput })
)
export type OutboxItem = typeof OutboxItem.Type

/** An item that will never be applied by draining: refused, invalid, in doubt, or unsettled after every attempt. */
export const DeadLetter = Schema.Struct({
  /** The item's id in the outbox. */
  id: Schema.String,
  /** The item, when it could be read (`null`: it no longer matches `OutboxItem`; see `element`). */
  item: Schema.NullOr(OutboxItem),
  /** The item as it was stored. */
  element: Schema.Unknown,
  /**
   * `Rejected` or `Invalid` (Recotap's or the client's verdict); `InDoubt` (an earlier send may
   * have applied it, and a resend was refused: nothing can tell which); or `Unsettled` (attempts
   * ran out).
   */
  outcome: Schema.Literal("Rejected", "Invalid", "InDoubt", "Unsettled"),
  /** Why, in words. */
  reason: Schema.String,
  /** Drains it went through, this one included. */
  attempts: Schema.Number,
  /** When it was moved here (epoch milliseconds). */
  at: Schema.Number
})
export type DeadLetter = typeof DeadLetter.Type

/** An outbox operation that failed: Redis unreachable, or a stored item that cannot be read. */
export class OutboxError extends Data.TaggedError("OutboxError")<{
  readonly operation: string
  readonly message: string
  readonly cause: unknown
}> {}

/** An item offered that is not a valid `OutboxItem`: nothing was stored. */
export class InvalidOutboxItem extends Data.TaggedError("InvalidOutboxItem")<{
  readonly message: string
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
