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
 * program.pipe(Effect.provide(RecotapCrm.live), Effect.runPromise)
 * ```
 *
 * @module
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Stream from "effect/Stream"
import type { Account, Accounts, AccountSyncEvent, ListAccountsParams, SyncAccountsParams } from "./Account.js"
import { ApiKey } from "./ApiKey.js"
import { makeAccounts } from "./internal/accounts.js"
import { makePipeline } from "./internal/pipeline.js"
import { RecotapConfig } from "./RecotapConfig.js"
import type { ReadError } from "./RecotapError.js"

/** Accounts: pull them with their Recotap scores. */
export interface AccountsApi {
  /** One page of `GET /accounts`. Invalid parameters fail before anything is sent. */
  readonly list: (params?: ListAccountsParams) => Effect.Effect<Accounts, ReadError>
  /** Every page from `params.cursor` (or the first) on, fetched as the consumer pulls. */
  readonly pages: (params?: ListAccountsParams) => Stream.Stream<Accounts, ReadError>
  /** Every account, page after page, fetched as the consumer pulls. */
  readonly stream: (params?: ListAccountsParams) => Stream.Stream<Account, ReadError>
  /**
   * A delta sync: every account changed since `lastSync` (all of them without it), then one
   * `Completed` event carrying the checkpoint to store and pass as `lastSync` next time.
   * Store the checkpoint only after processing every `Changed` event.
   */
  readonly sync: (params?: SyncAccountsParams) => Stream.Stream<AccountSyncEvent, ReadError>
}

/** Everything the client can do, grouped by resource. */
export interface RecotapCrmService {
  readonly accounts: AccountsApi
}

/** Builds the client from an `HttpClient`, an `ApiKey` and (optionally) `RecotapConfig`. */
export const make: Effect.Effect<RecotapCrmService, never, HttpClient.HttpClient | ApiKey> = Effect.gen(function*() {
  const pipeline = yield* makePipeline
  const config = yield* RecotapConfig
  return { accounts: makeAccounts(pipeline, config.baseUrl) }
})

/**
 * The Recotap CRM client. `const crm = yield* RecotapCrm`.
 *
 * Layers:
 * - `RecotapCrm.layer`: needs `HttpClient` and `ApiKey` (and reads `RecotapConfig` if given);
 *   the layer to combine with a test `HttpClient` or the simulator.
 * - `RecotapCrm.layerConfig`: key and settings from Config; needs an `HttpClient`.
 * - `RecotapCrm.live`: `layerConfig` over the platform's fetch client: production in one line.
 */
export class RecotapCrm extends Context.Tag("effect-recotap/RecotapCrm")<RecotapCrm, RecotapCrmService>() {
  static readonly layer: Layer.Layer<RecotapCrm, never, HttpClient.HttpClient | ApiKey> = Layer.effect(RecotapCrm, make)

  static readonly layerConfig: Layer.Layer<RecotapCrm, ConfigError.ConfigError, HttpClient.HttpClient> = RecotapCrm
    .layer.pipe(Layer.provide(Layer.merge(ApiKey.layerConfig(), RecotapConfig.layerConfig)))

  static readonly live: Layer.Layer<RecotapCrm, ConfigError.ConfigError> = RecotapCrm.layerConfig.pipe(
    Layer.provide(FetchHttpClient.layer)
  )
}
