/**
 * The Recotap CRM client as an Effect service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RecotapCrm } from "effect-recotap"
 *
 * const program = Effect.gen(function*() {
 *   const crm = yield* RecotapCrm
 *   const page = yield* crm.accounts.list({ limit: 50 })
 *   yield* Effect.log(`${page.data.length} accounts`)
 * })
 *
 * // Production: the key from RECOTAP_API_KEY, over fetch. Run it with `Effect.runPromise(main)`.
 * export const main = program.pipe(Effect.provide(RecotapCrm.live))
 * ```
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type {
  Account,
  AccountInput,
  AccountPushResult,
  AccountRef,
  Accounts,
  AccountSyncEvent,
  AccountUpdate,
  ExternalIdMapping,
  ListAccountsParams,
  ListUnmappedParams,
  MappingResponse,
  PushAccountsOptions,
  StreamAccountsOptions,
  SyncAccountsParams,
  UnmappedAccount
} from "./Account.js"
import { ApiKey } from "./ApiKey.js"
import type { BulkOptions, BulkResult } from "./Bulk.js"
import type { CustomField, CustomFieldInput } from "./CustomField.js"
import type { AnyDeclaration, CustomFieldMismatch, EnsuredCustomFields } from "./CustomFieldSchema.js"
import type { DealInput, DealResult } from "./Deal.js"
import type { DealPipelineInput, DealPipelineResult, DealPipelines } from "./DealStage.js"
import { makeAccounts } from "./internal/accounts.js"
import { isBrowser } from "./internal/browser.js"
import { makeCustomFields } from "./internal/customFields.js"
import { makeDeals } from "./internal/deals.js"
import { makeDealStages } from "./internal/dealStages.js"
import { makeJourneyStages } from "./internal/journeyStages.js"
import { makeRequestPath } from "./internal/requestPath.js"
import { makeSalesActivities } from "./internal/salesActivities.js"
import { makeSegments } from "./internal/segments.js"
import { type PartialRecotapCrm, testService } from "./internal/testService.js"
import { RecotapConfig, type RecotapConfigFromConfig, type Revision } from "./RecotapConfig.js"
import {
  type BadRequest,
  BrowserNotAllowed,
  type Conflict,
  type InvalidApiKey,
  type MissingApiKey,
  type NotFound,
  type ReadError
} from "./RecotapError.js"
import type { SalesActivityInput, SalesActivityResult } from "./SalesActivity.js"
import type { ListSegmentsParams, Segment, Segments } from "./Segment.js"

/**
 * Accounts: push them in, pull them back with their Recotap scores, map IDs.
 *
 * @since 0.1.0
 * @category models
 */
export interface AccountsApi {
  /**
   * One page of `GET /accounts`: the accounts in `data` (an odd field read as its fallback and
   * reported in the account's `issues`), the records that could not be read at all (no usable
   * `rtp_aid` or `domain`, or not an object) in `malformed`, with their index and raw JSON.
   * Invalid parameters fail before anything is sent.
   */
  readonly list: (params?: ListAccountsParams) => Effect.Effect<Accounts, ReadError>
  /**
   * Every page from `params.cursor` (or the first) on: the first when the consumer first pulls,
   * each next one while the consumer works on the previous (one page ahead). Each run of the
   * stream starts from that cursor again.
   */
  readonly pages: (params?: ListAccountsParams) => Stream.Stream<Accounts, ReadError>
  /**
   * Every account, page after page, one page fetched ahead (see `pages`). An account with odd
   * fields is delivered, its `issues` on it (no log line). A record that cannot be read is skipped
   * with one warning log line (`onMalformed: "skip"`, the default), or fails the stream with a
   * `Decode` `TransportError` (`onMalformed: "fail"`).
   */
  readonly stream: (params?: ListAccountsParams, options?: StreamAccountsOptions) => Stream.Stream<Account, ReadError>
  /**
   * A delta sync: every account changed since `lastSync` (all of them without it) as `Changed`,
   * each one that could not be read as `Malformed`, in page order; then one `Completed` event
   * carrying the checkpoint to store and pass as `lastSync` next time, and the counts of both.
   * Store the checkpoint only after processing every event. Each run starts afresh.
   */
  readonly sync: (params?: SyncAccountsParams) => Stream.Stream<AccountSyncEvent, ReadError>
  /**
   * Pushes any number of accounts (100 per request): one outcome per account, in input order.
   * With `segmentId`, every account pushed successfully joins that segment; with `upsert`,
   * existing accounts are updated instead of failed.
   */
  readonly push: (
    accounts: Iterable<AccountInput>,
    options?: PushAccountsOptions
  ) => Effect.Effect<BulkResult<AccountInput, AccountPushResult>, MissingApiKey | InvalidApiKey>
  /**
   * Merges custom-field values into one account: keys not sent are kept. The CRM revision
   * addresses it by `{ externalId }` (`PUT /accounts/:externalId`), the External revision by
   * `{ rtpAid }` (`PUT /accounts/:rtp_aid`). `NotFound` for an unknown ID (a 404 in Recotap's
   * documented form; any other 404 is a `TransportError`, `RouteNotFound`); `BadRequest` for an
   * unknown custom-field key, or before anything is sent for invalid input (the other
   * revision's key, an empty ID, `.` or `..`).
   */
  readonly update: (
    ref: AccountRef,
    update: AccountUpdate
  ) => Effect.Effect<void, ReadError | BadRequest | NotFound>
  /**
   * Writes your external IDs onto existing accounts matched by domain (100 per request). An
   * existing ID is overwritten; a domain with no account is `Rejected` with status `notFound`;
   * a domain given twice in one call is `Invalid` (the last mapping would silently win).
   */
  readonly mapExternalIds: (
    mappings: Iterable<ExternalIdMapping>,
    options?: BulkOptions
  ) => Effect.Effect<BulkResult<ExternalIdMapping, MappingResponse>, MissingApiKey | InvalidApiKey>
  /** Accounts that have no external ID yet (no paging: raise `limit` to see more). */
  readonly listUnmapped: (params?: ListUnmappedParams) => Effect.Effect<ReadonlyArray<UnmappedAccount>, ReadError>
}

/**
 * Account custom-field definitions.
 *
 * @since 0.1.0
 * @category models
 */
export interface CustomFieldsApi {
  /** The active custom fields. */
  readonly list: () => Effect.Effect<ReadonlyArray<CustomField>, ReadError>
  /**
   * Creates a custom field; its key is derived from the label (see `customFieldKey`).
   * `Conflict` when an active field with that key exists; `BadRequest` for invalid input.
   */
  readonly create: (input: CustomFieldInput) => Effect.Effect<CustomField, ReadError | BadRequest | Conflict>
  /**
   * Makes Recotap hold the fields of a declaration (see `CustomFieldSchema.declare`): creates those
   * that are missing, with their `labelType` (and `options`), and accepts those that exist with
   * the same type (and the same options, in any order). When any exists with another definition,
   * fails with `CustomFieldMismatch` naming each such field, and creates nothing. Running it again
   * changes nothing: one `GET`, no `POST`.
   */
  readonly ensure: (
    declaration: AnyDeclaration
  ) => Effect.Effect<EnsuredCustomFields, ReadError | BadRequest | CustomFieldMismatch>
}

/**
 * Deals, upserted by `externalDealId`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DealsApi {
  /** Upserts any number of deals (100 per request): one outcome per deal, in input order. */
  readonly push: (
    deals: Iterable<DealInput>,
    options?: BulkOptions
  ) => Effect.Effect<BulkResult<DealInput, DealResult>, MissingApiKey | InvalidApiKey>
}

/**
 * Deal pipelines and stages.
 *
 * @since 0.1.0
 * @category models
 */
export interface DealStagesApi {
  /**
   * Registers pipelines (20 per request). Create-only and all-or-nothing per request: when one
   * pipeline of a request exists already, every pipeline of that request is `Rejected` (`refused`).
   * A pipeline ID given twice in one call is `Invalid`.
   */
  readonly push: (
    pipelines: Iterable<DealPipelineInput>,
    options?: BulkOptions
  ) => Effect.Effect<BulkResult<DealPipelineInput, DealPipelineResult>, MissingApiKey | InvalidApiKey>
  /**
   * The registered pipelines: those read as `{ pipelineId, pipelineLabel, stages }` in
   * `pipelines`, any item of another shape kept as received in `unrecognized` (the shape is not
   * documented). A bare array, the `{ data }` envelope and a paginated wrapper (every page read)
   * are all accepted.
   */
  readonly list: () => Effect.Effect<DealPipelines, ReadError>
}

/**
 * Sales activities: calls and emails.
 *
 * @since 0.1.0
 * @category models
 */
export interface SalesActivitiesApi {
  /**
   * Creates any number of activities (50 per request). Create-only: a repeated
   * `externalActivityId` is `Rejected` (`failed`).
   */
  readonly push: (
    activities: Iterable<SalesActivityInput>,
    options?: BulkOptions
  ) => Effect.Effect<BulkResult<SalesActivityInput, SalesActivityResult>, MissingApiKey | InvalidApiKey>
}

/**
 * Static segments (active or draft).
 *
 * @since 0.1.0
 * @category models
 */
export interface SegmentsApi {
  /** One page of segments. */
  readonly list: (params?: ListSegmentsParams) => Effect.Effect<Segments, ReadError>
  /**
   * Every page from `params.cursor` (or the first) on: the first when the consumer first pulls,
   * each next one while the consumer works on the previous (one page ahead). Each run of the
   * stream starts from that cursor again.
   */
  readonly pages: (params?: ListSegmentsParams) => Stream.Stream<Segments, ReadError>
  /** Every segment, page after page, one page fetched ahead; each run starts again. */
  readonly stream: (params?: ListSegmentsParams) => Stream.Stream<Segment, ReadError>
}

/**
 * Journey-stage labels.
 *
 * @since 0.1.0
 * @category models
 */
export interface JourneyStagesApi {
  /** The workspace's journey stages, e.g. `Unaware`, `Aware`, `Consideration`, ... */
  readonly list: () => Effect.Effect<ReadonlyArray<string>, ReadError>
}

/**
 * Everything the client can do, grouped by resource.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecotapCrmService {
  /**
   * The API revision this client speaks (`RecotapConfig`'s `revision`): what `accounts.update`
   * addresses, which fields a push needs, which filters a list takes. `BulkSettle` reads it to
   * choose how to read accounts back.
   */
  readonly revision: Revision
  /** The base URL this client sends to, without a trailing slash (`RecotapConfig`'s `baseUrl`). */
  readonly baseUrl: string
  readonly accounts: AccountsApi
  readonly customFields: CustomFieldsApi
  readonly deals: DealsApi
  readonly dealStages: DealStagesApi
  readonly salesActivities: SalesActivitiesApi
  readonly segments: SegmentsApi
  readonly journeyStages: JourneyStagesApi
}

/**
 * Builds the client from an `HttpClient`, an `ApiKey` and (optionally) `RecotapConfig`. Its
 * rate limit (when configured) paces calls for as long as the scope lasts. In a browser it fails
 * with `BrowserNotAllowed` unless the settings say `dangerouslyAllowBrowser`.
 *
 * @since 0.1.0
 * @category constants
 */
export const make: Effect.Effect<
  RecotapCrmService,
  BrowserNotAllowed,
  HttpClient.HttpClient | ApiKey | Scope.Scope
> = Effect.gen(
  function*() {
    if (isBrowser() && !(yield* RecotapConfig).dangerouslyAllowBrowser) return yield* new BrowserNotAllowed()
    const requestPath = yield* makeRequestPath
    return {
      revision: requestPath.revision,
      baseUrl: requestPath.baseUrl,
      accounts: makeAccounts(requestPath),
      customFields: makeCustomFields(requestPath),
      deals: makeDeals(requestPath),
      dealStages: makeDealStages(requestPath),
      salesActivities: makeSalesActivities(requestPath),
      segments: makeSegments(requestPath),
      journeyStages: makeJourneyStages(requestPath)
    }
  }
)

/**
 * Where `RecotapCrm.layerConfig` reads the key and the settings from: `apiKey` (by default
 * `RECOTAP_API_KEY`) and each `RecotapConfig.layerConfig` setting.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecotapCrmFromConfig extends RecotapConfigFromConfig {
  readonly apiKey?: Config.Config<Redacted.Redacted<string>>
}

/**
 * The Recotap CRM client. `const crm = yield* RecotapCrm`.
 *
 * Layers (each but `layerTest` fails with `BrowserNotAllowed` in a browser, unless the settings
 * say `dangerouslyAllowBrowser`):
 * - `RecotapCrm.layer`: needs `HttpClient` and `ApiKey` (and reads `RecotapConfig` if given);
 *   the layer to combine with a test `HttpClient` or the simulator.
 * - `RecotapCrm.layerConfig(options?)`: key and settings from Config; needs an `HttpClient`.
 * - `RecotapCrm.live`: `layerConfig()` over the platform's fetch client: production in one line.
 * - `RecotapCrm.layerTest(methods)`: a stand-in made of the methods a test gives.
 *
 * @since 0.1.0
 * @category services
 */
export class RecotapCrm extends Context.Tag("effect-recotap/RecotapCrm")<RecotapCrm, RecotapCrmService>() {
  static readonly layer: Layer.Layer<RecotapCrm, BrowserNotAllowed, HttpClient.HttpClient | ApiKey> = Layer.scoped(
    RecotapCrm,
    make
  )

  /**
   * The client with its key and settings read from Config: `RECOTAP_API_KEY` and the
   * `RECOTAP_*` settings by default, or the `Config` given for each.
   *
   * @example
   * ```ts
   * import { Config } from "effect"
   * import { RecotapCrm } from "effect-recotap"
   *
   * RecotapCrm.layerConfig({ apiKey: Config.redacted("CRM_RECOTAP_KEY") })
   * ```
   *
   * @since 0.1.0
   */
  static layerConfig(
    options: RecotapCrmFromConfig = {}
  ): Layer.Layer<RecotapCrm, ConfigError.ConfigError | BrowserNotAllowed, HttpClient.HttpClient> {
    const { apiKey, ...settings } = options
    return RecotapCrm.layer.pipe(
      Layer.provide(Layer.merge(ApiKey.layerConfig(apiKey), RecotapConfig.layerConfig(settings)))
    )
  }

  /** `layerConfig()` over the platform's fetch client: production in one line. */
  static readonly live: Layer.Layer<RecotapCrm, ConfigError.ConfigError | BrowserNotAllowed> = RecotapCrm
    .layerConfig().pipe(
      Layer.provide(FetchHttpClient.layer)
    )

  /**
   * A stand-in for tests, made of the methods given; calling any other method dies with a
   * message naming it (`RecotapCrm.layerTest: deals.push was called, ...`), as an `Effect` or a
   * `Stream`, whichever the method returns. `revision` and `baseUrl` are those given, or else
   * the defaults of `RecotapConfig`: the `crm` revision, and the production base URL of the
   * revision (`https://eapi.recotap.com/api/v1/crm` for `crm`, `https://eapi.recotap.com/api/v1`
   * for `external`).
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { RecotapCrm } from "effect-recotap"
   *
   * RecotapCrm.layerTest({ journeyStages: { list: () => Effect.succeed(["Aware", "Customer"]) } })
   * ```
   *
   * @since 0.1.0
   */
  static layerTest(methods: PartialRecotapCrm): Layer.Layer<RecotapCrm> {
    return Layer.succeed(RecotapCrm, testService(methods))
  }
}
