/**
 * Deals, pushed from your CRM for revenue attribution; upserted by `externalDealId`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ItemStatus } from "./internal/outcome.js"
import { DateInput, Email, NonBlankString } from "./internal/params.js"

/**
 * An account a deal is linked to; matched to a Recotap account by domain when possible.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AssociatedAccount = Schema.Struct({
  externalId: Schema.optional(Schema.String),
  domain: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String)
})

/**
 * A deal to push. Dates take a `Date`, a `DateTime` or an ISO 8601 string.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DealInput = Schema.Struct({
  /** Your unique deal ID: the upsert key. */
  externalDealId: NonBlankString,
  name: NonBlankString,
  amount: Schema.optional(Schema.Number.pipe(Schema.finite())),
  stageId: Schema.optional(Schema.String),
  stageLabel: Schema.optional(Schema.String),
  pipelineId: Schema.optional(Schema.String),
  pipelineLabel: Schema.optional(Schema.String),
  startDate: Schema.optional(DateInput),
  /** Expected or actual close date (`closedDate`, not `closeDate`). */
  closedDate: Schema.optional(DateInput),
  ownerName: Schema.optional(Schema.String),
  ownerEmail: Schema.optional(Email),
  ownerId: Schema.optional(Schema.String),
  /** e.g. `USD`, `EUR`, `GBP`. */
  dealCurrencyCode: Schema.optional(Schema.String),
  associatedAccounts: Schema.optional(Schema.Array(AssociatedAccount))
})

/**
 * @see {@link DealInput}
 *
 * @since 0.1.0
 * @category schemas
 */
export type DealInput = typeof DealInput.Type

/**
 * One deal's entry in Recotap's answer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DealResult = Schema.Struct({
  externalDealId: Schema.optional(Schema.NullOr(Schema.String)),
  /** Seen live: `upserted`, `failed` (the API reference, §2.8 [3P]); other text is kept. */
  status: ItemStatus("upserted", "failed"),
  error: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * @see {@link DealResult}
 *
 * @since 0.1.0
 * @category schemas
 */
export type DealResult = typeof DealResult.Type
