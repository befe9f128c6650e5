import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { ApiKey, RecotapConfig, RecotapCrm } from "../src/index.js"
import { RecotapSimulator } from "../src/simulator/index.js"
import { envelope, fakeHttp } from "./helpers.js"

const withEnv = (env: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromJson(env))
const emptyPage = () => envelope({ data: [], nextCursor: null, hasNextPage: false })

describe("RecotapConfig.layerConfig(options)", () => {
  it.effect("reads each setting from the Config given for it, the others from their RECOTAP_* names", () =>
    Effect.gen(function*() {
      const config = yield* RecotapConfig
      expect(config.baseUrl).toBe("https://sandboxapi.reco-tap.com/api/v1")
      expect(Duration.toSeconds(config.timeout)).toBe(7)
      expect(config.retry.maxRetries).toBe(1)
      expect(config.deadline).toBeUndefined()
    }).pipe(
      Effect.provide(RecotapConfig.layerConfig({
        baseUrl: Config.string("CRM_BASE_URL"),
        timeout: Config.succeed(Duration.seconds(7))
      })),
      Effect.provide(withEnv({
        CRM_BASE_URL: "https://sandboxapi.reco-tap.com/api/v1",
        RECOTAP_BASE_URL: "https://ignored.example/api/v1",
        RECOTAP_TIMEOUT: "1 second",
        RECOTAP_MAX_RETRIES: "1"
      }))
    ))

  it.effect("a Config that finds nothing keeps the default; one that finds an invalid value fails the layer", () =>
    Effect.gen(function*() {
      const defaults = yield* Effect.provide(
        RecotapConfig,
        RecotapConfig.layerConfig({ timeout: Config.duration("NOWHERE") })
      )
      expect(Duration.toSeconds(defaults.timeout)).toBe(30)
      const invalid = yield* Effect.exit(
        Layer.build(RecotapConfig.layerConfig({ maxRetries: Config.integer("CRM_RETRIES") })).pipe(Effect.scoped)
      )
      expect(Exit.isFailure(invalid)).toBe(true)
    }).pipe(Effect.provide(withEnv({ CRM_RETRIES: "many" }))))
})

describe("RecotapCrm.layerConfig(options)", () => {
  it.effect("reads the key from the Config given, and sends it", () => {
    const http = fakeHttp(emptyPage)
    return Effect.gen(function*() {
      yield* Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
      expect(http.sent[0]?.headers["x-api-key"]).toBe("key-from-vault-path")
      expect(http.sent[0]?.url.toString()).toBe("https://sandboxapi.reco-tap.com/api/v1/accounts")
    }).pipe(
      Effect.provide(
        RecotapCrm.layerConfig({
          apiKey: Config.redacted(Config.nested(Config.string("KEY"), "RECOTAP_VAULT")),
          baseUrl: Config.succeed("https://sandboxapi.reco-tap.com/api/v1")
        }).pipe(Layer.provide(http.layer))
      ),
      Effect.provide(
        withEnv({ RECOTAP_VAULT: { KEY: "key-from-vault-path" }, RECOTAP_API_KEY: "not-this-one" } as never)
      )
    )
  })

  it.effect("without options, reads RECOTAP_API_KEY", () => {
    const http = fakeHttp(emptyPage)
    return Effect.gen(function*() {
      yield* Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
      expect(http.sent[0]?.headers["x-api-key"]).toBe("env-key-123")
    }).pipe(
      Effect.provide(RecotapCrm.layerConfig().pipe(Layer.provide(http.layer))),
      Effect.provide(withEnv({ RECOTAP_API_KEY: "env-key-123" }))
    )
  })
})

describe("the service reports the revision and base URL it speaks", () => {
  it.effect("RecotapCrm.layer: those of the RecotapConfig it was built with", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expect([crm.revision, crm.baseUrl]).toEqual(["external", "https://eapi.recotap.com/api/v1"])
    }).pipe(
      Effect.provide(RecotapCrm.layer.pipe(
        Layer.provide(fakeHttp(emptyPage).layer),
        Layer.provide(ApiKey.layer(Redacted.make("k"))),
        Layer.provide(Layer.orDie(RecotapConfig.layer({ revision: "external" })))
      ))
    ))

  it.effect("RecotapCrm.layerConfig: those read from Config, which stay inside the layer", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expect([crm.revision, crm.baseUrl]).toEqual(["external", "https://sandboxapi.reco-tap.com/api/v1"])
      // Nothing leaks into the context: what a RecotapConfig read there finds is the default.
      expect((yield* RecotapConfig).revision).toBe("crm")
    }).pipe(
      Effect.provide(RecotapCrm.layerConfig().pipe(Layer.provide(fakeHttp(emptyPage).layer))),
      Effect.provide(withEnv({ RECOTAP_API_KEY: "k", RECOTAP_REVISION: "external", RECOTAP_SANDBOX: "true" }))
    ))

  it.effect("RecotapSimulator.layerCrm: the simulator's revision and address", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expect([crm.revision, crm.baseUrl]).toEqual(["external", "https://simulator.recotap.invalid/api/v1"])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm({ revision: "external" }))))
})

describe("RecotapCrm.layerTest", () => {
  const layer = RecotapCrm.layerTest({
    journeyStages: { list: () => Effect.succeed(["Aware", "Customer"]) },
    segments: { stream: () => Stream.empty }
  })

  it.effect("answers with the methods given", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expect(yield* crm.journeyStages.list()).toEqual(["Aware", "Customer"])
      expect(yield* Stream.runCollect(crm.segments.stream()).pipe(Effect.map((c) => c.length))).toBe(0)
    }).pipe(Effect.provide(layer)))

  it.effect("a method not given dies when called, naming itself, as an Effect or a Stream", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const calls: ReadonlyArray<[string, Effect.Effect<unknown, unknown>]> = [
        ["deals.push", crm.deals.push([])],
        ["accounts.sync", Stream.runDrain(crm.accounts.sync())],
        ["segments.pages", Stream.runDrain(crm.segments.pages())]
      ]
      for (const [name, call] of calls) {
        const exit = yield* Effect.exit(call)
        expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
        expect(String(Exit.isFailure(exit) ? Cause.squash(exit.cause) : "")).toContain(
          `RecotapCrm.layerTest: ${name} was called, but the test gave no implementation for it`
        )
      }
    }).pipe(Effect.provide(layer)))

  it.effect("reports the CRM revision and its base URL unless the test gives others", () =>
    Effect.gen(function*() {
      const read = (given: Parameters<typeof RecotapCrm.layerTest>[0]) =>
        Effect.map(Effect.provide(RecotapCrm, RecotapCrm.layerTest(given)), (crm) => [crm.revision, crm.baseUrl])
      expect(yield* read({})).toEqual(["crm", "https://eapi.recotap.com/api/v1/crm"])
      expect(yield* read({ revision: "external" })).toEqual(["external", "https://eapi.recotap.com/api/v1"])
      expect(yield* read({ revision: "external", baseUrl: "http://127.0.0.1:4010/api/v1" })).toEqual([
        "external",
        "http://127.0.0.1:4010/api/v1"
      ])
    }))

  it("refuses a method of the wrong type at compile time", () => {
    // @ts-expect-error journeyStages.list returns stage names, not numbers
    RecotapCrm.layerTest({ journeyStages: { list: () => Effect.succeed([1, 2]) } })
    // @ts-expect-error there is no such resource
    RecotapCrm.layerTest({ contacts: {} })
    expect(true).toBe(true)
  })
})
