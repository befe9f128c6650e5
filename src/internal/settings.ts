/**
 * The work of `RecotapConfig`: one schema, {@link Settings}, from the options a caller gives (in
 * code, or read from `Config`) to the resolved settings. Each setting is checked by its own
 * schema, whose refusal names it; the defaults are those schemas' defaults.
 */
import * as Arr from "effect/Array"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type { RecotapConfigFromConfig, RecotapSettings, Revision, TransformClient } from "../RecotapConfig.js"

// ---------------------------------------------------------------------------- constants

const RevisionSchema = Schema.Literal("crm", "external")

export const REVISIONS: ReadonlyArray<Revision> = RevisionSchema.literals

export const BASE_URLS: Readonly<Record<Revision, string>> = {
  crm: "https://eapi.recotap.com/api/v1/crm",
  external: "https://eapi.recotap.com/api/v1"
}

export const SANDBOX_BASE_URL = "https://sandboxapi.reco-tap.com/api/v1"

export const DEFAULT_TIMEOUT: Duration.Duration = Duration.seconds(30)

export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024

// ---------------------------------------------------------------------------- one setting each

/** `schema`, whose every refusal is `rule` (which names the setting) rather than the schema's own words. */
const setting = <A, I>(schema: Schema.Schema<A, I>, rule: string): Schema.Schema<A, I> =>
  schema.annotations({ message: () => ({ message: rule, override: true }) })

/** What a duration option takes: anything `Duration.decode` reads. */
const DurationInput = Schema.declare(
  (input: unknown): input is Duration.DurationInput => Option.isSome(Duration.decodeUnknown(input)),
  { identifier: "DurationInput" }
)

const DurationFromInput = Schema.transform(DurationInput, Schema.DurationFromSelf, {
  strict: true,
  decode: Duration.decode,
  encode: identity
})

/** A duration setting: positive, or (`allowZero`) non-negative. */
const duration = (name: string, allowZero = false) =>
  setting(
    DurationFromInput.pipe(Schema.filter((value) =>
      allowZero ? !Duration.lessThan(value, Duration.zero) : Duration.greaterThan(value, Duration.zero)
    )),
    `${name} must be a ${allowZero ? "non-negative" : "positive"} duration`
  )

/** An integer setting of at least `min`. */
const integer = (name: string, min: number) =>
  setting(
    Schema.Number.pipe(Schema.filter((value) => Number.isInteger(value) && value >= min)),
    `${name} must be an integer of at least ${min}`
  )

// ---------------------------------------------------------------------------- the options

/**
 * The retry policy: what a caller may set (`RecotapConfig.RetryOptions`, in the client's
 * options and in `RecotapCallOptions`) decoded into what the client uses
 * (`RecotapConfig.RetryPolicy`), each unset field its default.
 */
export const Retry = Schema.Struct({
  /** Retries after the first attempt (default 2: at most 3 attempts). `0` disables retries. */
  maxRetries: Schema.optionalWith(integer("retry.maxRetries", 0), { default: () => 2 }),
  /** First backoff delay, doubled at each retry, with jitter (default 500 ms). */
  baseDelay: Schema.optionalWith(duration("retry.baseDelay", true), { default: () => Duration.millis(500) }),
  /** Longest backoff delay (default 8 s). */
  maxDelay: Schema.optionalWith(duration("retry.maxDelay", true), { default: () => Duration.seconds(8) }),
  /** Longest `Retry-After` the client waits for; a longer one fails at once (default 60 s). */
  maxRetryAfter: Schema.optionalWith(duration("retry.maxRetryAfter", true), { default: () => Duration.seconds(60) })
})

/** The retry policy of no options: the defaults. */
export const DEFAULT_RETRY = Schema.decodeSync(Retry)({})

const RateLimit = Schema.Struct({
  requests: integer("rateLimit.requests", 1),
  interval: duration("rateLimit.interval"),
  maxConcurrent: Schema.optional(integer("rateLimit.maxConcurrent", 1))
})

const TransformClientSchema = Schema.declare(
  (input: unknown): input is TransformClient => Predicate.isFunction(input),
  { identifier: "TransformClient" }
)

/** The options, each checked on its own; what depends on several (revision, sandbox, base URL) is resolved by {@link Settings}. */
const Options = Schema.Struct({
  revision: Schema.optional(setting(RevisionSchema, `revision must be one of ${REVISIONS.join(", ")}`)),
  sandbox: Schema.optional(Schema.Boolean),
  baseUrl: Schema.optional(Schema.Union(Schema.String, Schema.instanceOf(URL))),
  timeout: Schema.optionalWith(duration("timeout"), { default: () => DEFAULT_TIMEOUT }),
  retry: Schema.optionalWith(Retry, { default: () => DEFAULT_RETRY }),
  deadline: Schema.optional(duration("deadline")),
  rateLimit: Schema.optional(RateLimit),
  maxResponseBytes: Schema.optionalWith(integer("maxResponseBytes", 1), { default: () => DEFAULT_MAX_RESPONSE_BYTES }),
  maxRedirects: Schema.optionalWith(integer("maxRedirects", 0), { default: () => 3 }),
  allowInsecureHttp: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  dangerouslyAllowBrowser: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  transformClient: Schema.optional(TransformClientSchema)
})

/** The resolved settings, as the client reads them. */
const Resolved = Schema.Struct({
  revision: RevisionSchema,
  baseUrl: Schema.String,
  timeout: Schema.DurationFromSelf,
  retry: Schema.typeSchema(Retry),
  deadline: Schema.UndefinedOr(Schema.DurationFromSelf),
  rateLimit: Schema.UndefinedOr(Schema.typeSchema(RateLimit)),
  maxResponseBytes: Schema.Number,
  maxRedirects: Schema.Number,
  allowInsecureHttp: Schema.Boolean,
  dangerouslyAllowBrowser: Schema.Boolean,
  transformClient: Schema.UndefinedOr(TransformClientSchema)
})

// ---------------------------------------------------------------------------- the base URL

const isLoopback = (url: URL) =>
  url.hostname === "localhost" || url.hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(url.hostname)

/** Checks and normalises a base URL (see `RecotapConfig.parseBaseUrl`). */
export const parseBaseUrl = (input: string | URL, allowInsecureHttp = false): Either.Either<string, string> => {
  if (!URL.canParse(input)) return Either.left(`"${String(input)}" is not an absolute URL`)
  const url = new URL(input)
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

// ---------------------------------------------------------------------------- options to settings

/** The options a caller gives, each optional (`undefined` counts as unset). */
export type SettingsInput = Schema.Schema.Encoded<typeof Options>

/**
 * The one path from options to settings: each option checked by its schema, then the revision
 * (implied by the sandbox unless given) and the base URL (implied by both unless given) resolved.
 */
export const Settings: Schema.Schema<RecotapSettings, SettingsInput> = Schema.transformOrFail(Options, Resolved, {
  strict: true,
  decode: (options, _, ast) => {
    const { allowInsecureHttp, baseUrl, sandbox } = options
    const revision = options.revision ?? (sandbox === true ? "external" : "crm")
    if (sandbox === true && revision !== "external") {
      return ParseResult.fail(
        new ParseResult.Type(
          ast,
          sandbox,
          "the sandbox serves the External revision: use revision \"external\" with sandbox"
        )
      )
    }
    return Either.match(
      parseBaseUrl(baseUrl ?? (sandbox === true ? SANDBOX_BASE_URL : BASE_URLS[revision]), allowInsecureHttp),
      {
        onLeft: (reason) => ParseResult.fail(new ParseResult.Type(ast, baseUrl, `Invalid Recotap base URL: ${reason}`)),
        onRight: (url) =>
          ParseResult.succeed({
            revision,
            baseUrl: url,
            timeout: options.timeout,
            retry: options.retry,
            deadline: options.deadline,
            rateLimit: options.rateLimit,
            maxResponseBytes: options.maxResponseBytes,
            maxRedirects: options.maxRedirects,
            allowInsecureHttp,
            dangerouslyAllowBrowser: options.dangerouslyAllowBrowser,
            transformClient: options.transformClient
          })
      }
    )
  },
  // Settings are options that resolve to themselves.
  encode: ParseResult.succeed
})

const decodeSettings = Schema.decodeEither(Settings)

/** Resolves options into settings, or says what is wrong (the rule of the first setting refused). */
export const resolveSettings = (options: SettingsInput): Either.Either<RecotapSettings, string> =>
  Either.mapLeft(decodeSettings(options), (error) =>
    // The first issue is the setting's own: an optional setting refused is also "not undefined".
    Arr.match(ParseResult.ArrayFormatter.formatErrorSync(error), {
      onEmpty: () => error.message,
      onNonEmpty: ([first]) => first.message
    }))

/** The settings of the defaults alone: they are valid. */
export const defaultSettings = (): RecotapSettings => Schema.decodeSync(Settings)({})

/** The settings, or a `ConfigError` saying what is wrong. */
export const settingsOrConfigError = (
  options: SettingsInput
): Effect.Effect<RecotapSettings, ConfigError.ConfigError> =>
  Either.match(resolveSettings(options), {
    onLeft: (message) => Effect.fail(ConfigError.InvalidData([], message)),
    onRight: Effect.succeed
  })

// ---------------------------------------------------------------------------- from Config

/** `config`'s value, `undefined` when it finds none. */
const unlessMissing = <A>(config: Config.Config<A>): Config.Config<A | undefined> =>
  Config.map(Config.option(config), Option.getOrUndefined)

/** The options read from Config (each from its `Config`, by default its `RECOTAP_*` name), then resolved. */
export const settingsFromConfig = (
  options: RecotapConfigFromConfig
): Effect.Effect<RecotapSettings, ConfigError.ConfigError> =>
  Effect.flatMap(
    Config.all({
      revision: unlessMissing(options.revision ?? Config.literal(...REVISIONS)("RECOTAP_REVISION")),
      sandbox: unlessMissing(options.sandbox ?? Config.boolean("RECOTAP_SANDBOX")),
      baseUrl: unlessMissing(options.baseUrl ?? Config.string("RECOTAP_BASE_URL")),
      timeout: unlessMissing(options.timeout ?? Config.duration("RECOTAP_TIMEOUT")),
      deadline: unlessMissing(options.deadline ?? Config.duration("RECOTAP_DEADLINE")),
      retry: Config.all({ maxRetries: unlessMissing(options.maxRetries ?? Config.integer("RECOTAP_MAX_RETRIES")) }),
      allowInsecureHttp: unlessMissing(
        options.allowInsecureHttp ?? Config.boolean("RECOTAP_ALLOW_INSECURE_HTTP")
      ),
      dangerouslyAllowBrowser: unlessMissing(
        options.dangerouslyAllowBrowser ?? Config.boolean("RECOTAP_DANGEROUSLY_ALLOW_BROWSER")
      )
    }),
    settingsOrConfigError
  )
