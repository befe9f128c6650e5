/**
 * Client settings: where Recotap lives, how long a request may take, how failures are retried,
 * how fast the client may go, and what it refuses for safety.
 *
 * `RecotapConfig` is a `Context.Reference`: it has defaults, so providing it is optional.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Schema from "effect/Schema"
import * as internal from "./internal/settings.js"

/**
 * Which revision of Recotap's API the client speaks (the API reference, §0):
 *
 * - `crm` (the default): `/api/v1/crm`. Accounts are deduplicated by `externalId`, which every
 *   pushed account needs, and `accounts.update` addresses them by `externalId`. No `upsert`
 *   flag, no `domains` filter.
 * - `external`: `/api/v1`, the revision the live service and its sandbox were seen answering.
 *   Accounts are deduplicated by `domain` (`externalId` is optional), `accounts.push` takes
 *   `upsert`, `accounts.list` takes `domains`, and `accounts.update` addresses accounts by
 *   `rtp_aid`.
 *
 * @since 0.1.0
 * @category models
 */
export type Revision = "crm" | "external"

/**
 * The revisions, for checking input.
 *
 * @since 0.1.0
 * @category constants
 */
export const REVISIONS: ReadonlyArray<Revision> = internal.REVISIONS

/**
 * The production base URL of each revision.
 *
 * @since 0.1.0
 * @category constants
 */
export const BASE_URLS: Readonly<Record<Revision, string>> = internal.BASE_URLS

/**
 * The sandbox's base URL: the External revision on its own host (note the hyphen in `reco-tap`).
 *
 * @since 0.1.0
 * @category constants
 */
export const SANDBOX_BASE_URL = internal.SANDBOX_BASE_URL

/**
 * The default base URL: the CRM revision's.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_BASE_URL = BASE_URLS.crm

/**
 * The default per-attempt timeout.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_TIMEOUT: Duration.Duration = internal.DEFAULT_TIMEOUT

/**
 * How transient failures are retried: `maxRetries` (retries after the first attempt, default 2:
 * at most 3 attempts; `0` disables retries), `baseDelay` (first backoff delay, doubled at each
 * retry, with jitter; default 500 ms), `maxDelay` (longest backoff delay, default 8 s),
 * `maxRetryAfter` (longest `Retry-After` the client waits for; a longer one fails at once;
 * default 60 s).
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy extends Schema.Schema.Type<typeof internal.Retry> {}

/**
 * What a caller may set of the {@link RetryPolicy} (in {@link RecotapConfigOptions} and in
 * `RecotapCallOptions`): the same fields, each optional, durations as any `DurationInput`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions extends Schema.Schema.Encoded<typeof internal.Retry> {}

/**
 * The default retry policy.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_RETRY: RetryPolicy = internal.DEFAULT_RETRY

/**
 * A client-side rate limit, shared by every call of one `RecotapCrm`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimit {
  /** Requests allowed per `interval`. */
  readonly requests: number
  readonly interval: Duration.Duration
  /** Requests in flight at once (default: no limit). */
  readonly maxConcurrent?: number | undefined
}

/**
 * The default cap on a response body: 16 MiB.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_RESPONSE_BYTES = internal.DEFAULT_MAX_RESPONSE_BYTES

/**
 * Resolved client settings.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecotapSettings {
  /** The API revision: what `accounts.update` addresses, which fields a push needs and may send. */
  readonly revision: Revision
  /** Base URL without trailing slash, e.g. `https://eapi.recotap.com/api/v1/crm`. */
  readonly baseUrl: string
  /** Longest one attempt (sending, waiting, reading the body) may take. */
  readonly timeout: Duration.Duration
  readonly retry: RetryPolicy
  /** Longest a whole call may take, retries included (streams: each page; bulk writes: each request); none by default. */
  readonly deadline: Duration.Duration | undefined
  /** Opt-in client-side rate limit; none by default. */
  readonly rateLimit: RateLimit | undefined
  /** Largest response body read; a larger one fails. */
  readonly maxResponseBytes: number
  /** Same-origin redirects followed (default 3). Redirects to another origin are never followed. */
  readonly maxRedirects: number
  /** Allow a plain-http base URL that is not loopback (default false: the key would travel in clear). */
  readonly allowInsecureHttp: boolean
  /**
   * Build the client in a browser (default false: building it there fails with
   * `BrowserNotAllowed`, as the key would ship to every visitor).
   */
  readonly dangerouslyAllowBrowser: boolean
  /** Applied to the client's `HttpClient` once it is composed (see {@link RecotapConfigOptions.transformClient}). */
  readonly transformClient: TransformClient | undefined
}

/**
 * A change to the client's `HttpClient`, applied once when the client is built: add a proxy's
 * header, your own tracing or metrics, a circuit breaker. It receives the composed client (base
 * URL, key header, JSON headers, redirect guard, typed connection errors) and must keep its
 * error type; requests it sees carry the key in `X-Api-Key`.
 *
 * @since 0.1.0
 * @category models
 */
export type TransformClient = <E extends { readonly _tag: string }>(
  client: HttpClient.HttpClient.With<E>
) => HttpClient.HttpClient.With<E>

/**
 * What a caller may set; everything is optional.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecotapConfigOptions {
  /** `crm` (default) or `external`; sets the default base URL and the semantics that differ. */
  readonly revision?: Revision
  /** Use the sandbox (`https://sandboxapi.reco-tap.com/api/v1`), which serves the External revision. */
  readonly sandbox?: boolean
  /** Overrides the base URL the revision (or the sandbox) implies. */
  readonly baseUrl?: string | URL
  readonly timeout?: Duration.DurationInput
  readonly retry?: RetryOptions
  readonly deadline?: Duration.DurationInput
  readonly rateLimit?: {
    readonly requests: number
    readonly interval: Duration.DurationInput
    readonly maxConcurrent?: number
  }
  readonly maxResponseBytes?: number
  readonly maxRedirects?: number
  readonly allowInsecureHttp?: boolean
  /**
   * Lets the client be built in a browser, where it otherwise fails with `BrowserNotAllowed`: an
   * API key in a web page is readable by anyone who opens it. Set it only when the key may be
   * public there (a proxy adds the real one, a workspace made for a demo).
   */
  readonly dangerouslyAllowBrowser?: boolean
  /**
   * Applied to the client's `HttpClient` once it is composed, as `@effect/ai-openai` allows: e.g.
   * `(client) => HttpClient.mapRequest(client, HttpClientRequest.setHeader("x-proxy", "eu"))`.
   */
  readonly transformClient?: TransformClient
}

/**
 * Checks and normalises a base URL: absolute https (http only on loopback, unless allowed), no
 * credentials, no query or fragment, no trailing slash.
 *
 * @since 0.1.0
 * @category utils
 */
export const parseBaseUrl = (input: string | URL, allowInsecureHttp = false): Either.Either<string, string> =>
  internal.parseBaseUrl(input, allowInsecureHttp)

/**
 * Resolves options into settings, or says what is wrong.
 *
 * @since 0.1.0
 * @category utils
 */
export const resolveSettings = (options: RecotapConfigOptions): Either.Either<RecotapSettings, string> =>
  internal.resolveSettings(options)

/**
 * Where `RecotapConfig.layerConfig` reads each setting from: a `Config` per setting, each
 * defaulting to its `RECOTAP_*` name.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecotapConfigFromConfig {
  readonly revision?: Config.Config<Revision>
  readonly sandbox?: Config.Config<boolean>
  readonly baseUrl?: Config.Config<string>
  readonly timeout?: Config.Config<Duration.Duration>
  readonly deadline?: Config.Config<Duration.Duration>
  readonly maxRetries?: Config.Config<number>
  readonly allowInsecureHttp?: Config.Config<boolean>
  readonly dangerouslyAllowBrowser?: Config.Config<boolean>
}

/**
 * Client settings. Optional: without it, the client uses the defaults (see the README's
 * Configuration and Reliability sections).
 *
 * @example
 * ```ts
 * // in code
 * RecotapConfig.layer({ baseUrl: "https://sandboxapi.reco-tap.com/api/v1", timeout: "10 seconds" })
 * // from the environment: RECOTAP_REVISION, RECOTAP_SANDBOX, RECOTAP_BASE_URL, RECOTAP_TIMEOUT,
 * // RECOTAP_DEADLINE, RECOTAP_MAX_RETRIES, RECOTAP_ALLOW_INSECURE_HTTP,
 * // RECOTAP_DANGEROUSLY_ALLOW_BROWSER
 * RecotapConfig.layerConfig()
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class RecotapConfig extends Context.Reference<RecotapConfig>()("effect-recotap/RecotapConfig", {
  defaultValue: (): RecotapSettings => internal.defaultSettings()
}) {
  /**
   * Settings given in code; an invalid value fails the layer with a `ConfigError`.
   *
   * @since 0.1.0
   */
  static layer(options: RecotapConfigOptions): Layer.Layer<RecotapConfig, ConfigError.ConfigError> {
    return Layer.effect(RecotapConfig, internal.settingsOrConfigError(options))
  }

  /**
   * Settings read from Config, each optional: by default `RECOTAP_REVISION` (`crm` or
   * `external`), `RECOTAP_SANDBOX` (a boolean), `RECOTAP_BASE_URL`, `RECOTAP_TIMEOUT` and
   * `RECOTAP_DEADLINE` (durations such as `10 seconds`), `RECOTAP_MAX_RETRIES`,
   * `RECOTAP_ALLOW_INSECURE_HTTP`, `RECOTAP_DANGEROUSLY_ALLOW_BROWSER`. Give a `Config` for a setting to read it from elsewhere
   * (another name, a nested config, a constant); a setting whose Config finds no value keeps its
   * default. An invalid value fails the layer with a `ConfigError`.
   *
   * @example
   * ```ts
   * import { Config, Duration } from "effect"
   * import { RecotapConfig } from "effect-recotap"
   *
   * RecotapConfig.layerConfig({ baseUrl: Config.string("CRM_BASE_URL"), timeout: Config.succeed(Duration.seconds(5)) })
   * ```
   *
   * @since 0.1.0
   */
  static layerConfig(options: RecotapConfigFromConfig = {}): Layer.Layer<RecotapConfig, ConfigError.ConfigError> {
    return Layer.effect(RecotapConfig, internal.settingsFromConfig(options))
  }
}
