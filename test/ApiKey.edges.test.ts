/**
 * The edges of the API key: blank keys, keys that cannot be a header value, a failing source,
 * each with its text; a source slower than the timeout, timed apart from the request.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { ApiKey, RecotapCrm } from "../src/index.js"
import { crmWithKeyLayer, envelope, errorEnvelope, settle, successOf } from "./helpers.js"

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

describe("a source slower than the timeout", () => {
  const page = () => envelope({ data: [], nextCursor: null, hasNextPage: false })
  const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())

  it.live("MissingApiKey (SourceFailed) within the timeout, on the real clock, not retried as a transport timeout", () => {
    const { layer, sent } = crmWithKeyLayer(page, ApiKey.layerEffect(Effect.never), { timeout: "300 millis" })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({
        _tag: "MissingApiKey",
        reason: "SourceFailed",
        detail: "the API key source did not answer within 300ms"
      })
      expect(sent).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a key that comes in time leaves the request its whole timeout: the two are timed apart", () => {
    const slowKey = ApiKey.layerEffect(Effect.as(Effect.sleep("1500 millis"), Redacted.make("rk_live_slow")))
    const slowAnswer = () => Effect.as(Effect.sleep("1500 millis"), page())
    const { layer, sent } = crmWithKeyLayer(slowAnswer, slowKey, { timeout: "2 seconds" })
    return Effect.gen(function*() {
      successOf(yield* settle(list))
      expect(sent).toHaveLength(1)
      expect(sent[0]?.headers["x-api-key"]).toBe("rk_live_slow")
    }).pipe(Effect.provide(layer))
  })

  it.effect("the source is asked once per request: its retries reuse the key", () => {
    let asked = 0
    let answers = 0
    const source = ApiKey.layerEffect(Effect.sync(() => Redacted.make(`rk_live_v${++asked}`)))
    const flaky = () => (answers++ === 0 ? errorEnvelope(503, { message: "Service Unavailable" }) : page())
    const { layer, sent } = crmWithKeyLayer(flaky, source, {})
    return Effect.gen(function*() {
      successOf(yield* settle(list))
      expect(sent.map((request) => request.headers["x-api-key"])).toEqual(["rk_live_v1", "rk_live_v1"])
      expect(asked).toBe(1)
    }).pipe(Effect.provide(layer))
  })
})
