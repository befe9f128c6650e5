/**
 * Recotap's response envelopes.
 *
 * Success: `{ statusCode, timestamp, path, data }`; some endpoints answer with a bare array (or
 * `{ data: [...] }`) instead, so the payload is tried inside the envelope first, then bare.
 * Error: `{ statusCode, message, customMessage?, data? }` where `data` is the validation array,
 * `null`, or (as seen live) absent.
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { Violation } from "../RecotapError.js"

/**
 * Compiles the decoder of a success body, with or without the envelope: inside `data` first,
 * then the body itself; the envelope's error is reported when both fail. The payload is decoded
 * by its schema, or by `bare` (a quicker decoder giving the schema's answers) when given.
 */
export const decodePayload = <A, I>(
  schema: Schema.Schema<A, I>,
  bare: (body: unknown) => Either.Either<A, ParseResult.ParseError> = Schema.decodeUnknownEither(schema)
) => {
  return (body: unknown): Either.Either<A, ParseResult.ParseError> => {
    if (typeof body !== "object" || body === null || !("data" in body)) return bare(body)
    const enveloped = bare((body as { readonly data: unknown }).data)
    if (Either.isRight(enveloped)) return enveloped
    const whole = bare(body)
    return Either.isRight(whole) ? whole : Either.left(envelopeError(body, enveloped.left))
  }
}

// The envelope's error names its path: `data.<field>`.
const envelopeError = (body: unknown, error: ParseResult.ParseError): ParseResult.ParseError =>
  new ParseResult.ParseError({ issue: new ParseResult.Pointer("data", body, error.issue) })

const ErrorBody = Schema.Struct({
  message: Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String))),
  customMessage: Schema.optional(Schema.NullOr(Schema.String)),
  data: Schema.optional(Schema.Unknown)
})

// A class-validator error, as the API sends it: nested items report through `children`.
interface RawViolation {
  readonly property: string
  readonly constraints?: Readonly<Record<string, unknown>>
  readonly children?: ReadonlyArray<unknown>
}

const isRawViolation = (value: unknown): value is RawViolation =>
  typeof value === "object" && value !== null && typeof (value as { property?: unknown }).property === "string"

/**
 * Flattens class-validator errors into `{ property: "deals.1.ownerEmail", constraints }`, one
 * per property that has messages, server text bounded.
 */
const flattenViolations = (items: ReadonlyArray<unknown>, prefix = ""): Array<Violation> =>
  items.filter(isRawViolation).flatMap((item) => {
    const property = prefix === "" ? item.property : `${prefix}.${item.property}`
    const messages = Object.entries(item.constraints ?? {}).filter((entry): entry is [string, string] =>
      typeof entry[1] === "string"
    )
    const own = messages.length === 0
      ? []
      : [{
        property: truncate(property),
        constraints: Object.fromEntries(messages.map(([rule, text]) => [truncate(rule), truncate(text)]))
      }]
    return [...own, ...(Array.isArray(item.children) ? flattenViolations(item.children, property) : [])]
  })

/** What an error body says, read as tolerantly as possible. */
export interface ErrorDetails {
  /** `message`, joined when the server sent a list; `""` when absent. */
  readonly serverMessage: string
  readonly customMessage: string | undefined
  readonly violations: ReadonlyArray<Violation>
}

/** Longest server text kept in an error, so a broken server cannot flood logs. */
export const MAX_SERVER_TEXT = 500

/** Most validation violations kept from one answer. */
export const MAX_VIOLATIONS = 20

/** Cuts server-provided text to {@link MAX_SERVER_TEXT} characters. */
export const truncate = (text: string): string =>
  text.length <= MAX_SERVER_TEXT ? text : `${text.slice(0, MAX_SERVER_TEXT)}… (${text.length} characters)`

/**
 * A one-line summary of a body that is not JSON: an HTML page by its title (as a proxy's
 * error page), anything else with its white space folded, truncated.
 */
export const summariseText = (text: string): string => {
  // Stryker disable next-line OptionalChaining: equivalent, the group takes part in every match (`?.` is for the type)
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim()
  if (title !== undefined && title !== "") return `an HTML page: ${truncate(title)}`
  const folded = text.replace(/\s+/g, " ").trim()
  return folded === "" ? "an empty body" : truncate(folded)
}

/** Parses a body as JSON; `None` when it is not JSON. */
export const parseJson = (text: string): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}

/** Reads an error body; `None` when it is not a JSON object of the documented shape. */
export const readErrorBody = (body: unknown): Option.Option<ErrorDetails> =>
  Schema.decodeUnknownOption(ErrorBody)(body).pipe(
    Option.map((error) => ({
      serverMessage: truncate(typeof error.message === "string" ? error.message : (error.message ?? []).join("; ")),
      customMessage: error.customMessage == null ? undefined : truncate(error.customMessage),
      violations: Array.isArray(error.data) ? flattenViolations(error.data).slice(0, MAX_VIOLATIONS) : []
    }))
  )
