/**
 * The `accounts` writes: push, update, external-ID mapping, each as the configured revision
 * defines it (the API reference, §0).
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import {
  AccountInput,
  type AccountPushResult,
  AccountPushResult as AccountPushResultSchema,
  AccountUpdate,
  ExternalIdMapping,
  MappingResponse,
  type PushAccountsOptions
} from "../Account.js"
import type { BulkOptions, BulkOutcome } from "../Bulk.js"
import { normalizeDomain } from "../Domain.js"
import type { Revision } from "../RecotapConfig.js"
import type { AccountsApi } from "../RecotapCrm.js"
import {
  type BulkEndpoint,
  bulkEndpoint,
  matchKey,
  matchResults,
  resultDecoder,
  ResultsResponse,
  runBulk
} from "./bulk.js"
import { encodeCleanAccountInput } from "./cleanAccountInput.js"
import { readCleanPushResult } from "./cleanPushResult.js"
import { endpointWithPath } from "./endpoint.js"
import { Applied, Rejected, Unknown } from "./outcome.js"
import type { RequestPath } from "./requestPath.js"

/** Most accounts in one push, and mappings in one PATCH. */
export const MAX_ACCOUNTS_PER_REQUEST = 100
export const MAX_MAPPINGS_PER_REQUEST = 100

/**
 * The key two domains are matched by: Recotap's normalisation, and a port or a trailing dot
 * dropped too, since the service may keep or drop them in what it answers.
 */
export const domainKey = (domain: string): string => normalizeDomain(domain).replace(/:\d*$/, "").replace(/\.+$/, "")

/** Pushing accounts, as the revision defines it. */
const pushAccounts = (
  revision: Revision
): BulkEndpoint<AccountInput, typeof ResultsResponse.Type, AccountPushResult, PushAccountsOptions> => {
  const decodeResult = resultDecoder(AccountPushResultSchema, readCleanPushResult)
  return bulkEndpoint({
    operation: "accounts.push",
    method: "POST",
    path: "/accounts",
    // An upsert can be sent twice; a plain create cannot.
    safety: (options) => (options.upsert === true ? "idempotent" : "createOnly"),
    // The segment is checked before any account: if it refuses one request, it refuses them all.
    refusalIsShared: (options) => options.segmentId !== undefined,
    maxPerRequest: MAX_ACCOUNTS_PER_REQUEST,
    item: AccountInput,
    encodeUsualItem: encodeCleanAccountInput,
    checkItem: (account) =>
      revision === "crm" && account.externalId === undefined
        ? "externalId is required: it is the CRM revision's deduplication key"
        : undefined,
    checkOptions: (options) => {
      if (options.segmentId !== undefined && options.segmentId.trim() === "") {
        return "options.segmentId must not be blank"
      }
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
      matchResults(
        decodeResult,
        raw.results,
        batch,
        (input, result) =>
          result.externalId != null && input.externalId !== undefined
            ? matchKey(input.externalId, result.externalId)
            : matchKey(domainKey(input.domain), result.domain == null ? result.domain : domainKey(result.domain)),
        broken
      )
  })
}

const MapExternalIds: BulkEndpoint<ExternalIdMapping, MappingResponse, MappingResponse, BulkOptions> = bulkEndpoint({
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
      const { index, input } = item
      if (notFound.has(domainKey(input.domain))) {
        return Rejected({ index, input, status: "notFound", error: "no Recotap account has this domain" })
      }
      return unsure
        ? Unknown({
          index,
          input,
          error: broken(
            `Recotap matched ${raw.matched} and updated ${raw.updated} of ${found.length} mappings it found, ` +
              "without saying which: this one may or may not have been written"
          )
        })
        : Applied({ index, input, status: "updated", result: raw })
    })
  }
})

/**
 * The ID a reference gives a revision, or why it cannot be sent: the other revision's key, a
 * blank ID, or `.`/`..`, which URL parsing would collapse into another path
 * (`PUT /accounts/..` would reach `PUT /`).
 */
const refId = (
  revision: Revision,
  ref: unknown
): Either.Either<string, { readonly property?: string; readonly message: string }> => {
  const byExternalId = typeof ref === "object" && ref !== null && "externalId" in ref
  if (typeof ref !== "object" || ref === null || byExternalId === ("rtpAid" in ref)) {
    return Either.left({ message: "give exactly one of { externalId } or { rtpAid }" })
  }
  const property = byExternalId ? "externalId" : "rtpAid"
  if (property !== (revision === "crm" ? "externalId" : "rtpAid")) {
    return Either.left({
      property,
      message: revision === "crm"
        ? "the CRM revision addresses accounts by externalId (PUT /accounts/:externalId); rtpAid needs revision \"external\""
        : "the External revision addresses accounts by rtp_aid (PUT /accounts/:rtp_aid); externalId needs revision \"crm\""
    })
  }
  const id: unknown = Reflect.get(ref, property)
  if (typeof id !== "string" || id.trim() === "") {
    return Either.left({ property, message: `${property} must not be empty` })
  }
  if (id === "." || id === "..") {
    return Either.left({ property, message: `${property} "${id}" cannot be sent as a path segment` })
  }
  return Either.right(id)
}

/**
 * The path parameter of `accounts.update`: any value given as the reference is checked, and
 * gives the `:id` of the revision's `PUT /accounts/:externalId` or `PUT /accounts/:rtp_aid`.
 */
const AccountPath = (revision: Revision) =>
  Schema.transformOrFail(Schema.Struct({ id: Schema.String }), Schema.Unknown, {
    strict: true,
    decode: ({ id }) => ParseResult.succeed(revision === "crm" ? { externalId: id } : { rtpAid: id }),
    encode: (ref, _, ast) =>
      Either.match(refId(revision, ref), {
        onLeft: ({ message, property }) => {
          const issue = new ParseResult.Type(ast, ref, message)
          return ParseResult.fail(property === undefined ? issue : new ParseResult.Pointer(property, ref, issue))
        },
        onRight: (id) => ParseResult.succeed({ id })
      })
  })

/** The fields of an update only the External revision takes (seen accepted live, §2.3 [3P]). */
const EXTERNAL_ONLY = ["name", "tags"] as const

/** Why an update cannot be sent to a revision: a field the CRM revision's docs refuse. */
const updateProblems = (revision: Revision, update: AccountUpdate) =>
  revision === "crm"
    ? EXTERNAL_ONLY.filter((field) => update[field] !== undefined).map((field) => ({
      path: [field],
      message:
        `the CRM revision updates only customFields (PUT /accounts/:externalId); ${field} needs revision "external"`
    }))
    : []

/**
 * `PUT /accounts/:externalId` or `PUT /accounts/:rtp_aid`, as a revision defines it: the
 * reference is the path's parameter (a bad one is a `BadRequest` before sending); the body
 * carries the custom fields, and in the External revision `name` and `tags` too.
 */
const updateAccount = (revision: Revision) =>
  endpointWithPath({ template: "/accounts/:id", params: AccountPath(revision) }, {
    operation: "accounts.update",
    method: "PUT",
    body: AccountUpdate.pipe(Schema.filter((update) => updateProblems(revision, update))),
    // Documented `{ message }`; a 204 or an empty 200 is success too.
    response: Schema.Unknown,
    typed: ["BadRequest", "NotFound"]
  })

/** Builds the account writes over the request path. */
export const makeAccountWrites = (
  requestPath: RequestPath
): Pick<AccountsApi, "push" | "update" | "mapExternalIds"> => {
  const PushAccounts = pushAccounts(requestPath.revision)
  const UpdateAccount = updateAccount(requestPath.revision)
  return {
    push: (accounts, options = {}) => runBulk(requestPath, PushAccounts, accounts, options),
    update: (ref, update) => Effect.asVoid(requestPath.execute(UpdateAccount, { path: ref, params: update })),
    mapExternalIds: (mappings, options = {}) => runBulk(requestPath, MapExternalIds, mappings, options)
  }
}
