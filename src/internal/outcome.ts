/**
 * The per-item outcomes of a bulk write (see `Bulk.ts`), built by their constructors, and the
 * statuses Recotap's per-item results carry.
 */
import * as Schema from "effect/Schema"
import type {
  Applied as AppliedOutcome,
  AppliedStatus,
  BulkOutcome,
  Invalid as InvalidOutcome,
  Rejected as RejectedOutcome,
  RejectedStatus,
  Unavailable as UnavailableOutcome,
  Unknown as UnknownOutcome
} from "../Bulk.js"

/** The statuses of Recotap's per-item results that mean the item was applied. */
export const APPLIED_STATUSES = ["created", "updated", "upserted"] as const satisfies ReadonlyArray<AppliedStatus>

/** The statuses of Recotap's per-item results that mean it refused the item. */
export const REJECTED_STATUSES = ["failed", "skipped"] as const satisfies ReadonlyArray<RejectedStatus>

/** A status a per-item result may carry. */
type WireStatus = typeof APPLIED_STATUSES[number] | typeof REJECTED_STATUSES[number]

/**
 * The `status` of a per-item result: the values the reference documents for an endpoint, and any
 * other text too, so that an undocumented status costs only its own item (it is `Unknown`), not
 * the whole answer.
 */
export const ItemStatus = <const Documented extends readonly [WireStatus, ...Array<WireStatus>]>(
  ...documented: Documented
) => Schema.Union(Schema.Literal(...documented), Schema.String)

/** An `Applied` outcome. */
export const Applied = <I, R>(outcome: Omit<AppliedOutcome<I, R>, "_tag">): AppliedOutcome<I, R> => ({
  _tag: "Applied",
  index: outcome.index,
  input: outcome.input,
  status: outcome.status,
  result: outcome.result
})

/** A `Rejected` outcome. */
export const Rejected = <I>(outcome: Omit<RejectedOutcome<I>, "_tag">): RejectedOutcome<I> => ({
  _tag: "Rejected",
  index: outcome.index,
  input: outcome.input,
  status: outcome.status,
  error: outcome.error
})

/** An `Invalid` outcome. */
export const Invalid = (outcome: Omit<InvalidOutcome, "_tag">): InvalidOutcome => ({
  _tag: "Invalid",
  index: outcome.index,
  input: outcome.input,
  error: outcome.error
})

/** An `Unavailable` outcome. */
export const Unavailable = <I>(outcome: Omit<UnavailableOutcome<I>, "_tag">): UnavailableOutcome<I> => ({
  _tag: "Unavailable",
  index: outcome.index,
  input: outcome.input,
  error: outcome.error
})

/** An `Unknown` outcome. */
export const Unknown = <I>(outcome: Omit<UnknownOutcome<I>, "_tag">): UnknownOutcome<I> => ({
  _tag: "Unknown",
  index: outcome.index,
  input: outcome.input,
  error: outcome.error
})

/**
 * An outcome moved to another place and input: an item's, after it was sent in another form
 * (the typed view sends its accounts encoded, each at its place among those it could encode).
 */
export const relocate = <I, J, R>(outcome: BulkOutcome<I, R>, index: number, input: J): BulkOutcome<J, R> => {
  switch (outcome._tag) {
    case "Applied":
      return Applied({ index, input, status: outcome.status, result: outcome.result })
    case "Rejected":
      return Rejected({ index, input, status: outcome.status, error: outcome.error })
    case "Invalid":
      return Invalid({ index, input, error: outcome.error })
    case "Unavailable":
      return Unavailable({ index, input, error: outcome.error })
    case "Unknown":
      return Unknown({ index, input, error: outcome.error })
  }
}
