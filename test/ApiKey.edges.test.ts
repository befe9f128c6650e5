/** The edges of the API key: blank keys, keys that cannot be a header value, a failing source, each with its text. */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { ApiKey } from "../src/index.js"

/** The key (or the error) the service yields for one request, the layer built within the test. */
const keyFrom = (layer: Layer.Layer<ApiKey>) =>
  Effect.flatMap(ApiKey, (apiKey) => apiKey.get).pipe(Effect.provide(layer))

describe("a blank key", () => {
  for (const [name, key] of [["empty", ""], ["spaces only", "   "], ["spaces and a tab", "  \t "]] as const) {
    it.effect(`${name}: MissingApiKey (Blank), saying the key is empty or blank`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(keyFrom(ApiKey.layer(Redacted.make(key))))
        expect(error).toMatchObject({
          _tag: "MissingApiKey",
          reason: "Blank",
          detail: "the configured API key is empty or blank"
        })
      }))
  }

  it.effect("a key with spaces around it is not blank: it is used as it is", () =>
    Effect.gen(function*() {
      const key = yield* keyFrom(ApiKey.layer(Redacted.make(" rk_live_1 ")))
      expect(Redacted.value(key)).toBe(" rk_live_1 ")
    }))
})

describe("a key that cannot be a header value", () => {
  it.effect("InvalidApiKey (NotAHeaderValue), saying why without repeating the key", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(keyFrom(ApiKey.layer(Redacted.make("rk_live_é"))))
      expect(error).toMatchObject({
        _tag: "InvalidApiKey",
        reason: "NotAHeaderValue",
        detail: "the API key contains a control or non-ASCII character and cannot be sent as a header"
      })
      expect(error.message).not.toContain("rk_live")
    }))
})

describe("a source that fails", () => {
  it.effect("MissingApiKey (SourceFailed), saying the source failed and keeping its error as cause", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(keyFrom(ApiKey.layerEffect(Effect.fail("vault sealed"))))
      expect(error).toMatchObject({
        _tag: "MissingApiKey",
        reason: "SourceFailed",
        detail: "the API key source failed",
        cause: "vault sealed"
      })
      expect(error.message).toBe("Recotap API key missing: the API key source failed")
    }))
})
