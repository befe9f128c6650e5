/**
 * Schemas for query parameters: the user-facing type on the decoded side, the wire string on
 * the encoded side. Encoding checks the user's value, so bad input fails before anything is sent.
 */
import * as DateTime from "effect/DateTime"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** A point in time a caller may give: a valid `Date` or any `DateTime`. */
export type InstantInput = Date | DateTime.DateTime

const InstantFromSelf = Schema.declare(
  (u: unknown): u is InstantInput => (u instanceof Date && !Number.isNaN(u.getTime())) || DateTime.isDateTime(u),
  { identifier: "Instant", description: "a valid Date or DateTime" }
)

/** An instant, sent as an ISO 8601 UTC string. */
export const Instant = Schema.transformOrFail(Schema.String, InstantFromSelf, {
  strict: true,
  decode: (text, _, ast) => {
    const parsed = DateTime.make(text)
    return parsed._tag === "Some"
      ? ParseResult.succeed(parsed.value)
      : ParseResult.fail(new ParseResult.Type(ast, text, "not an ISO 8601 date"))
  },
  encode: (instant) =>
    ParseResult.succeed(instant instanceof Date ? instant.toISOString() : DateTime.formatIso(instant))
})

/** A page size: a positive integer, sent as decimal text. */
export const Limit = Schema.NumberFromString.pipe(Schema.int(), Schema.positive())

/** Maximum number of domains in one `domains` filter. */
export const MAX_DOMAINS = 100

/** A `domains` filter: 1 to 100 domains, sent as the JSON-array string the API expects. */
export const Domains = Schema.parseJson(
  Schema.Array(Schema.NonEmptyTrimmedString).pipe(Schema.minItems(1), Schema.maxItems(MAX_DOMAINS))
)
