/** The `accounts` resource: pull (list, pages, stream, sync), push, update, external-ID mapping. */
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import {
  AccountInput,
  type AccountPushResult,
  AccountPushResult as AccountPushResultSchema,
  Accounts,
  type AccountSyncEvent,
  AccountUpdate,
  ExternalIdMapping,
  ListAccountsParams,
  ListUnmappedParams,
  MappingResponse,
  type PushAccountsOptions,
  type SyncAccountsParams,
  UnmappedAccount
} from "../Account.js"
import type { BulkOptions, BulkOutcome } from "../Bulk.js"
import { normalizeDomain } from "../Domain.js"
import type { AccountsApi } from "../RecotapCrm.js"
import type { ReadError } from "../RecotapError.js"
import { type BulkEndpoint, matchKey, matchResults, ResultsResponse, runBulk } from "./bulk.js"
import { NonBlankString } from "./params.js"
import { asTransportError, type Endpoint, type Pipeline } from "./pipeline.js"
import { paginate } from "./paginate.js"

const ListAccounts: Endpoint<ListAccountsParams, Accounts> = {
  operation: "accounts.list",
  method: "GET",
  path: "/accounts",
  query: ListAccountsParams,
  response: Accounts
}

/** Most accounts in one push, and mappings in one PATCH. */
export const MAX_ACCOUNTS_PER_REQUEST = 100
export const MAX_MAPPINGS_PER_REQUEST = 100

const PushAccounts: BulkEndpoint<AccountInput, typeof ResultsResponse.Type, AccountPushResult, PushAccountsOptions> = {
  operation: "accounts.push",
  method: "POST",
  path: "/accounts",
  // An upsert can be sent twice; a plain create cannot.
  safety: (options) => (options.upsert === true ? "idempotent" : "createOnly"),
  // The segment is checked before any account: if it refuses one request, it refuses them all.
  refusalIsShared: (options) => options.segmentId !== undefined,
  maxPerRequest: MAX_ACCOUNTS_PER_REQUEST,
  item: AccountInput,
  checkOptions: (options) =>
    options.segmentId !== undefined && options.segmentId.trim() === "" ? "options.segmentId must not be blank" : undefined,
  body: (accounts, options) => ({
    accounts,
    ...(options.segmentId === undefined ? {} : { segmentId: options.segmentId }),
    ...(options.upsert === undefined ? {} : { upsert: options.upsert })
  }),
  response: ResultsResponse,
  outcomes: (raw, batch, broken) =>
    matchResults(AccountPushResultSchema, raw.results, batch, (input, result) =>
      result.externalId != null
        ? matchKey(input.externalId, result.externalId)
        : matchKey(normalizeDomain(input.domain), result.domain), broken)
}

const MapExternalIds: BulkEndpoint<ExternalIdMapping, MappingResponse, MappingResponse, BulkOptions> = {
  operation: "accounts.mapExternalIds",
  method: "PATCH",
  path: "/accounts/external-ids",
  safety: () => "idempotent",
  // The last mapping of a domain would silently win: a repeated domain is refused instead.
  uniqueKey: (mapping) => normalizeDomain(mapping.domain),
  maxPerRequest: MAX_MAPPINGS_PER_REQUEST,
  item: ExternalIdMapping,
  body: (mappings) => ({ mappings }),
  response: MappingResponse,
  outcomes: (raw, batch) => {
    const notFound = new Set(raw.notFound.flatMap((domain) => [domain, normalizeDomain(domain)]))
    return batch.map((item): BulkOutcome<ExternalIdMapping, MappingResponse> =>
      notFound.has(item.input.domain) || notFound.has(normalizeDomain(item.input.domain))
        ? { _tag: "Rejected", index: item.index, input: item.input, status: "notFound", error: "no Recotap account has this domain" }
        : { _tag: "Applied", index: item.index, input: item.input, status: "updated", result: raw }
    )
  }
}

const UpdateAccount: Endpoint<{ readonly externalId: string } & AccountUpdate, { readonly message?: string | undefined }> = {
  operation: "accounts.update",
  method: "PUT",
  path: (params) => `/accounts/${encodeURIComponent(params.externalId)}`,
  // The ID travels in the path: the body carries only the custom fields.
  body: Schema.transform(AccountUpdate, Schema.Struct({ externalId: NonBlankString, ...AccountUpdate.fields }), {
    strict: true,
    decode: (body) => ({ externalId: "", ...body }),
    encode: ({ customFields }) => ({ customFields })
  }),
  invalidInput: "BadRequest",
  response: Schema.Struct({ message: Schema.optional(Schema.String) })
}

const ListUnmapped: Endpoint<ListUnmappedParams, ReadonlyArray<UnmappedAccount>> = {
  operation: "accounts.listUnmapped",
  method: "GET",
  path: "/accounts/missing-external-ids",
  query: ListUnmappedParams,
  response: Schema.Array(UnmappedAccount)
}

/** Builds the accounts resource over a pipeline. */
export const makeAccounts = (pipeline: Pipeline): AccountsApi => {
  const list = (params: ListAccountsParams = {}) => pipeline.read(ListAccounts, params)

  const pages = (params: ListAccountsParams = {}) => paginate(list, params, `${pipeline.baseUrl}${ListAccounts.path}`)

  const sync = (params: SyncAccountsParams = {}): Stream.Stream<AccountSyncEvent, ReadError> =>
    Stream.unwrap(Effect.gen(function*() {
      // Fallback checkpoint, should the server omit syncTimestamp: the moment before the first request.
      const startedAt = DateTime.unsafeMake(yield* Clock.currentTimeMillis)
      let checkpoint: Option.Option<DateTime.Utc> = Option.none()
      const changed = pages(params).pipe(
        Stream.tap((page) =>
          Effect.sync(() => {
            if (Option.isNone(checkpoint)) checkpoint = Option.some(page.syncTimestamp ?? startedAt)
          })
        ),
        Stream.mapConcat((page) => page.data.map((account): AccountSyncEvent => ({ _tag: "Changed", account })))
      )
      const completed = Stream.sync((): AccountSyncEvent => ({
        _tag: "Completed",
        checkpoint: Option.getOrElse(checkpoint, () => startedAt)
      }))
      return Stream.concat(changed, completed)
    }))

  return {
    list,
    pages,
    push: (accounts, options = {}) => runBulk(pipeline, PushAccounts, accounts, options),
    update: (externalId, update) =>
      pipeline.execute(UpdateAccount, { externalId, ...update }).pipe(
        Effect.asVoid,
        Effect.catchTag("Conflict", (error) => Effect.fail(asTransportError(error)))
      ),
    mapExternalIds: (mappings, options = {}) => runBulk(pipeline, MapExternalIds, mappings, options),
    listUnmapped: (params = {}) => pipeline.read(ListUnmapped, params),
    stream: (params) => Stream.mapConcat(pages(params), (page) => page.data),
    sync
  }
}
