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
import type { BulkOptions } from "./Bulk.js"
import * as Schema from "effect/Schema"
import { CustomFieldValues, Domains, Instant, Limit, NonBlankString } from "./internal/params.js"

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

/**
 * An account to push. `externalId` is your CRM's ID: the deduplication key of the CRM
 * revision, and what `accounts.update` addresses. `domain` is normalised by Recotap.
 */
export const AccountInput = Schema.Struct({
  externalId: NonBlankString,
  domain: NonBlankString,
  name: NonBlankString,
  shortName: Schema.optional(Schema.String),
  linkedinUrl: Schema.optional(Schema.String),
  tags: Schema.optional(Schema.Array(Schema.String)),
  /** Values by custom-field key; every key must be an active custom field, or the item fails. */
  customFields: Schema.optional(CustomFieldValues)
})

/** @see {@link AccountInput} */
export type AccountInput = typeof AccountInput.Type

/** Options of `accounts.push`. */
export interface PushAccountsOptions extends BulkOptions {
  /** A static, active or draft segment every successfully pushed account joins (see `segments.list`). */
  readonly segmentId?: string
  /** Update accounts that already exist instead of failing them. */
  readonly upsert?: boolean
}

/** One account's entry in Recotap's answer to a push. */
export const AccountPushResult = Schema.Struct({
  externalId: Schema.optional(Schema.NullOr(Schema.String)),
  rtp_aid: Schema.optional(Schema.NullOr(Schema.String)),
  domain: Schema.optional(Schema.NullOr(Schema.String)),
  status: Schema.String,
  error: Schema.optional(Schema.NullOr(Schema.String))
})

/** @see {@link AccountPushResult} */
export type AccountPushResult = typeof AccountPushResult.Type

/** The body of `accounts.update`: custom-field values to merge (keys not sent are kept). */
export const AccountUpdate = Schema.Struct({ customFields: CustomFieldValues })

/** @see {@link AccountUpdate} */
export type AccountUpdate = typeof AccountUpdate.Type

/** An account without an external ID yet, from `accounts.listUnmapped`. */
export const UnmappedAccount = Schema.Struct({ name: Schema.String, domain: Schema.String })

/** @see {@link UnmappedAccount} */
export type UnmappedAccount = typeof UnmappedAccount.Type

/** Parameters of `accounts.listUnmapped`: how many at most (the server's default is 100). */
export const ListUnmappedParams = Schema.Struct({ limit: Schema.optional(Limit) })

/** @see {@link ListUnmappedParams} */
export type ListUnmappedParams = typeof ListUnmappedParams.Type

/** An external ID to write onto the existing account with this domain. */
export const ExternalIdMapping = Schema.Struct({ domain: NonBlankString, externalId: NonBlankString })

/** @see {@link ExternalIdMapping} */
export type ExternalIdMapping = typeof ExternalIdMapping.Type

/** Recotap's answer to one mapping request. */
export const MappingResponse = Schema.Struct({
  matched: Schema.Number,
  updated: Schema.Number,
  notFound: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true })
})

/** @see {@link MappingResponse} */
export type MappingResponse = typeof MappingResponse.Type
