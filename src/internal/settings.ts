/**
 * The work of `RecotapConfig`: the default values, and options checked and resolved into
 * settings (in code, or read from `Config`).
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type {
  RecotapConfigFromConfig,
  RecotapConfigOptions,
  RecotapSettings,
  RetryPolicy,
  Revision
} from "../RecotapConfig.js"

// ---------------------------------------------------------------------------- defaults

export const REVISIONS: ReadonlyArray<Revision> = ["crm", "external"]

export const BASE_URLS: Readonly<Record<Revision, string>> = {
  crm: "https://eapi.recotap.com/api/v1/crm",
  external: "https://eapi.recotap.com/api/v1"
}

export const SANDBOX_BASE_URL = "https://sandboxapi.reco-tap.com/api/v1"

export const DEFAULT_TIMEOUT: Duration.Duration = Duration.seconds(30)

export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 2,
  baseDelay: Duration.millis(500),
  maxDelay: Duration.seconds(8),
  maxRetryAfter: Duration.seconds(60)
}

export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024

// ---------------------------------------------------------------------------- checks

const isLoopback = (url: URL) =>
  url.hostname === "localhost" || url.hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(url.hostname)

/** Checks and normalises a base URL (see `RecotapConfig.parseBaseUrl`). */
export const parseBaseUrl = (input: string | URL, allowInsecureHttp = false): Either.Either<string, string> => {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return Either.left(`"${String(input)}" is not an absolute URL`)
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return Either.left(`the base URL must use http or https, not ${url.protocol}`)
  }
  if (url.protocol === "http:" && !isLoopback(url) && !allowInsecureHttp) {
    return Either.left(
      `plain http to ${url.host} would send the API key in clear text: use https (or set allowInsecureHttp)`
    )
  }
  if (url.username !== "" || url.password !== "") {
    return Either.left("the base URL must not contain credentials")
  }
  if (url.search !== "" || url.hash !== "") {
    return Either.left("the base URL must not contain a query or a fragment")
  }
  return Either.right(url.toString().replace(/\/+$/, ""))
}

/** A setting refused: thrown by the checks, caught once by {@link resolveSettings}. */
class Invalid {
  constructor(readonly message: string) {}
}

const duration = (
  name: string,
  input: Duration.DurationInput | undefined,
  fallback: Duration.Duration,
  allowZero = false
) => {
  const decoded = Duration.decodeUnknown(input ?? fallback)
  if (
    decoded._tag === "None" ||
    (allowZero
      ? Duration.lessThan(decoded.value, Duration.zero)
      : !Duration.greaterThan(decoded.value, Duration.zero))
  ) {
    throw new Invalid(`${name} must be a ${allowZero ? "non-negative" : "positive"} duration`)
  }
  return decoded.value
}

const integer = (name: string, input: number | undefined, fallback: number, min: number) => {
  const value = input ?? fallback
  if (!Number.isInteger(value) || value < min) throw new Invalid(`${name} must be an integer of at least ${min}`)
  return value
}

const revisionOf = (options: RecotapConfigOptions): Revision => {
  const revision = options.revision ?? (options.sandbox === true ? "external" : "crm")
  if (!REVISIONS.includes(revision)) throw new Invalid(`revision must be one of ${REVISIONS.join(", ")}`)
  if (options.sandbox === true && revision !== "external") {
    throw new Invalid("the sandbox serves the External revision: use revision \"external\" with sandbox")
  }
  return revision
}

const settings = (options: RecotapConfigOptions): RecotapSettings => {
  const allowInsecureHttp = options.allowInsecureHttp ?? false
  const revision = revisionOf(options)
  const baseUrl = parseBaseUrl(
    options.baseUrl ?? (options.sandbox === true ? SANDBOX_BASE_URL : BASE_URLS[revision]),
    allowInsecureHttp
  )
  if (Either.isLeft(baseUrl)) throw new Invalid(`Invalid Recotap base URL: ${baseUrl.left}`)
  const retry = options.retry ?? {}
  const rateLimit = options.rateLimit
  return {
    revision,
    baseUrl: baseUrl.right,
    timeout: duration("timeout", options.timeout, DEFAULT_TIMEOUT),
    retry: {
      maxRetries: integer("retry.maxRetries", retry.maxRetries, DEFAULT_RETRY.maxRetries, 0),
      baseDelay: duration("retry.baseDelay", retry.baseDelay, DEFAULT_RETRY.baseDelay, true),
      maxDelay: duration("retry.maxDelay", retry.maxDelay, DEFAULT_RETRY.maxDelay, true),
      maxRetryAfter: duration("retry.maxRetryAfter", retry.maxRetryAfter, DEFAULT_RETRY.maxRetryAfter, true)
    },
    deadline: options.deadline === undefined ? undefined : duration("deadline", options.deadline, Duration.zero),
    rateLimit: rateLimit === undefined ? undefined : {
      requests: integer("rateLimit.requests", rateLimit.requests, 1, 1),
      interval: duration("rateLimit.interval", rateLimit.interval, Duration.zero),
      maxConcurrent: rateLimit.maxConcurrent === undefined
        ? undefined
        : integer("rateLimit.maxConcurrent", rateLimit.maxConcurrent, 1, 1)
    },
    maxResponseBytes: integer("maxResponseBytes", options.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES, 1),
    maxRedirects: integer("maxRedirects", options.maxRedirects, 3, 0),
    allowInsecureHttp,
    transformClient: options.transformClient
  }
}

/** Resolves options into settings, or says what is wrong. */
export const resolveSettings = (options: RecotapConfigOptions): Either.Either<RecotapSettings, string> => {
  try {
    return Either.right(settings(options))
  } catch (error) {
    if (error instanceof Invalid) return Either.left(error.message)
    throw error
  }
}

/** The settings of the defaults alone: they are valid. */
export const defaultSettings = (): RecotapSettings => settings({})

/** The settings, or a `ConfigError` saying what is wrong. */
export const settingsOrConfigError = (
  options: RecotapConfigOptions
): Effect.Effect<RecotapSettings, ConfigError.ConfigError> =>
  Either.match(resolveSettings(options), {
    onLeft: (message) => Effect.fail(ConfigError.InvalidData([], message)),
    onRight: Effect.succeed
  })

// ---------------------------------------------------------------------------- from Config

/** Each setting read from its `Config` (by default its `RECOTAP_*` name), then resolved. */
export const settingsFromConfig = (
  options: RecotapConfigFromConfig
): Effect.Effect<RecotapSettings, ConfigError.ConfigError> =>
  Effect.gen(function*() {
    const read = <A>(config: Config.Config<A> | undefined, fallback: Config.Config<A>) =>
      Effect.map(Config.option(config ?? fallback), Option.getOrUndefined)
    const revision = yield* read(options.revision, Config.literal(...REVISIONS)("RECOTAP_REVISION"))
    const sandbox = yield* read(options.sandbox, Config.boolean("RECOTAP_SANDBOX"))
    const baseUrl = yield* read(options.baseUrl, Config.string("RECOTAP_BASE_URL"))
    const timeout = yield* read(options.timeout, Config.duration("RECOTAP_TIMEOUT"))
    const deadline = yield* read(options.deadline, Config.duration("RECOTAP_DEADLINE"))
    const maxRetries = yield* read(options.maxRetries, Config.integer("RECOTAP_MAX_RETRIES"))
    const allowInsecureHttp = yield* read(options.allowInsecureHttp, Config.boolean("RECOTAP_ALLOW_INSECURE_HTTP"))
    return yield* settingsOrConfigError({
      ...(revision === undefined ? {} : { revision }),
      ...(sandbox === undefined ? {} : { sandbox }),
      ...(baseUrl === undefined ? {} : { baseUrl }),
      ...(timeout === undefined ? {} : { timeout }),
      ...(deadline === undefined ? {} : { deadline }),
      ...(allowInsecureHttp === undefined ? {} : { allowInsecureHttp }),
      ...(maxRetries === undefined ? {} : { retry: { maxRetries } })
    })
  })
