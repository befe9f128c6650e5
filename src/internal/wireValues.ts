/**
 * Values the service may send in more than one form: numbers as decimal text, instants as epoch
 * milliseconds. Shared by the account schema and the typed custom fields, so that both read a
 * form the same way.
 */
import * as DateTime from "effect/DateTime"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { truncate } from "./envelope.js"

/** Decimal text, optionally signed, with an optional fraction and exponent: `42`, `-1.5`, `1e2`. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/** A number sent as decimal text (`"42"`, `" 12.5 "`), read as that number; other text fails. */
export const NumericString = Schema.transformOrFail(Schema.String, Schema.Number, {
  strict: true,
  decode: (text, _, ast) => {
    const trimmed = text.trim()
    const value = Number(trimmed)
    return DECIMAL.test(trimmed) && Number.isFinite(value)
      ? ParseResult.succeed(value)
      : ParseResult.fail(new ParseResult.Type(ast, text, `Expected a numeric string, actual ${JSON.stringify(text)}`))
  },
  encode: (value) => ParseResult.succeed(String(value))
})

/** A finite number, sent as a number or as decimal text; always written as a number. */
export const FiniteNumberFromWire = Schema.Union(Schema.Number, NumericString).pipe(Schema.finite())

/**
 * The smallest magnitude read as epoch milliseconds (`1e11`: March 1973, or October 1966 before
 * 1970). Below it a number could as well be seconds (`1777539600` is 2026 in seconds, January
 * 1970 in milliseconds), so it is not guessed.
 */
const MIN_EPOCH_MILLIS = 1e11
/** The largest magnitude a `Date` holds. */
const MAX_EPOCH_MILLIS = 8.64e15

/** Integer text, optionally signed and padded. Compiled once: every account's date is tested. */
const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/

/** Epoch milliseconds sent as a whole number or as integer text, or `undefined` (see {@link MIN_EPOCH_MILLIS}). */
export const epochMillis = (value: unknown): number | undefined => {
  const millis = typeof value === "number"
    ? value
    : typeof value === "string" && INTEGER_TEXT.test(value)
    ? Number(value)
    : Number.NaN
  return Number.isInteger(millis) && Math.abs(millis) >= MIN_EPOCH_MILLIS && Math.abs(millis) <= MAX_EPOCH_MILLIS
    ? millis
    : undefined
}

/**
 * An instant sent as epoch milliseconds (number or integer text) or as date text that
 * `DateTime.make` reads (ISO 8601 date-times, date-only `2026-04-30`); written as ISO 8601 text.
 */
export const DateTimeUtcFromWire = Schema.transformOrFail(
  Schema.Union(Schema.String, Schema.Number),
  Schema.DateTimeUtcFromSelf,
  {
    strict: true,
    decode: (input, _, ast) => {
      const millis = epochMillis(input)
      if (millis !== undefined) return ParseResult.succeed(DateTime.unsafeMake(millis))
      const made = typeof input === "string" ? DateTime.make(input) : undefined
      return made !== undefined && made._tag === "Some"
        ? ParseResult.succeed(DateTime.toUtc(made.value))
        : ParseResult.fail(
          new ParseResult.Type(
            ast,
            input,
            `Expected an ISO 8601 date or epoch milliseconds, actual ${JSON.stringify(input)}`
          )
        )
    },
    encode: (instant) => ParseResult.succeed(DateTime.formatIso(instant))
  }
)

/** A value as received, as bounded JSON text; `undefined` for a missing one. */
export const receivedText = (value: unknown): string | undefined => {
  if (value === undefined) return undefined
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch {
    // Not from JSON (a bigint, a cycle): said as JavaScript would.
  }
  return truncate(text ?? String(value))
}
