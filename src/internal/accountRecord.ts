/**
 * The account record and the page of `GET /accounts`, as schemas and the reading behind them
 * (the public names and their TSDoc are in `src/Account.ts`). A record of the usual form is read
 * by a plain check (`cleanAccount.ts`), any other field by field (`accountReader.ts`), with the
 * fallbacks below.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import {
  decimalTextOrLeftOut,
  defaultTo,
  epochMillisAsIsoOrLeftOut,
  type FallbackOf,
  leftOut,
  makeAccountReader
} from "./accountReader.js"
import { readCleanRecord } from "./cleanAccount.js"
import { truncate } from "./envelope.js"
import { NonBlankString } from "./params.js"
import { describeParseError } from "./parseError.js"
import { NumericString } from "./wireValues.js"

/** An `rtp_` score: a number or numeric text; missing or `null` is `0` ("not yet scored"). */
const score = Schema.optionalWith(Schema.Union(Schema.Number, NumericString), { default: () => 0, nullable: true })

/** The fields of an account record as the reference describes them. */
export const recordFields = {
  /** Your CRM's ID as pushed; absent (sent missing or `null`) for accounts that were not pushed by you. */
  externalId: Schema.optionalWith(Schema.String, { nullable: true }),
  /** Company name (the live service may return it lower-cased). */
  name: Schema.String,
  /** Primary domain, normalised, e.g. `acme.com`. */
  domain: NonBlankString,
  /** Recotap's own account ID. */
  rtp_aid: NonBlankString,
  /** Overall account score, documented 0–100 (higher values have been seen); `0` = not yet scored. */
  rtp_account_score: score,
  /** Current journey stage, free text (stages are configurable); `""` = not yet scored. */
  rtp_journey_stage: Schema.optionalWith(Schema.String, { default: () => "", nullable: true }),
  /** Intent from LinkedIn ad activity. */
  rtp_advertising_activity_score: score,
  /** Intent from website visits. */
  rtp_website_intent_score: score,
  /** Intent from G2. */
  rtp_g2_intent_score: score,
  /** Intent from Bombora. */
  rtp_bombora_intent_score: score,
  /** When Recotap last updated this account, as the text the server sent (absent if missing or `null`). */
  rtp_last_account_date: Schema.optionalWith(Schema.String, { nullable: true }),
  /** Custom-field key → value (values may be `null`); present when the service sends it (and not `null`). */
  customFields: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), { nullable: true })
}

/** See `AccountRecord` in `src/Account.ts`. */
export const AccountRecord = Schema.Struct(recordFields)

/** See `AccountIssue` in `src/Account.ts`. */
export const AccountIssue = Schema.Struct({
  /** The field as named on the wire: `rtp_account_score`, or `customFields.RENEWAL_DATE_C` in the typed view. */
  field: Schema.String,
  /** The value as received, as JSON text (at most 500 characters); absent when the field was missing. */
  received: Schema.optional(Schema.String),
  /** What was wrong, and what was read instead: `Expected number | a numeric string | null, actual "N/A"; read as 0 (not yet scored)`. */
  note: Schema.String
})

/** The fields of an account as read: a record's, `name` absent when it could not be read. */
const readFields = { ...recordFields, name: Schema.optional(Schema.String) }

/** The account as delivered. */
const AccountType = Schema.typeSchema(Schema.Struct({
  ...readFields,
  issues: Schema.optional(Schema.Array(AccountIssue)),
  extra: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
}))

/** A score that does not read: `0`, the reference's default ("not yet scored"). */
const scoreFallback = defaultTo(0, "not yet scored")

/**
 * What each field but the identity (`rtp_aid`, `domain`) is read as when it does not match
 * `AccountRecord`. Kept beside the record's fields (and the table in `Account`'s TSDoc in
 * `src/Account.ts`) because it is part of the schema's spec; the reader it feeds is in `internal/accountReader.ts`.
 */
const fallbacks: { readonly [K in Exclude<keyof typeof recordFields, "rtp_aid" | "domain">]: FallbackOf } = {
  externalId: decimalTextOrLeftOut,
  name: decimalTextOrLeftOut,
  rtp_account_score: scoreFallback,
  rtp_journey_stage: defaultTo("", "not yet scored"),
  rtp_advertising_activity_score: scoreFallback,
  rtp_website_intent_score: scoreFallback,
  rtp_g2_intent_score: scoreFallback,
  rtp_bombora_intent_score: scoreFallback,
  rtp_last_account_date: epochMillisAsIsoOrLeftOut,
  customFields: () => leftOut
}

const decodeRecord = Schema.decodeUnknownEither(AccountRecord, { errors: "all" })

// Compiled once: every account of every page goes through it. A record of the usual form is read
// by a plain check (`internal/cleanAccount.ts`); any other by the schema, errors named all at once.
const readAccount = makeAccountReader<typeof AccountType.Type>({
  fields: recordFields,
  decodeClean: (raw) => {
    const clean = readCleanRecord(raw)
    return clean === undefined ? decodeRecord(raw) : Either.right(clean)
  },
  identity: ["rtp_aid", "domain"],
  fallbacks,
  account: AccountType,
  annotate: (account, extra, issues) => ({
    ...account,
    ...(issues === undefined ? {} : { issues }),
    ...(extra === undefined ? {} : { extra })
  })
})

const encodeFields = Schema.encodeEither(Schema.Struct(readFields))

/** See `Account` in `src/Account.ts`. */
export const Account = Schema.transformOrFail(Schema.Unknown, AccountType, {
  strict: true,
  decode: (raw) => Either.mapLeft(readAccount(raw), (error) => error.issue),
  encode: ({ extra, issues: _, ...fields }) =>
    Either.match(encodeFields(fields), {
      onLeft: (error) => ParseResult.fail(error.issue),
      onRight: (encoded) => ParseResult.succeed(extra === undefined ? encoded : { ...encoded, ...extra })
    })
})

/** See `MalformedAccount` in `src/Account.ts`. */
export const MalformedAccount = Schema.Struct({
  /** Its position in its page's `data` as received (0-based). */
  index: Schema.Number,
  /** The JSON value as received. */
  raw: Schema.Unknown,
  /** Why it could not be read, naming the field, e.g. `rtp_aid: is missing`. */
  error: Schema.String
})

const encodeAccount = Schema.encodeSync(Account)

/** Why `raw` is not an account, naming the field (server text bounded). */
const malformedReason = (raw: unknown, error: ParseResult.ParseError): string =>
  truncate(
    typeof raw === "object" && raw !== null && !Array.isArray(raw)
      ? describeParseError(error)
      : `Expected an account object, actual ${JSON.stringify(raw) ?? String(raw)}`
  )

/** The page as sent: its items are read one by one (see `Accounts`). */
const AccountsWire = Schema.Struct({
  data: Schema.Array(Schema.Unknown),
  nextCursor: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  hasNextPage: Schema.Boolean,
  syncTimestamp: Schema.optionalWith(Schema.DateTimeUtc, { nullable: true })
})

/** What a page of `GET /accounts` is read as (see `Accounts` in `src/Account.ts`). */
const AccountsPage = Schema.Struct({
  /** The accounts that could be read, in page order. */
  data: Schema.Array(AccountType),
  /** The accounts that could not be read, in page order (usually none). */
  malformed: Schema.Array(MalformedAccount),
  /** Cursor for the next page. The live service keeps it set on the last page: page on `hasNextPage`. */
  nextCursor: Schema.NullOr(Schema.String),
  hasNextPage: Schema.Boolean,
  /** Server time of this response: the checkpoint to send as `lastSync` next time (absent if missing or `null`). */
  syncTimestamp: Schema.optional(Schema.DateTimeUtcFromSelf)
})

/** Reads the accounts of a page one by one: those that can be read, and those that cannot, with their places. */
const readPage = ({ data: items, ...page }: typeof AccountsWire.Type): typeof AccountsPage.Type => {
  const data: Array<typeof Account.Type> = []
  const malformed: Array<typeof MalformedAccount.Type> = []
  items.forEach((raw, index) => {
    const read = readAccount(raw)
    if (Either.isRight(read)) data.push(read.right)
    else malformed.push({ index, raw, error: malformedReason(raw, read.left) })
  })
  return { data, malformed, ...page }
}

/** See `Accounts` in `src/Account.ts`. */
export const Accounts = Schema.transform(AccountsWire, AccountsPage, {
  strict: true,
  decode: readPage,
  encode: ({ data, malformed, syncTimestamp, ...page }) => {
    // Back to the page as sent: the malformed items at their places among the others.
    const items: Array<unknown> = data.map((account) => encodeAccount(account))
    for (const record of [...malformed].sort((a, b) => a.index - b.index)) items.splice(record.index, 0, record.raw)
    return { data: items, ...page, ...(syncTimestamp === undefined ? {} : { syncTimestamp }) }
  }
})

const decodeWire = Schema.decodeUnknownEither(AccountsWire)

/**
 * Decodes a page as `Accounts` does, without checking again what it built: the interpreter would
 * validate every account it read against the account type, which costs more than reading them
 * (about 0.12 ms of 0.16 ms a page of 100). Held to `Accounts` by `test/accountPage.test.ts`.
 */
export const decodeAccountsPage = (body: unknown): Either.Either<typeof Accounts.Type, ParseResult.ParseError> =>
  Either.map(decodeWire(body), readPage)
