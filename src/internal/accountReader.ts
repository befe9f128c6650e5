/**
 * Reading one account record of a page (see `Account` in `src/Account.ts`): a clean record on its
 * fast path (a plain check, `cleanAccount.ts`, the schema behind it); an odd one field by field, each field decoded by
 * that same schema's own field, a field that does not decode replaced by its fallback and
 * reported. Only a record without a usable identity (or not an object) cannot be read.
 */
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { truncate } from "./envelope.js"
import { describeParseError, problemsByKey } from "./parseError.js"
import { epochMillis, receivedText } from "./wireValues.js"

/** One field read otherwise than sent, as `Account.issues` holds it. */
export interface Issue {
  readonly field: string
  readonly received?: string | undefined
  readonly note: string
}

/** An issue of `field`: `received` only when the field was there. */
export const issueOf = (field: string, received: unknown, note: string): Issue => {
  const text = receivedText(received)
  return text === undefined ? { field, note: truncate(note) } : { field, received: text, note: truncate(note) }
}

/** What a field that does not decode is read as: a `value` (decoded side), or nothing; `note` says which. */
export type Fallback = { readonly value: unknown; readonly note: string } | { readonly note: string }

/** The fallback of one field, from the value received (`undefined` when missing). */
export type FallbackOf = (received: unknown) => Fallback

/** `note` for a field left out. */
export const leftOut: Fallback = { note: "left out" }

/** A number where text is expected, read as its decimal text (unless JSON parsing may have rounded it); else left out. */
export const decimalTextOrLeftOut: FallbackOf = (received) =>
  typeof received === "number" && Number.isFinite(received) &&
    (!Number.isInteger(received) || Number.isSafeInteger(received))
    ? { value: String(received), note: "read as its decimal text" }
    : typeof received === "number"
    ? { note: "left out: a whole number this large may have been rounded on the way" }
    : leftOut

/** Epoch milliseconds (see `epochMillis`) as that instant's ISO 8601 text; anything else left out. */
export const epochMillisAsIsoOrLeftOut: FallbackOf = (received) => {
  const millis = epochMillis(received)
  if (millis === undefined) return leftOut
  const iso = new Date(millis).toISOString()
  return { value: iso, note: `read as epoch milliseconds: ${iso}` }
}

/** Always the same value, a documented default: `what` says what it means. */
export const defaultTo = (value: unknown, what: string): FallbackOf => () => ({
  value,
  note: `read as ${JSON.stringify(value)} (${what})`
})

const hasOwn = Object.prototype.hasOwnProperty

const isPlainObject = (raw: unknown): raw is Readonly<Record<string, unknown>> =>
  typeof raw === "object" && raw !== null && !Array.isArray(raw)

/** A field of a record that needs no service to decode. */
type FieldSchema =
  | Schema.Schema.AnyNoContext
  | Schema.PropertySignature<
    Schema.PropertySignature.Token,
    any,
    PropertyKey,
    Schema.PropertySignature.Token,
    any,
    boolean,
    never
  >

/** The specification of a reader: the record's fields, which of them identify it, and the fallbacks of the others. */
export interface ReaderSpec<A> {
  /** The fields of a clean record: the one specification of what is valid. */
  readonly fields: Readonly<Record<string, FieldSchema>>
  /** The struct of {@link fields}, decoding to an account (on its fast path). */
  readonly decodeClean: (raw: unknown) => Either.Either<A, ParseResult.ParseError>
  /** Fields without which a record cannot be read: they have no fallback. */
  readonly identity: ReadonlyArray<string>
  /** The fallback of every other field. */
  readonly fallbacks: Readonly<Record<string, FallbackOf>>
  /** The account as read: validates what the field-by-field reading built. */
  readonly account: Schema.Schema<A>
  /** Adds the unknown fields and the issues to an account (only called when there are some). */
  readonly annotate: (
    account: A,
    extra: Readonly<Record<string, unknown>> | undefined,
    issues: ReadonlyArray<Issue> | undefined
  ) => A
}

/** The decoder of one field, with its fallback (none for the identity). */
interface FieldReader {
  readonly key: string
  readonly decode: (raw: unknown) => Either.Either<Readonly<Record<string, unknown>>, ParseResult.ParseError>
  readonly fallback: FallbackOf | undefined
}

/**
 * The account with the fields the schema does not name (kept as received, in `extra`) and the
 * issues, if any. A `__proto__` key cannot be kept as a property: it is reported instead.
 */
const keepUnknownFields = <A>(
  spec: ReaderSpec<A>,
  known: ReadonlySet<string>,
  account: A,
  raw: Readonly<Record<string, unknown>>,
  issues: Array<Issue> | undefined
): A => {
  let entries: Array<[string, unknown]> | undefined
  let reported = issues
  for (const key in raw) {
    if (known.has(key) || !hasOwn.call(raw, key)) continue
    if (key === "__proto__") {
      ;(reported ??= []).push(issueOf(key, raw[key], "a field of this name cannot be kept: left out"))
    } else {
      ;(entries ??= []).push([key, raw[key]])
    }
  }
  if (entries === undefined && (reported === undefined || reported.length === 0)) return account
  // `fromEntries` defines each key as an own property, whatever its name.
  return spec.annotate(
    account,
    entries === undefined ? undefined : Object.fromEntries(entries),
    reported === undefined || reported.length === 0 ? undefined : reported
  )
}

/**
 * An odd record, field by field: each field's value as its schema reads it, or its fallback,
 * reported. The values are gathered, then `validate`d: an account by construction (each value is
 * its field's, or a fallback of its type), checked, not assumed.
 */
const salvageFields = (
  readers: ReadonlyArray<FieldReader>,
  raw: Readonly<Record<string, unknown>>
): { readonly built: Record<string, unknown>; readonly issues: Array<Issue> } => {
  const issues: Array<Issue> = []
  const built: Record<string, unknown> = {}
  for (const { decode, fallback, key } of readers) {
    const received = hasOwn.call(raw, key) ? raw[key] : undefined
    const decoded = decode(hasOwn.call(raw, key) ? { [key]: received } : {})
    if (Either.isRight(decoded)) {
      if (hasOwn.call(decoded.right, key)) built[key] = decoded.right[key]
      continue
    }
    // Every field but the identity has one (the identity decoded already, before).
    const instead = fallback?.(received) ?? leftOut
    if ("value" in instead) built[key] = instead.value
    // The issue names the field: its problems are said without it.
    const why = problemsByKey(decoded.left).get(key) ?? describeParseError(decoded.left)
    issues.push(issueOf(key, received, `${why}; ${instead.note}`))
  }
  return { built, issues }
}

/**
 * The reader of one record: the account (with `issues` where a field was read otherwise than
 * sent, and `extra` holding the fields the schema does not name), or, for a record without a
 * usable identity or that is not an object, why it cannot be read.
 */
export const makeAccountReader = <A>(spec: ReaderSpec<A>) => {
  const { decodeClean, fields } = spec
  const pick = (keys: ReadonlyArray<string>) =>
    Schema.decodeUnknownEither(Schema.Struct(Object.fromEntries(keys.map((key) => [key, fields[key]!]))), {
      errors: "all"
    })
  const identity = pick(spec.identity)
  const known = new Set<string>(Object.keys(fields))
  const readers: ReadonlyArray<FieldReader> = Object.keys(fields).map((key) => ({
    key,
    decode: pick([key]),
    fallback: spec.fallbacks[key]
  }))
  const validate = Schema.validateEither(spec.account, { errors: "all" })

  return (raw: unknown): Either.Either<A, ParseResult.ParseError> => {
    const decoded = decodeClean(raw)
    if (Either.isRight(decoded)) {
      // Only a record with fields the schema does not name pays for more than the check.
      return isPlainObject(raw) ? Either.right(keepUnknownFields(spec, known, decoded.right, raw, undefined)) : decoded
    }
    if (!isPlainObject(raw)) return Either.left(decoded.left)
    const identified = identity(raw)
    if (Either.isLeft(identified)) return Either.left(identified.left)
    const { built, issues } = salvageFields(readers, raw)
    return Either.map(validate(built), (account) => keepUnknownFields(spec, known, account, raw, issues))
  }
}
