/**
 * Client settings: where Recotap lives and how long a request may take.
 *
 * `RecotapConfig` is a `Context.Reference`: it has defaults, so providing it is optional.
 *
 * @module
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"

/**
 * The default base URL: the CRM revision of the docs, over https.
 * The newer "External API" revision (and the live service seen in 2026) answers at
 * `https://eapi.recotap.com/api/v1`; the sandbox at `https://sandboxapi.reco-tap.com/api/v1`.
 */
export const DEFAULT_BASE_URL = "https://eapi.recotap.com/api/v1/crm"

/** The default per-request timeout. */
export const DEFAULT_TIMEOUT: Duration.Duration = Duration.seconds(30)

/** Resolved client settings. */
export interface RecotapSettings {
  /** Base URL without trailing slash, e.g. `https://eapi.recotap.com/api/v1/crm`. */
  readonly baseUrl: string
  /** Longest a single request (sending, waiting, reading the body) may take. */
  readonly timeout: Duration.Duration
}

/** What a caller may set; everything is optional. */
export interface RecotapConfigOptions {
  readonly baseUrl?: string | URL
  readonly timeout?: Duration.DurationInput
}

/**
 * Checks and normalises a base URL: absolute http(s), no credentials, no query or fragment,
 * no trailing slash.
 */
export const parseBaseUrl = (input: string | URL): Either.Either<string, string> => {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return Either.left(`"${String(input)}" is not an absolute URL`)
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return Either.left(`the base URL must use http or https, not ${url.protocol}`)
  }
  if (url.username !== "" || url.password !== "") {
    return Either.left("the base URL must not contain credentials")
  }
  if (url.search !== "" || url.hash !== "") {
    return Either.left("the base URL must not contain a query or a fragment")
  }
  return Either.right(url.toString().replace(/\/+$/, ""))
}

const resolve = (
  options: RecotapConfigOptions,
  path: ReadonlyArray<string>
): Either.Either<RecotapSettings, ConfigError.ConfigError> => {
  const baseUrl = parseBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL)
  if (Either.isLeft(baseUrl)) {
    return Either.left(ConfigError.InvalidData([...path], `Invalid Recotap base URL: ${baseUrl.left}`))
  }
  const timeout = Duration.decodeUnknown(options.timeout ?? DEFAULT_TIMEOUT)
  if (timeout._tag === "None" || !Duration.greaterThan(timeout.value, Duration.zero)) {
    return Either.left(ConfigError.InvalidData([], "Invalid Recotap timeout: it must be a positive duration"))
  }
  return Either.right({ baseUrl: baseUrl.right, timeout: timeout.value })
}

/**
 * Client settings. Optional: without it, the client uses {@link DEFAULT_BASE_URL} and
 * {@link DEFAULT_TIMEOUT}.
 *
 * @example
 * ```ts
 * // in code
 * RecotapConfig.layer({ baseUrl: "https://sandboxapi.reco-tap.com/api/v1", timeout: "10 seconds" })
 * // from the environment: RECOTAP_BASE_URL, RECOTAP_TIMEOUT
 * RecotapConfig.layerConfig
 * ```
 */
export class RecotapConfig extends Context.Reference<RecotapConfig>()("effect-recotap/RecotapConfig", {
  defaultValue: (): RecotapSettings => ({ baseUrl: DEFAULT_BASE_URL, timeout: DEFAULT_TIMEOUT })
}) {
  /** Settings given in code; an invalid base URL or timeout fails the layer with a `ConfigError`. */
  static layer(options: RecotapConfigOptions): Layer.Layer<RecotapConfig, ConfigError.ConfigError> {
    return Layer.effect(RecotapConfig, Either.match(resolve(options, ["baseUrl"]), {
      onLeft: Effect.fail,
      onRight: Effect.succeed
    }))
  }

  /**
   * Settings read from Config: `RECOTAP_BASE_URL` (optional) and `RECOTAP_TIMEOUT` (optional,
   * a duration such as `10 seconds`). An invalid value fails the layer with a `ConfigError`.
   */
  static readonly layerConfig: Layer.Layer<RecotapConfig, ConfigError.ConfigError> = Layer.effect(
    RecotapConfig,
    Effect.gen(function*() {
      const baseUrl = yield* Config.option(Config.string("RECOTAP_BASE_URL"))
      const timeout = yield* Config.option(Config.duration("RECOTAP_TIMEOUT"))
      const options: RecotapConfigOptions = {
        ...(baseUrl._tag === "Some" ? { baseUrl: baseUrl.value } : {}),
        ...(timeout._tag === "Some" ? { timeout: timeout.value } : {})
      }
      return yield* resolve(options, ["RECOTAP_BASE_URL"])
    })
  )
}
