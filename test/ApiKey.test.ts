import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { ApiKey, RecotapCrm } from "../src/index.js"
import { account, crmWith, envelope, errorEnvelope, fakeHttp, json } from "./helpers.js"

const onePage = () => envelope({ data: [account(1)], nextCursor: null, hasNextPage: false })

const listWith = (keyLayer: Layer.Layer<ApiKey, unknown>) => {
  const http = fakeHttp(onePage)
  const layer = RecotapCrm.layer.pipe(Layer.provide(Layer.merge(http.layer, keyLayer)))
  return {
    sent: http.sent,
    run: Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list()).pipe(Effect.provide(layer))
  }
}

const fromEnv = (env: Record<string, string>) =>
  ApiKey.layerConfig().pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson(env))))

describe("ApiKey", () => {
  it.effect("reads RECOTAP_API_KEY from Config and sends it", () => {
    const { run, sent } = listWith(fromEnv({ RECOTAP_API_KEY: "from-env" }))
    return Effect.gen(function*() {
      yield* run
      expect(sent[0]?.headers["x-api-key"]).toBe("from-env")
    })
  })

  const refused: ReadonlyArray<[string, Layer.Layer<ApiKey, unknown>, string, string]> = [
    ["no key configured", fromEnv({}), "MissingApiKey", "NotConfigured"],
    ["an empty key", fromEnv({ RECOTAP_API_KEY: "" }), "MissingApiKey", "Blank"],
    ["a blank key", ApiKey.layer(Redacted.make("  \t ")), "MissingApiKey", "Blank"],
    ["a key with a line feed", ApiKey.layer(Redacted.make("abc\nX-Evil: 1")), "InvalidApiKey", "NotAHeaderValue"],
    ["a key with a carriage return", ApiKey.layer(Redacted.make("abc\r")), "InvalidApiKey", "NotAHeaderValue"],
    ["a key with a control character", ApiKey.layer(Redacted.make("abc\u0000def")), "InvalidApiKey", "NotAHeaderValue"],
    ["a non-ASCII key", ApiKey.layer(Redacted.make("clé-secrète")), "InvalidApiKey", "NotAHeaderValue"],
    [
      "a source that yields nothing",
      ApiKey.layerEffect(Effect.succeed(Option.none())),
      "MissingApiKey",
      "NotConfigured"
    ],
    ["a source that fails", ApiKey.layerEffect(Effect.fail("vault sealed")), "MissingApiKey", "SourceFailed"]
  ]
  for (const [name, keyLayer, tag, reason] of refused) {
    it.effect(`${name}: ${tag} (${reason}), and nothing is sent`, () => {
      const { run, sent } = listWith(keyLayer)
      return Effect.gen(function*() {
        const error = yield* Effect.flip(run)
        expect(error).toMatchObject({ _tag: tag, reason })
        expect(sent).toHaveLength(0)
      })
    })
  }

  it.effect("asks an effectful source on every request, so a rotated key is used", () => {
    let version = 0
    const { run, sent } = listWith(ApiKey.layerEffect(Effect.sync(() => Redacted.make(`key-v${++version}`))))
    return Effect.gen(function*() {
      yield* run
      yield* run
      expect(sent.map((r) => r.headers["x-api-key"])).toEqual(["key-v1", "key-v2"])
    })
  })
})

describe("401 answers", () => {
  const answers: ReadonlyArray<[string, Response, string, string]> = [
    [
      "documented missing key (customMessage)",
      errorEnvelope(401, { message: "Unauthorized", customMessage: "X-Api-Key header is required", data: null }),
      "MissingApiKey",
      "X-Api-Key header is required"
    ],
    [
      "missing key in message",
      errorEnvelope(401, { message: "X-Api-Key header is required" }),
      "MissingApiKey",
      "X-Api-Key header is required"
    ],
    [
      "documented invalid key",
      errorEnvelope(401, { message: "Unauthorized", customMessage: "Invalid API key", data: null }),
      "InvalidApiKey",
      "Invalid API key"
    ],
    [
      "live wording",
      json({ message: "Unauthorized access", statusCode: 401 }, 401),
      "InvalidApiKey",
      "Unauthorized access"
    ],
    ["no body at all", new Response(null, { status: 401 }), "InvalidApiKey", "an empty body"]
  ]
  for (const [name, response, tag, text] of answers) {
    it.effect(`${name} → ${tag}`, () => {
      const { layer } = crmWith(() => response.clone())
      return Effect.gen(function*() {
        const error = yield* Effect.flip(Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list()))
        expect(error).toMatchObject({ _tag: tag, reason: "RejectedByServer" })
        expect(error.message).toContain(text)
      }).pipe(Effect.provide(layer))
    })
  }
})
