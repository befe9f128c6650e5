/**
 * Schemas for query parameters: the user-facing type on the decoded side, the wire string on
 * the encoded side. Encoding checks the user's value, so bad input fails before anything is sent.
 */
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
// One function each: the server validates with these (through class-validator), so "valid here" means "valid there".
// (CommonJS modules: their function is the `default` of what Node hands an ES module.)
import isEmailModule from "validator/lib/isEmail.js"
import isISO8601Module from "validator/lib/isISO8601.js"

// `validator` is CommonJS: its default import is the function in a CommonJS build and a module
// object holding it in an ES module build; both carry it, so take whichever is callable.
const callable = <F extends (...args: Array<never>) => unknown>(module: F | { readonly default: F }): F =>
  typeof module === "function" ? module : module.default
const validatorIsEmail = callable(isEmailModule)
const validatorIsIso8601 = callable(isISO8601Module)

/** A point in time a caller may give: a valid `Date` or any `DateTime`. */
export type InstantInput = Date | DateTime.DateTime

const InstantFromSelf = Schema.declare(
  (u: unknown): u is InstantInput => (u instanceof Date && !Number.isNaN(u.getTime())) || DateTime.isDateTime(u),
  { identifier: "Instant", description: "a valid Date or DateTime" }
)

/** A page size: a positive integer, sent as decimal text. */
export const Limit = Schema.NumberFromString.pipe(Schema.int(), Schema.positive())

/** Maximum number of domains in one `domains` filter. */
export const MAX_DOMAINS = 100

/** A `domains` filter: 1 to 100 domains, sent as the JSON-array string the API expects. */
export const Domains = Schema.parseJson(
  Schema.Array(Schema.NonEmptyTrimmedString).pipe(Schema.minItems(1), Schema.maxItems(MAX_DOMAINS))
)

/**
 * Text that is not empty or only white space. A first character that is printable ASCII (most
 * text) settles it without trimming: accounts' IDs and domains are checked on every page.
 */
export const isNonBlank = (value: unknown): value is string => {
  if (typeof value !== "string") return false
  const code = value.charCodeAt(0)
  return (code > 32 && code < 127) || value.trim() !== ""
}

/** Text that is not empty or only white space (the API's `should not be empty`). */
export const NonBlankString = Schema.String.pipe(
  Schema.filter((text) => isNonBlank(text) || "must not be empty", { identifier: "NonBlankString" })
)

/**
 * An email address as the API validates it: class-validator's `@IsEmail()`, that is
 * `validator`'s `isEmail` with its default options (a top-level domain of two letters or more,
 * no trailing dot, no IP-literal domain, no consecutive dots).
 */
export const isEmail = (value: unknown): value is string => typeof value === "string" && validatorIsEmail(value)

/** An email address (the API's `must be an email`). */
export const Email = Schema.String.pipe(
  Schema.filter((text) => isEmail(text) || "must be an email", { identifier: "Email" })
)

/**
 * An ISO 8601 date or date-time as the API validates it: class-validator's `@IsISO8601()`, that
 * is `validator`'s `isISO8601` with its default options (`2026-04`, `2026-04-22 10:30:00`, a
 * `+05` offset and a lower-case `z` pass; hour 24 does not).
 */
export const isIso8601 = (value: unknown): value is string => typeof value === "string" && validatorIsIso8601(value)

/** An ISO 8601 date or date-time string, as the API validates it. */
export const Iso8601String = Schema.String.pipe(
  Schema.filter((text) => isIso8601(text) || "must be a valid ISO 8601 date string", {
    identifier: "Iso8601String"
  })
)

/** A date a caller may give: a `Date`, a `DateTime`, or an ISO 8601 string; sent as ISO 8601. */
export const DateInput = Schema.transform(Schema.String, Schema.Union(Iso8601String, InstantFromSelf), {
  strict: true,
  decode: (text) => text,
  encode: (
    value
  ) => (typeof value === "string" ? value : value instanceof Date ? value.toISOString() : DateTime.formatIso(value))
})

/** A custom-field value: text, a number, a boolean, a list (multi-selection) or `null`. */
export const CustomFieldValue = Schema.Union(
  Schema.String,
  Schema.Number.pipe(Schema.finite()),
  Schema.Boolean,
  Schema.Null,
  Schema.Array(Schema.Union(Schema.String, Schema.Number.pipe(Schema.finite())))
)

/** Custom-field key → value. */
export const CustomFieldValues = Schema.Record({ key: Schema.String, value: CustomFieldValue })
