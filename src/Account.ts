/**
 * Accounts as Recotap returns them: your CRM's fields plus Recotap's `rtp_*` enrichment.
 *
 * Decoding is tolerant where the docs are unsure or the live service differs: missing or
 * `null` scores read as `0` and a missing journey stage as `""` (both mean "not yet scored"),
 * `externalId` may be absent (accounts Recotap found itself), and `syncTimestamp` may be absent.
 *
 * @module
 */
import type * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import { Domains, Instant, Limit } from "./internal/params.js"

const score = Schema.optionalWith(Schema.Number, { default: () => 0, nullable: true })

/** One account with its Recotap scores. */
export const Account = Schema.Struct({
  /** Your CRM's ID as pushed; absent for accounts that were not pushed by you. */
  externalId: Schema.optional(Schema.NullOr(Schema.String)),
  /** Company name (the live service may return it lower-cased). */
  name: Schema.String,
  /** Primary domain, normalised, e.g. `acme.com`. */
  domain: Schema.String,
  /** Recotap's own account ID. */
  rtp_aid: Schema.String,
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
  /** When Recotap last updated this account, as the ISO 8601 text the server sent. */
  rtp_last_account_date: Schema.optional(Schema.NullOr(Schema.String)),
  /** Custom-field key → value (values may be `null`); present when the service sends it. */
  customFields: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

/** @see {@link Account} */
export type Account = typeof Account.Type

/** One page of `GET /accounts`. */
export const Accounts = Schema.Struct({
  data: Schema.Array(Account),
  /** Cursor for the next page. The live service keeps it set on the last page: page on `hasNextPage`. */
  nextCursor: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  hasNextPage: Schema.Boolean,
  /** Server time of this response: the checkpoint to send as `lastSync` next time. */
  syncTimestamp: Schema.optional(Schema.DateTimeUtc)
})

/** @see {@link Accounts} */
export type Accounts = typeof Accounts.Type

/** Parameters of `GET /accounts`; every one is optional. */
export const ListAccountsParams = Schema.Struct({
  /** Only accounts updated after this instant (sent as ISO 8601). */
  lastSync: Schema.optional(Instant),
  /** Page size, a positive integer (the server's default is 100). */
  limit: Schema.optional(Limit),
  /** `nextCursor` of the previous page; omit for the first page. */
  cursor: Schema.optional(Schema.String),
  /** Only these domains (1–100), normalised by the server like pushed domains. */
  domains: Schema.optional(Domains)
})

/** @see {@link ListAccountsParams} */
export type ListAccountsParams = typeof ListAccountsParams.Type

/** Parameters of a delta sync: where the previous sync left off, and the page size. */
export type SyncAccountsParams = Pick<ListAccountsParams, "lastSync" | "limit" | "domains">

/** One step of a delta sync: a changed account, or (last) the checkpoint to store. */
export type AccountSyncEvent =
  | { readonly _tag: "Changed"; readonly account: Account }
  | {
    readonly _tag: "Completed"
    /** Send this as `lastSync` next time: the server time of the sync's first page. */
    readonly checkpoint: DateTime.Utc
  }
