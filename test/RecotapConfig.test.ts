import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { RecotapConfig, RecotapCrm } from "../src/index.js"
import { ApiKey } from "../src/index.js"
import { DEFAULT_BASE_URL } from "../src/RecotapConfig.js"
import { crmWith, envelope, fakeHttp } from "./helpers.js"

const emptyPage = () => envelope({ data: [], nextCursor: null, hasNextPage: false })
const withEnv = (env: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromJson(env))

describe("RecotapConfig", () => {
  it.effect("defaults to the CRM base URL and 30 s", () =>
    Effect.gen(function*() {
      const config = yield* RecotapConfig
      expect(config.baseUrl).toBe(DEFAULT_BASE_URL)
      expect(Duration.toSeconds(config.timeout)).toBe(30)
    }))

  it.effect("reads RECOTAP_BASE_URL and RECOTAP_TIMEOUT, and requests go there", () => {
    const http = fakeHttp(emptyPage)
    const sent = http.sent
    const layer = RecotapCrm.layer.pipe(Layer.provide(Layer.merge(http.layer, ApiKey.layer(Redacted.make("k")))))
    return Effect.gen(function*() {
      const config = yield* RecotapConfig
      expect(config.baseUrl).toBe("https://sandboxapi.reco-tap.com/api/v1")
      expect(Duration.toSeconds(config.timeout)).toBe(5)
      yield* Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
      expect(sent[0]?.url.toString()).toBe("https://sandboxapi.reco-tap.com/api/v1/accounts")
    }).pipe(
      Effect.provide(Layer.provideMerge(layer, RecotapConfig.layerConfig())),
      Effect.provide(
        withEnv({ RECOTAP_BASE_URL: "https://sandboxapi.reco-tap.com/api/v1/", RECOTAP_TIMEOUT: "5 seconds" })
      )
    )
  })

  it.effect("uses the configured timeout", () => {
    const { layer } = crmWith(() => Effect.never, "k", { timeout: "2 seconds", retry: { maxRetries: 0 } })
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())))
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(fiber)).toMatchObject({ _tag: "TransportError", reason: "Timeout" })
    }).pipe(Effect.provide(layer))
  })

  const bad: ReadonlyArray<[string, string]> = [
    ["not a URL", "eapi.recotap.com/api/v1"],
    ["another scheme", "ftp://eapi.recotap.com/api/v1"],
    ["credentials", "https://user:pass@eapi.recotap.com/api/v1"],
    ["a query", "https://eapi.recotap.com/api/v1?x=1"]
  ]
  for (const [name, url] of bad) {
    it.effect(`a base URL with ${name} fails the layer with a ConfigError`, () =>
      Effect.gen(function*() {
        const fromCode = yield* Effect.exit(Layer.build(RecotapConfig.layer({ baseUrl: url })).pipe(Effect.scoped))
        const fromEnv = yield* Effect.exit(
          Layer.build(RecotapConfig.layerConfig()).pipe(
            Effect.scoped,
            Effect.provide(withEnv({ RECOTAP_BASE_URL: url }))
          )
        )
        for (const exit of [fromCode, fromEnv]) {
          expect(Exit.isFailure(exit)).toBe(true)
          expect(String(exit)).toContain("Invalid Recotap base URL")
        }
      }))
  }

  it.effect("transformClient changes the client's HttpClient once, for every request", () => {
    let applied = 0
    const { layer, sent } = crmWith(emptyPage, "k", {
      retry: { maxRetries: 0 },
      transformClient: (client) => {
        applied += 1
        return HttpClient.mapRequest(client, HttpClientRequest.setHeader("x-proxy-route", "eu"))
      }
    })
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      yield* crm.accounts.list()
      yield* crm.segments.list()
      expect(sent.map((r) => r.headers["x-proxy-route"])).toEqual(["eu", "eu"])
      expect(sent[0]?.headers["x-api-key"]).toBe("k")
      expect(applied).toBe(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a non-positive timeout fails the layer", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(RecotapConfig.layer({ timeout: 0 })).pipe(Effect.scoped))
      expect(Exit.isFailure(exit)).toBe(true)
    }))
})
