/**
 * effect-recotap: the Effect-native client for the Recotap CRM API.
 *
 * The root names only what is Recotap's: the service (`RecotapCrm`) and its layers, the key and
 * settings services, the errors, and the schemas of what is sent and received. Every module is
 * also a subpath of its own, whole (`effect-recotap/Bulk`, `effect-recotap/RecotapConfig`, ...),
 * with the helpers and constants that would be too generic here.
 *
 * @since 0.1.0
 */

export {
  Account,
  AccountInput,
  AccountIssue,
  AccountPushResult,
  type AccountRef,
  Accounts,
  type AccountSyncEvent,
  AccountUpdate,
  ExternalIdMapping,
  ListAccountsParams,
  ListUnmappedParams,
  MalformedAccount,
  MappingResponse,
  type PushAccountsOptions,
  type StreamAccountsOptions,
  type SyncAccountsParams,
  UnmappedAccount
} from "./Account.js"

/**
 * A delta sync that keeps its checkpoint in a `KeyValueStore` and runs on a `Schedule`:
 * `AccountSyncJob.runOnce(options)`, `AccountSyncJob.schedule(options, policy)`.
 *
 * @since 0.1.0
 */
export * as AccountSyncJob from "./AccountSyncJob.js"

export { CheckpointCorrupt } from "./AccountSyncJob.js"

export { API_KEY_CONFIG_NAME, ApiKey, type ApiKeyService } from "./ApiKey.js"

/**
 * Bulk outcomes and their helpers: `Bulk.unknownInputs(result)`, `Bulk.unavailableInputs(result)`,
 * `Bulk.summarize(outcomes)`.
 *
 * @since 0.1.0
 */
export * as Bulk from "./Bulk.js"

export { type BulkOptions, type BulkOutcome, type BulkResult, type BulkSummary } from "./Bulk.js"

/**
 * Bulk writes run until every item is settled: `BulkSettle.settleAccountPush(accounts)`, ...
 *
 * @since 0.1.0
 */
export * as BulkSettle from "./BulkSettle.js"

export { CustomField, CustomFieldInput, customFieldKey, LabelType } from "./CustomField.js"

/**
 * Typed custom fields: declare the workspace's fields once (`CustomFieldSchema.declare`), ensure
 * they exist (`crm.customFields.ensure`), and read and write accounts with typed values
 * (`CustomFieldSchema.typed`).
 *
 * @since 0.1.0
 */
export * as CustomFieldSchema from "./CustomFieldSchema.js"

export { CustomFieldMismatch } from "./CustomFieldSchema.js"

export { type AssociatedAccount, DealInput, DealResult } from "./Deal.js"

export {
  DealPipeline,
  DealPipelineInput,
  DealPipelineResult,
  DealPipelines,
  DealStageInput,
  UnrecognizedDealPipeline
} from "./DealStage.js"

export { normalizeDomain } from "./Domain.js"

export { RecotapCallOptions } from "./RecotapCallOptions.js"

/**
 * The client's metrics (Effect `Metric`s): requests by operation and status, their durations,
 * retries, time paused by 429s, bulk outcomes, sync runs, records and dead letters.
 *
 * @since 0.1.0
 */
export * as RecotapMetrics from "./RecotapMetrics.js"

export {
  type RateLimit,
  RecotapConfig,
  type RecotapConfigOptions,
  type RecotapSettings,
  type RetryPolicy,
  type Revision,
  type TransformClient
} from "./RecotapConfig.js"

export {
  type AccountsApi,
  type CustomFieldsApi,
  type DealsApi,
  type DealStagesApi,
  type JourneyStagesApi,
  RecotapCrm,
  type RecotapCrmService,
  type SalesActivitiesApi,
  type SegmentsApi
} from "./RecotapCrm.js"

export {
  BadRequest,
  BrowserNotAllowed,
  Conflict,
  InvalidApiKey,
  type InvalidApiKeyReason,
  MissingApiKey,
  type MissingApiKeyReason,
  NotFound,
  type ReadError,
  type RecotapError,
  TransportError,
  type TransportErrorReason,
  Violation
} from "./RecotapError.js"

export { type CallActivity, type EmailActivity, SalesActivityInput, SalesActivityResult } from "./SalesActivity.js"

export { ListSegmentsParams, Segment, Segments } from "./Segment.js"
