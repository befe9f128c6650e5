/**
 * Accounts as Recotap returns them: your CRM's fields plus Recotap's `rtp_*` enrichment.
 *
 * Each account of a page is read on its own, and one odd field never costs the whole account.
 * A record that matches {@link AccountRecord} (the reference's account, read tolerantly where the
 * meaning is clear: a missing or `null` score is `0`, a score sent as numeric text that number, a
 * missing or `null` journey stage `""`, a `null` optional field absent) is read as it is, with no
 * `issues`. A field that does not match is read as its fallback and reported in the account's
 * `issues` (see {@link Account}); a field the schema does not name is kept in `extra`. Only a
 * record without a usable `rtp_aid` or `domain` (missing, or not a non-blank string), or that is
 * not an object, cannot be read: it is a {@link MalformedAccount} beside the page's `data`, and
 * does not fail the page. `nextCursor` and `syncTimestamp` may be missing or `null`.
 *
 * @since 0.1.0
 */
// The account's wire spec: schemas, their TSDoc, the public names of `effect-recotap/Account`. The
// record, the page and the reading behind them are in `internal/accountRecord.ts`. Over 400 lines
// because most of it is TSDoc of what each field means and how leniently it is read.
import type * as DateTime from "effect/DateTime"
import type * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import type { BulkOptions } from "./Bulk.js"
import * as record from "./internal/accountRecord.js"
import { ItemStatus } from "./internal/outcome.js"
import { CustomFieldValues, DateInput, Domains, Limit, NonBlankString } from "./internal/params.js"

/**
 * An account record exactly as the reference describes it, and the one specification of what
 * is valid: a record it decodes is read on the fast path, with no `issues`; for any other record,
 * each field is checked by its own schema here. `rtp_aid` and `domain` must be non-blank text;
 * `rtp_last_account_date` any text (kept as sent); fields it does not name are dropped
 * (the client keeps them in `extra`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const AccountRecord = record.AccountRecord

/**
 * @see {@link AccountRecord}
 *
 * @since 0.1.0
 * @category schemas
 */
export type AccountRecord = typeof AccountRecord.Type

/**
 * One field of an account read otherwise than it was sent (see {@link Account}).
 *
 * @since 0.1.0
 * @category schemas
 */
export const AccountIssue = record.AccountIssue

/**
 * @see {@link AccountIssue}
 *
 * @since 0.1.0
 * @category schemas
 */
export type AccountIssue = typeof AccountIssue.Type

/**
 * One account, as the client reads it from a page of `GET /accounts` (decoding) and writes it back
 * (encoding). Decoding fails only for a record without a usable `rtp_aid` or `domain`, or that is
 * not an object. Any other field that does not match {@link AccountRecord} is read as its
 * fallback and reported in `issues`:
 *
 * | field | sent as | read as |
 * | --- | --- | --- |
 * | `externalId`, `name` | a number | its decimal text (a whole number beyond 2^53, which JSON parsing may have rounded: absent) |
 * | `externalId`, `name` | anything else but text (`name`: missing or `null` too) | absent |
 * | a score | anything but a number or numeric text (`"N/A"`, `""`, `true`, an object) | `0`, Recotap's "not yet scored" |
 * | `rtp_journey_stage` | anything but text | `""`, Recotap's "not yet scored" |
 * | `rtp_last_account_date` | epoch milliseconds (a number of at least 1e11) | that instant, as ISO 8601 text |
 * | `rtp_last_account_date` | anything else but text | absent |
 * | `customFields` | anything but an object (`[]`, text, a number) | absent |
 *
 * A field this schema does not name (e.g. a new `rtp_` field) is not an issue: it is kept, as
 * received, in `extra`. A clean record has neither key. Encoding writes the fields as read, and
 * those of `extra` back beside them; `issues` are not written (they describe the reading).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Account = record.Account

/**
 * The account as read: a record's fields (`name` absent when it could not be read), plus
 * `issues`, present when a field was read otherwise than sent, and `extra`, present when the
 * record had fields {@link AccountRecord} does not name (kept as received). See {@link Account}.
 *
 * @since 0.1.0
 * @category schemas
 */
export type Account = typeof Account.Type

/**
 * An account of a page that could not be read: no usable `rtp_aid` or `domain` (missing, or not
 * a non-blank string), or not an object. It does not fail its page: `accounts.list` and
 * `accounts.pages` return it in `malformed`, `accounts.sync` emits it as a `Malformed` event, and
 * `accounts.stream` skips it with a warning (or fails, with `onMalformed: "fail"`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const MalformedAccount = record.MalformedAccount

/**
 * @see {@link MalformedAccount}
 *
 * @since 0.1.0
 * @category schemas
 */
export type MalformedAccount = typeof MalformedAccount.Type

/**
 * One page of `GET /accounts`. The page's own fields are strict (`hasNextPage` must be there);
 * its accounts are read one by one with {@link Account}: those that can be read are `data`, in
 * order (with their `issues`, if any), and those that cannot are `malformed`, each with its index
 * in the page. Encoding gives the page back: the accounts as {@link Account} writes them, and the
 * malformed records, as received, at their places.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Accounts = record.Accounts

/**
 * @see {@link Accounts}
 *
 * @since 0.1.0
 * @category schemas
 */
export type Accounts = typeof Accounts.Type

/**
 * Parameters of `GET /accounts`; every one is optional.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ListAccountsParams = Schema.Struct({
  /**
   * Only accounts updated after this instant: a `Date` or `DateTime` (sent as ISO 8601 UTC), or
   * an ISO 8601 string (checked as the server checks it, and sent as given).
   */
  lastSync: Schema.optional(DateInput),
  /** Page size, a positive integer (the server's default is 100). */
  limit: Schema.optional(Limit),
  /** `nextCursor` of the previous page; omit for the first page. */
  cursor: Schema.optional(Schema.String),
  /** Only these domains (1–100), normalised by the server like pushed domains. */
  domains: Schema.optional(Domains)
})

/**
 * @see {@link ListAccountsParams}
 *
 * @since 0.1.0
 * @category schemas
 */
export type ListAccountsParams = typeof ListAccountsParams.Type

/**
 * How far before the stored checkpoint a delta sync reaches back unless told otherwise: two
 * minutes. The live service records changes to the whole second and its read model lags writes
 * by seconds, so a change made in the same second as a checkpoint, or written just before it but
 * not yet readable, would be missed by a sync that asked from the checkpoint exactly.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_SYNC_OVERLAP: Duration.DurationInput = "2 minutes"

/**
 * Parameters of a delta sync: where the previous sync left off, the page size, and how far
 * before `lastSync` to reach back.
 *
 * @since 0.1.0
 * @category models
 */
export type SyncAccountsParams = Pick<ListAccountsParams, "lastSync" | "limit" | "domains"> & {
  /**
   * How far before `lastSync` the sync asks from (default {@link DEFAULT_SYNC_OVERLAP}): accounts
   * changed in that window come again, so none changed at the edge of the checkpoint is lost.
   * `0` asks from `lastSync` exactly. A `lastSync` text that cannot be read as an instant
   * (a week date such as `2026-W17`) is sent as given.
   */
  readonly overlap?: Duration.DurationInput | undefined
}

/**
 * Options of `accounts.stream`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamAccountsOptions {
  /**
   * What to do with an account that cannot be read (see {@link MalformedAccount}): `"skip"` it
   * with one warning log line (the default), or `"fail"` the stream with a `TransportError`
   * whose `reason` is `Decode`. An account with odd fields is not one: it is delivered, with its
   * `issues`, and logs nothing (the report rides on the account; a line per account could flood
   * the logs should the service change a field's form for every account).
   */
  readonly onMalformed?: "skip" | "fail" | undefined
}

/**
 * One step of a delta sync, in page order: a changed account, an account that could not be read,
 * or (last) the checkpoint to store with the counts. `A` is the account as read: {@link Account},
 * or a typed account of `CustomFieldSchema`.
 *
 * @since 0.1.0
 * @category models
 */
export type AccountSyncEvent<A = Account> =
  | { readonly _tag: "Changed"; readonly account: A }
  | { readonly _tag: "Malformed"; readonly record: MalformedAccount }
  | {
    readonly _tag: "Completed"
    /** Send this as `lastSync` next time: the server time of the sync's first page. */
    readonly checkpoint: DateTime.Utc
    /** How many `Changed` events this sync emitted. */
    readonly changed: number
    /** How many `Malformed` events this sync emitted. */
    readonly malformed: number
  }

/**
 * An account to push. `externalId` is your CRM's ID: in the CRM revision it is required, the
 * deduplication key, and what `accounts.update` addresses; in the External revision it is
 * optional and informational (the domain is the key there). `domain` is normalised by Recotap.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AccountInput = Schema.Struct({
  externalId: Schema.optional(NonBlankString),
  domain: NonBlankString,
  name: NonBlankString,
  shortName: Schema.optional(Schema.String),
  linkedinUrl: Schema.optional(Schema.String),
  tags: Schema.optional(Schema.Array(Schema.String)),
  /** Values by custom-field key; every key must be an active custom field, or the item fails. */
  customFields: Schema.optional(CustomFieldValues)
})

/**
 * @see {@link AccountInput}
 *
 * @since 0.1.0
 * @category schemas
 */
export type AccountInput = typeof AccountInput.Type

/**
 * Options of `accounts.push`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PushAccountsOptions extends BulkOptions {
  /** A static, active or draft segment every successfully pushed account joins (see `segments.list`). */
  readonly segmentId?: string
  /**
   * Update accounts whose domain already exists instead of failing them. External revision
   * only: the CRM revision documents no such flag, so there every item is `Invalid` rather
   * than risk the whole request being refused for an unknown property.
   */
  readonly upsert?: boolean
}

/**
 * One account's entry in Recotap's answer to a push.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AccountPushResult = Schema.Struct({
  externalId: Schema.optional(Schema.NullOr(Schema.String)),
  rtp_aid: Schema.optional(Schema.NullOr(Schema.String)),
  domain: Schema.optional(Schema.NullOr(Schema.String)),
  /** Documented: `created`, `updated`, `failed` (the API reference, §2.2); other text is kept. */
  status: ItemStatus("created", "updated", "failed"),
  error: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * @see {@link AccountPushResult}
 *
 * @since 0.1.0
 * @category schemas
 */
export type AccountPushResult = typeof AccountPushResult.Type

/**
 * Which account `accounts.update` addresses: by `externalId` in the CRM revision
 * (`PUT /accounts/:externalId`), by Recotap's `rtp_aid` in the External revision
 * (`PUT /accounts/:rtp_aid`). The other one is refused locally with a `BadRequest`.
 *
 * @since 0.1.0
 * @category models
 */
export type AccountRef = { readonly externalId: string } | { readonly rtpAid: string }

/**
 * The body of `accounts.update`: custom-field values to merge (keys not sent are kept), and, in
 * the External revision only, a new `name` and `tags`.
 *
 * `name` and `tags` follow what the live External API was seen doing (the API reference, §2.3,
 * a third-party observation): it accepted `{ name, tags }` with a 200, although its docs say
 * only `customFields` is accepted. The CRM revision's docs say the same and nothing contradicts
 * them there, so with `revision: "crm"` they are refused before sending (`BadRequest`, `origin:
 * "client"`). Should the service refuse them after all, the answer is its `BadRequest`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const AccountUpdate = Schema.Struct({
  customFields: Schema.optional(CustomFieldValues),
  /** The company name (External revision only). */
  name: Schema.optional(NonBlankString),
  /** The account's tags (External revision only; whether they replace the account's or add to them is not documented). */
  tags: Schema.optional(Schema.Array(Schema.String))
})

/**
 * @see {@link AccountUpdate}
 *
 * @since 0.1.0
 * @category schemas
 */
export type AccountUpdate = typeof AccountUpdate.Type

/**
 * An account without an external ID yet, from `accounts.listUnmapped`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UnmappedAccount = Schema.Struct({ name: Schema.String, domain: Schema.String })

/**
 * @see {@link UnmappedAccount}
 *
 * @since 0.1.0
 * @category schemas
 */
export type UnmappedAccount = typeof UnmappedAccount.Type

/**
 * Parameters of `accounts.listUnmapped`: how many at most (the server's default is 100).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ListUnmappedParams = Schema.Struct({ limit: Schema.optional(Limit) })

/**
 * @see {@link ListUnmappedParams}
 *
 * @since 0.1.0
 * @category schemas
 */
export type ListUnmappedParams = typeof ListUnmappedParams.Type

/**
 * An external ID to write onto the existing account with this domain.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ExternalIdMapping = Schema.Struct({ domain: NonBlankString, externalId: NonBlankString })

/**
 * @see {@link ExternalIdMapping}
 *
 * @since 0.1.0
 * @category schemas
 */
export type ExternalIdMapping = typeof ExternalIdMapping.Type

/**
 * Recotap's answer to one mapping request.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MappingResponse = Schema.Struct({
  matched: Schema.Number,
  updated: Schema.Number,
  notFound: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true })
})

/**
 * @see {@link MappingResponse}
 *
 * @since 0.1.0
 * @category schemas
 */
export type MappingResponse = typeof MappingResponse.Type
