/**
 * Sales activities: calls and emails from your CRM, with the contacts involved. Create-only.
 *
 * The input is a union discriminated by `activityType`: call-only fields on an email (or the
 * reverse) are type errors, and are refused at run time too.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ItemStatus } from "./internal/outcome.js"
import { DateInput, Email, NonBlankString } from "./internal/params.js"

/**
 * A person involved in an activity.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Contact = Schema.Struct({
  email: Schema.optional(Email),
  externalContactId: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String),
  title: Schema.optional(Schema.String),
  department: Schema.optional(Schema.String),
  seniority: Schema.optional(Schema.String),
  phone: Schema.optional(Schema.String),
  linkedinUrl: Schema.optional(Schema.String)
})

/**
 * @see {@link Contact}
 *
 * @since 0.1.0
 * @category schemas
 */
export type Contact = typeof Contact.Type

const Contacts = Schema.NonEmptyArray(Contact).pipe(
  Schema.filter((contacts) => contacts.some((c) => c.email !== undefined) || "at least one contact needs an email")
)

const common = {
  /** Your activity ID: a repeated one is refused (`failed`). */
  externalActivityId: NonBlankString,
  /** When it happened: a `Date`, a `DateTime` or an ISO 8601 string. */
  occurredAt: DateInput,
  /** The account's domain: links the activity to a Recotap account. */
  domain: NonBlankString,
  /** The rep who called or sent. */
  ownerEmail: Email,
  contacts: Contacts,
  accountName: Schema.optional(Schema.String),
  subject: Schema.optional(Schema.String),
  ownerName: Schema.optional(Schema.String),
  ownerId: Schema.optional(Schema.String),
  from: Schema.optional(Schema.Struct({ name: Schema.optional(Schema.String), email: Schema.optional(Email) }))
}

/**
 * A call.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CallActivity = Schema.Struct({
  ...common,
  activityType: Schema.Literal("call"),
  callTitle: Schema.optional(Schema.String),
  durationMinutes: Schema.optional(Schema.Number.pipe(Schema.finite(), Schema.nonNegative())),
  /** Free text, e.g. `Connected`, `Left voicemail`, `No answer`. */
  outcome: Schema.optional(Schema.String),
  direction: Schema.optional(Schema.Literal("inbound", "outbound"))
})

/**
 * An email.
 *
 * @since 0.1.0
 * @category schemas
 */
export const EmailActivity = Schema.Struct({
  ...common,
  activityType: Schema.Literal("email"),
  openCount: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.nonNegative())),
  clickCount: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.nonNegative()))
})

/**
 * A sales activity to push: a call or an email (Recotap skips any other type).
 *
 * @since 0.1.0
 * @category schemas
 */
export const SalesActivityInput = Schema.Union(CallActivity, EmailActivity)

/**
 * @see {@link SalesActivityInput}
 *
 * @since 0.1.0
 * @category schemas
 */
export type SalesActivityInput = typeof SalesActivityInput.Type

/**
 * One activity's entry in Recotap's answer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SalesActivityResult = Schema.Struct({
  externalActivityId: Schema.optional(Schema.NullOr(Schema.String)),
  /** Documented and seen live: `created`, `failed`, `skipped` (the API reference, §2.10); other text is kept. */
  status: ItemStatus("created", "failed", "skipped"),
  error: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * @see {@link SalesActivityResult}
 *
 * @since 0.1.0
 * @category schemas
 */
export type SalesActivityResult = typeof SalesActivityResult.Type
