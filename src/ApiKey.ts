/**
 * The Recotap API key, as a service.
 *
 * The key stays `Redacted` from its source to the one line that sets the `X-Api-Key` header.
 * It is checked on every request: a missing or blank key fails with `MissingApiKey`, a key that
 * cannot be a header value with `InvalidApiKey`, and in both cases nothing is sent.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { InvalidApiKey, MissingApiKey } from "./RecotapError.js"

/**
 * The name of the environment variable (Config key) that production reads the key from.
 *
 * @since 0.1.0
 * @category constants
 */
export const API_KEY_CONFIG_NAME = "RECOTAP_API_KEY"

/**
 * The ApiKey service: an effect that yields a usable key for one request.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiKeyService {
  /** Resolves and checks the key; run once per request (its retries reuse it), so a rotated key is picked up. */
  readonly get: Effect.Effect<Redacted.Redacted<string>, MissingApiKey | InvalidApiKey>
  /**
   * What `get` answers, when it is known without running anything (`layer`, `layerConfig`): a
   * fixed key is not timed as a key source is. Absent for a source that is asked every time.
   */
  readonly fixed?: Either.Either<Redacted.Redacted<string>, MissingApiKey | InvalidApiKey>
}

// Printable ASCII only: anything else (CR, LF, other controls, non-ASCII) cannot be a header value.
const notAHeaderValue = /[^\x20-\x7e]/

/**
 * Checks that a key can be sent: not blank, and only printable ASCII.
 * The error never repeats the key or any part of it.
 *
 * @since 0.1.0
 * @category utils
 */
export const validate = (
  key: Redacted.Redacted<string>
): Effect.Effect<Redacted.Redacted<string>, MissingApiKey | InvalidApiKey> => answer(check(key))

/** {@link validate}, answered at once. */
const check = (
  key: Redacted.Redacted<string>
): Either.Either<Redacted.Redacted<string>, MissingApiKey | InvalidApiKey> => {
  const value = Redacted.value(key)
  if (value.trim() === "") {
    return Either.left(new MissingApiKey({ reason: "Blank", detail: "the configured API key is empty or blank" }))
  }
  if (notAHeaderValue.test(value)) {
    return Either.left(
      new InvalidApiKey({
        reason: "NotAHeaderValue",
        detail: "the API key contains a control or non-ASCII character and cannot be sent as a header"
      })
    )
  }
  return Either.right(key)
}

const answer = <A, E>(either: Either.Either<A, E>): Effect.Effect<A, E> =>
  Either.match(either, { onLeft: Effect.fail, onRight: Effect.succeed })

const notConfigured = new MissingApiKey({
  reason: "NotConfigured",
  detail: `no API key configured (set ${API_KEY_CONFIG_NAME})`
})

/** The service of a key known once for all: checked once, answered at once. */
const fixedKey = (fixed: Either.Either<Redacted.Redacted<string>, MissingApiKey | InvalidApiKey>): ApiKeyService => ({
  get: answer(fixed),
  fixed
})

/**
 * The Recotap API key service. Build it with one of the static layers.
 *
 * @example
 * ```ts
 * // production: read RECOTAP_API_KEY
 * ApiKey.layerConfig()
 * // a fixed key (tests, scripts)
 * ApiKey.layer(Redacted.make("my-key"))
 * // a secrets manager, asked on every request
 * ApiKey.layerEffect(SecretsManager.pipe(Effect.flatMap((sm) => sm.get("recotap"))))
 * ```
 *
 * @since 0.1.0
 * @category services
 */
export class ApiKey extends Context.Tag("effect-recotap/ApiKey")<ApiKey, ApiKeyService>() {
  /**
   * A fixed key.
   *
   * @since 0.1.0
   */
  static layer(key: Redacted.Redacted<string>): Layer.Layer<ApiKey> {
    return Layer.succeed(ApiKey, fixedKey(check(key)))
  }

  /**
   * A key read from Config, `RECOTAP_API_KEY` by default, as `Redacted`. A missing key does not
   * fail the layer: every call fails with `MissingApiKey` instead, and nothing is sent.
   *
   * @since 0.1.0
   */
  static layerConfig(
    config: Config.Config<Redacted.Redacted<string>> = Config.redacted(API_KEY_CONFIG_NAME)
  ): Layer.Layer<ApiKey, ConfigError.ConfigError> {
    return Layer.effect(
      ApiKey,
      Effect.map(
        Config.option(config),
        (key) => fixedKey(Option.match(key, { onNone: () => Either.left(notConfigured), onSome: check }))
      )
    )
  }

  /**
   * A key produced by an effect (a secrets manager, a rotating vault), run on every request so
   * that a rotated key is used without rebuilding layers (a request's retries reuse its key).
   * `None` means no key. A failure of the source becomes `MissingApiKey` with reason
   * `SourceFailed`, keeping the source's error as cause; so does a source that does not answer
   * within the client's `timeout`, timed on its own: the request's timeout starts once the key
   * is there, and nothing is sent without one.
   *
   * @since 0.1.0
   */
  static layerEffect<E, R>(
    source: Effect.Effect<Redacted.Redacted<string> | Option.Option<Redacted.Redacted<string>>, E, R>
  ): Layer.Layer<ApiKey, never, R> {
    return Layer.effect(
      ApiKey,
      Effect.map(Effect.context<R>(), (context) => ({
        get: source.pipe(
          Effect.provide(context),
          Effect.mapError((cause) =>
            new MissingApiKey({ reason: "SourceFailed", detail: "the API key source failed", cause })
          ),
          Effect.flatMap((key) =>
            Option.isOption(key)
              ? Option.match(key, { onNone: () => Effect.fail(notConfigured), onSome: validate })
              : validate(key)
          )
        )
      }))
    )
  }
}
