/**
 * The `accounts` writes: push, update, external-ID mapping, each as the configured revision
 * defines it (the API reference, §0).
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import {
  AccountInput,
  type AccountPushResult,
  AccountPushResult as AccountPushResultSchema,
  type AccountRef,
  AccountUpdate,
  ExternalIdMapping,
  MappingResponse,
  type PushAccountsOptions
} from "../Account.js"
import type { BulkOptions, BulkOutcome } from "../Bulk.js"
import { normalizeDomain } from "../Domain.js"
import type { Revision } from "../RecotapConfig.js"
import type { AccountsApi } from "../RecotapCrm.js"
import { BadRequest } from "../RecotapError.js"
import { type BulkEndpoint, matchKey, matchResults, ResultsResponse, runBulk } from "./bulk.js"
import { asTransportError, type Endpoint, type Pipeline } from "./pipeline.js"

/** Most accounts in one push, and mappings in one PATCH. */
export const MAX_ACCOUNTS_PER_REQUEST = 100
export const MAX_MAPPINGS_PER_REQUEST = 100

/**
 * The key two domains are matched by: Recotap's normalisation, and a port or a trailing dot
 * dropped too, since the service may keep or drop them in what it answers.
 */
export const domainKey = (domain: string): string =>
  normalizeDomain(domain).replace(/:\d*$/, "").replace(/\.+$/, "")

/** Pushing accounts, as the revision defines it. */
const pushAccounts = (
  revision: Revision
): BulkEndpoint<AccountInput, typeof ResultsResponse.Type, AccountPushResult, PushAccountsOptions> => ({
  operation: "accounts.push",
  method: "POST",
  path: "/accounts",
  // An upsert can be sent twice; a plain create cannot.
  safety: (options) => (options.upsert === true ? "idempotent" : "createOnly"),
  // The segment is checked before any account: if it refuses one request, it refuses them all.
  refusalIsShared: (options) => options.segmentId !== undefined,
  maxPerRequest: MAX_ACCOUNTS_PER_REQUEST,
  item: AccountInput,
  checkItem: (account) =>
    revision === "crm" && account.externalId === undefined
      ? "externalId is required: it is the CRM revision's deduplication key"
      : undefined,
  checkOptions: (options) => {
    if (options.segmentId !== undefined && options.segmentId.trim() === "") return "options.segmentId must not be blank"
    // Not sent where it is not documented: a server that refuses unknown properties would
    // refuse the whole request, and one that ignores them would not upsert.
    if (revision === "crm" && options.upsert !== undefined) {
      return "options.upsert is documented only by the External revision (set revision: \"external\")"
    }
    return undefined
  },
  body: (accounts, options) => ({
    accounts,
    ...(options.segmentId === undefined ? {} : { segmentId: options.segmentId }),
    ...(options.upsert === undefined ? {} : { upsert: options.upsert })
  }),
  response: ResultsResponse,
  // The CRM revision names results by externalId; the live External one by rtp_aid and domain.
  outcomes: (raw, batch, broken) =>
    matchResults(AccountPushResultSchema, raw.results, batch, (input, result) =>
      result.externalId != null && input.externalId !== undefined
        ? matchKey(input.externalId, result.externalId)
        : matchKey(domainKey(input.domain), result.domain == null ? result.domain : domainKey(result.domain)), broken)
})

const MapExternalIds: BulkEndpoint<ExternalIdMapping, MappingResponse, MappingResponse, BulkOptions> = {
  operation: "accounts.mapExternalIds",
  method: "PATCH",
  path: "/accounts/external-ids",
  safety: () => "idempotent",
  // The last mapping of a domain would silently win: a repeated domain is refused instead.
  uniqueKey: (mapping) => domainKey(mapping.domain),
  maxPerRequest: MAX_MAPPINGS_PER_REQUEST,
  item: ExternalIdMapping,
  body: (mappings) => ({ mappings }),
  response: MappingResponse,
  outcomes: (raw, batch, broken) => {
    const notFound = new Set(raw.notFound.map(domainKey))
    const found = batch.filter((item) => !notFound.has(domainKey(item.input.domain)))
    // `updated` may count fewer than were matched (an account that already had this ID is
    // matched, not updated), and the answer does not say which: then none claims more.
    const unsure = raw.updated < found.length || raw.matched < found.length
    return batch.map((item): BulkOutcome<ExternalIdMapping, MappingResponse> => {
      if (notFound.has(domainKey(item.input.domain))) {
        return { _tag: "Rejected", index: item.index, input: item.input, status: "notFound", error: "no Recotap account has this domain" }
      }
      return unsure
        ? {
          _tag: "Unknown",
          index: item.index,
          input: item.input,
          error: broken(
            `Recotap matched ${raw.matched} and updated ${raw.updated} of ${found.length} mappings it found, ` +
              "without saying which: this one may or may not have been written"
          )
        }
        : { _tag: "Applied", index: item.index, input: item.input, status: "updated", result: raw }
    })
  }
}

/** `PUT /accounts/:id` with the ID already checked: the body carries only the custom fields. */
const UpdateAccount: Endpoint<{ readonly segment: string } & AccountUpdate, unknown> = {
  operation: "accounts.update",
  method: "PUT",
  path: (params) => `/accounts/${params.segment}`,
  body: Schema.transform(AccountUpdate, Schema.Struct({ segment: Schema.String, ...AccountUpdate.fields }), {
    strict: true,
    decode: (body) => ({ segment: "", ...body }),
    encode: ({ customFields }) => ({ customFields })
  }),
  invalidInput: "BadRequest",
  // Documented `{ message }`; a 204 or an empty 200 is success too.
  response: Schema.Unknown
}

/**
 * The path segment of the account a revision addresses, or why the reference cannot be sent:
 * the other revision's key, a blank ID, or `.`/`..`, which URL parsing would collapse into
 * another path (`PUT /accounts/..` would reach `PUT /`).
 */
const accountSegment = (revision: Revision, ref: AccountRef): { readonly property: string; readonly segment?: string; readonly problem?: string } => {
  const byExternalId = typeof ref === "object" && ref !== null && "externalId" in ref
  const byRtpAid = typeof ref === "object" && ref !== null && "rtpAid" in ref
  if (byExternalId === byRtpAid) {
    return { property: "ref", problem: "give exactly one of { externalId } or { rtpAid }" }
  }
  const property = byExternalId ? "externalId" : "rtpAid"
  const wanted = revision === "crm" ? "externalId" : "rtpAid"
  if (property !== wanted) {
    return {
      property,
      problem: revision === "crm"
        ? "the CRM revision addresses accounts by externalId (PUT /accounts/:externalId); rtpAid needs revision \"external\""
        : "the External revision addresses accounts by rtp_aid (PUT /accounts/:rtp_aid); externalId needs revision \"crm\""
    }
  }
  const id: unknown = byExternalId
    ? (ref as { readonly externalId: unknown }).externalId
    : (ref as { readonly rtpAid: unknown }).rtpAid
  if (typeof id !== "string" || id.trim() === "") return { property, problem: `${property} must not be empty` }
  if (id === "." || id === "..") return { property, problem: `${property} "${id}" cannot be sent as a path segment` }
  return { property, segment: encodeURIComponent(id) }
}

/** Builds the account writes over a pipeline. */
export const makeAccountWrites = (pipeline: Pipeline): Pick<AccountsApi, "push" | "update" | "mapExternalIds"> => {
  const PushAccounts = pushAccounts(pipeline.revision)
  return {
    push: (accounts, options = {}) => runBulk(pipeline, PushAccounts, accounts, options),
    update: (ref, update) => {
      const { problem, property, segment } = accountSegment(pipeline.revision, ref)
      if (segment === undefined) {
        return Effect.fail(
          new BadRequest({
            method: "PUT",
            url: `${pipeline.baseUrl}/accounts/:${pipeline.revision === "crm" ? "externalId" : "rtp_aid"}`,
            serverMessage: "Bad Request",
            origin: "client",
            violations: [{ property, constraints: { accountRef: problem ?? "invalid" } }]
          })
        )
      }
      return pipeline.execute(UpdateAccount, { segment, ...update }).pipe(
        Effect.asVoid,
        Effect.catchTag("Conflict", (error) => Effect.fail(asTransportError(error)))
      )
    },
    mapExternalIds: (mappings, options = {}) => runBulk(pipeline, MapExternalIds, mappings, options)
  }
}
