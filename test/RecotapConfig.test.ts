import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { RecotapConfig, RecotapCrm } from "../src/index.js"
import { ApiKey } from "../src/index.js"
import { resolveSettings } from "../src/internal/settings.js"
import {
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT,
  type RecotapConfigOptions,
  type Revision
} from "../src/RecotapConfig.js"
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

describe("each setting is checked by its own rule, which names it", () => {
  const refusal = (options: RecotapConfigOptions) =>
    Effect.flip(Layer.build(RecotapConfig.layer(options)).pipe(Effect.scoped))
  const cases: ReadonlyArray<[RecotapConfigOptions, string]> = [
    [{ timeout: "soon" as Duration.DurationInput }, "timeout must be a positive duration"],
    [{ timeout: 0 }, "timeout must be a positive duration"],
    [{ deadline: "0 seconds" }, "deadline must be a positive duration"],
    [{ retry: { maxRetries: 1.5 } }, "retry.maxRetries must be an integer of at least 0"],
    [{ retry: { maxRetries: -1 } }, "retry.maxRetries must be an integer of at least 0"],
    [{ retry: { baseDelay: "later" as Duration.DurationInput } }, "retry.baseDelay must be a non-negative duration"],
    [{ retry: { maxDelay: "x" as Duration.DurationInput } }, "retry.maxDelay must be a non-negative duration"],
    [
      { retry: { maxRetryAfter: "x" as Duration.DurationInput } },
      "retry.maxRetryAfter must be a non-negative duration"
    ],
    [{ revision: "v2" as Revision }, "revision must be one of crm, external"],
    [{ maxResponseBytes: 0 }, "maxResponseBytes must be an integer of at least 1"],
    [{ maxRedirects: -1 }, "maxRedirects must be an integer of at least 0"],
    [
      { sandbox: true, revision: "crm" },
      "the sandbox serves the External revision: use revision \"external\" with sandbox"
    ]
  ]
  for (const [options, message] of cases) {
    it.effect(`${JSON.stringify(options)}: ${message}`, () =>
      Effect.gen(function*() {
        const error = yield* refusal(options)
        expect(ConfigError.isConfigError(error)).toBe(true)
        expect(error).toMatchObject({ _op: "InvalidData", message })
      }))
  }

  it.effect("read from Config, a value refused fails the layer with the same rule", () =>
    Effect.gen(function*() {
      const read = (env: Record<string, string>) =>
        Effect.flip(Layer.build(RecotapConfig.layerConfig()).pipe(Effect.scoped, Effect.provide(withEnv(env))))
      expect(yield* read({ RECOTAP_TIMEOUT: "0 seconds" })).toMatchObject({
        message: "timeout must be a positive duration"
      })
      expect(yield* read({ RECOTAP_DEADLINE: "0 seconds" })).toMatchObject({
        message: "deadline must be a positive duration"
      })
      expect(yield* read({ RECOTAP_MAX_RETRIES: "-1" })).toMatchObject({
        message: "retry.maxRetries must be an integer of at least 0"
      })
      expect(yield* read({ RECOTAP_SANDBOX: "true", RECOTAP_REVISION: "crm" })).toMatchObject({
        message: "the sandbox serves the External revision: use revision \"external\" with sandbox"
      })
    }))

  it.effect("unset settings take their defaults; zero delays are allowed", () =>
    Effect.gen(function*() {
      const settings = yield* Effect.provide(
        RecotapConfig,
        RecotapConfig.layer({ retry: { baseDelay: 0, maxRetryAfter: "0 seconds" } })
      )
      expect(settings).toMatchObject({
        revision: "crm",
        baseUrl: DEFAULT_BASE_URL,
        deadline: undefined,
        rateLimit: undefined,
        maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
        maxRedirects: 3,
        allowInsecureHttp: false,
        transformClient: undefined
      })
      expect(Duration.toMillis(settings.timeout)).toBe(Duration.toMillis(DEFAULT_TIMEOUT))
      expect(settings.retry.maxRetries).toBe(DEFAULT_RETRY.maxRetries)
      expect(Duration.toMillis(settings.retry.baseDelay)).toBe(0)
      expect(Duration.toMillis(settings.retry.maxDelay)).toBe(8_000)
      expect(Duration.toMillis(settings.retry.maxRetryAfter)).toBe(0)
      expect([
        DEFAULT_RETRY.maxRetries,
        ...[DEFAULT_RETRY.baseDelay, DEFAULT_RETRY.maxRetryAfter].map(Duration.toMillis)
      ])
        .toEqual([2, 500, 60_000])
    }))

  it("an option given as undefined (JavaScript, or no exactOptionalPropertyTypes) counts as unset", () => {
    const resolved = resolveSettings({
      timeout: undefined,
      deadline: undefined,
      rateLimit: undefined,
      retry: undefined
    })
    expect(
      Either.map(resolved, (settings) => [Duration.toSeconds(settings.timeout), settings.deadline, settings.rateLimit])
    )
      .toEqual(Either.right([30, undefined, undefined]))
    expect(Either.map(resolveSettings({ retry: { maxRetries: undefined } }), (settings) => settings.retry.maxRetries))
      .toEqual(Either.right(2))
  })
})
