import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { ApiKey } from "../../src/ApiKey.js"
import { makeAuthorize } from "../../src/internal/httpClient.js"

const serviceOf = (layer: Layer.Layer<ApiKey, unknown>) => Effect.provide(ApiKey, layer)
const request = HttpClientRequest.get("/accounts")

describe("a fixed key says it is fixed", () => {
  it.effect("ApiKey.layer and layerConfig carry their answer; layerEffect does not", () =>
    Effect.gen(function*() {
      const fixed = yield* serviceOf(ApiKey.layer(Redacted.make("k-1")))
      expect(Either.map(fixed.fixed!, Redacted.value)).toEqual(Either.right("k-1"))
      const blank = yield* serviceOf(ApiKey.layer(Redacted.make(" ")))
      expect(Either.isLeft(blank.fixed!) && blank.fixed.left.reason).toBe("Blank")
      const none = yield* serviceOf(ApiKey.layerConfig()).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
      )
      expect(Either.isLeft(none.fixed!) && none.fixed.left.reason).toBe("NotConfigured")
      const source = yield* serviceOf(ApiKey.layerEffect(Effect.succeed(Redacted.make("k-2"))))
      expect(source.fixed).toBeUndefined()
    }))

  it.live("makeAuthorize uses a fixed key as is, and times a key source", () =>
    Effect.gen(function*() {
      const key = Redacted.make("k-3")
      // A fixed answer is used, not `get`: the timeout cannot apply to it.
      const authorized = yield* makeAuthorize({ get: Effect.never, fixed: Either.right(key) })(request, Duration.zero)
      expect(authorized.headers["x-api-key"]).toBe("k-3")
      const slow = yield* Effect.flip(makeAuthorize({ get: Effect.never })(request, Duration.millis(5)))
      expect(slow).toMatchObject({ _tag: "MissingApiKey", reason: "SourceFailed" })
      const fromSource = yield* makeAuthorize({ get: Effect.succeed(key) })(request, Duration.seconds(1))
      expect(fromSource.headers["x-api-key"]).toBe("k-3")
    }))
})
