import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "@effect/vitest"
import type * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { vi } from "vitest"
import { ApiKey, BrowserNotAllowed, RecotapConfig, RecotapCrm } from "../src/index.js"
import { isBrowser } from "../src/internal/browser.js"
import { Settings } from "../src/internal/settings.js"
import { make } from "../src/RecotapCrm.js"
import { RecotapSimulator } from "../src/simulator/index.js"
import { envelope, fakeHttp, SECRET } from "./helpers.js"

const emptyPage = () => envelope({ data: [], nextCursor: null, hasNextPage: false })

/** `RecotapCrm.layer` over a fake client, with the settings given. */
const crm = (settings: Layer.Layer<RecotapConfig, unknown>) => {
  const http = fakeHttp(emptyPage)
  const layer = RecotapCrm.layer.pipe(
    Layer.provide(Layer.mergeAll(http.layer, ApiKey.layer(Redacted.make(SECRET)), Layer.orDie(settings)))
  )
  return { sent: http.sent, layer }
}

const listed = Effect.flatMap(RecotapCrm, (client) => client.accounts.list())

/** What building `layer` and listing accounts with it ends with. */
const attempt = <E>(layer: Layer.Layer<RecotapCrm, E>) => Effect.exit(Effect.provide(listed, layer))

describe("the layers' error channels", () => {
  it("name BrowserNotAllowed exactly where it can happen: not in the simulator's layers", () => {
    expectTypeOf<Layer.Layer.Error<typeof RecotapCrm.layer>>().toEqualTypeOf<BrowserNotAllowed>()
    expectTypeOf<Effect.Effect.Error<typeof make>>().toEqualTypeOf<BrowserNotAllowed>()
    expectTypeOf<Layer.Layer.Error<typeof RecotapCrm.live>>().toEqualTypeOf<
      ConfigError.ConfigError | BrowserNotAllowed
    >()
    expectTypeOf<Layer.Layer.Error<ReturnType<typeof RecotapCrm.layerConfig>>>().toEqualTypeOf<
      ConfigError.ConfigError | BrowserNotAllowed
    >()
    expectTypeOf<Layer.Layer.Error<ReturnType<typeof RecotapSimulator.layerCrm>>>().toEqualTypeOf<never>()
  })
})

describe("isBrowser", () => {
  it("is true only where window, window.document and navigator all exist", () => {
    expect(isBrowser({ window: { document: {} }, navigator: {} })).toBe(true)
    expect(isBrowser({ window: { document: {} } })).toBe(false)
    expect(isBrowser({ window: {}, navigator: {} })).toBe(false)
    expect(isBrowser({ navigator: {} })).toBe(false)
    expect(isBrowser({})).toBe(false)
  })

  it("is false in the runtime the tests run on", () => {
    expect(isBrowser()).toBe(false)
  })
})

describe("in a browser (fake window, document and navigator)", () => {
  beforeEach(() => {
    vi.stubGlobal("window", { document: {} })
    vi.stubGlobal("navigator", { userAgent: "Mozilla/5.0" })
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it.effect("building RecotapCrm.layer fails with BrowserNotAllowed, and nothing is sent", () =>
    Effect.gen(function*() {
      expect(isBrowser()).toBe(true)
      const { layer, sent } = crm(RecotapConfig.layer({}))
      const exit = yield* attempt(layer)
      expect(exit).toStrictEqual(Exit.fail(new BrowserNotAllowed()))
      expect(sent).toEqual([])
    }))

  it.effect("the error says why, and names the setting that opts in", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.provide(listed, crm(RecotapConfig.layer({})).layer))
      expect(error._tag).toBe("BrowserNotAllowed")
      expect(error.message).toContain("API key would be exposed")
      expect(error.message).toContain("dangerouslyAllowBrowser: true")
      expect(error.message).toContain("RECOTAP_DANGEROUSLY_ALLOW_BROWSER=true")
    }))

  it.scoped("make fails the same way, without RecotapConfig (its default refuses)", () =>
    Effect.gen(function*() {
      const http = fakeHttp(emptyPage)
      const exit = yield* Effect.exit(
        make.pipe(Effect.provide(Layer.merge(http.layer, ApiKey.layer(Redacted.make(SECRET)))))
      )
      expect(exit).toStrictEqual(Exit.fail(new BrowserNotAllowed()))
    }))

  it.effect("dangerouslyAllowBrowser: true in the options opts in", () =>
    Effect.gen(function*() {
      const { layer, sent } = crm(RecotapConfig.layer({ dangerouslyAllowBrowser: true }))
      const exit = yield* attempt(layer)
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(sent).toHaveLength(1)
    }))

  it.effect("dangerouslyAllowBrowser: false refuses, as unset does", () =>
    Effect.gen(function*() {
      const exit = yield* attempt(crm(RecotapConfig.layer({ dangerouslyAllowBrowser: false })).layer)
      expect(exit).toStrictEqual(Exit.fail(new BrowserNotAllowed()))
    }))

  it.effect("RECOTAP_DANGEROUSLY_ALLOW_BROWSER=true opts in through RecotapCrm.layerConfig()", () =>
    Effect.gen(function*() {
      const http = fakeHttp(emptyPage)
      const env = (value: string) =>
        Layer.setConfigProvider(
          ConfigProvider.fromJson({ RECOTAP_API_KEY: SECRET, RECOTAP_DANGEROUSLY_ALLOW_BROWSER: value })
        )
      const allowed = yield* attempt(
        RecotapCrm.layerConfig().pipe(Layer.provide(http.layer), Layer.provide(env("true")))
      )
      expect(Exit.isSuccess(allowed)).toBe(true)
      const refused = yield* attempt(
        RecotapCrm.layerConfig().pipe(Layer.provide(http.layer), Layer.provide(env("false")))
      )
      expect(refused).toStrictEqual(Exit.fail(new BrowserNotAllowed()))
      expect(http.sent).toHaveLength(1)
    }))

  it.effect("an invalid RECOTAP_DANGEROUSLY_ALLOW_BROWSER fails the layer with a ConfigError, not an opt-in", () =>
    Effect.gen(function*() {
      const http = fakeHttp(emptyPage)
      const exit = yield* attempt(
        RecotapCrm.layerConfig().pipe(
          Layer.provide(http.layer),
          Layer.provide(Layer.setConfigProvider(
            ConfigProvider.fromJson({ RECOTAP_API_KEY: SECRET, RECOTAP_DANGEROUSLY_ALLOW_BROWSER: "yes please" })
          ))
        )
      )
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? String(exit.cause) : ""
      expect(error).toContain("RECOTAP_DANGEROUSLY_ALLOW_BROWSER")
      expect(http.sent).toEqual([])
    }))

  it.effect("the simulator's layers opt in: their key is the simulator's", () =>
    Effect.gen(function*() {
      const inMemory = yield* attempt(RecotapSimulator.layerCrm())
      expect(Exit.isSuccess(inMemory)).toBe(true)
      // Even when the settings given say otherwise.
      const refusing = yield* attempt(RecotapSimulator.layerCrm({ config: { dangerouslyAllowBrowser: false } }))
      expect(Exit.isSuccess(refusing)).toBe(true)
    }))
})

describe("outside a browser", () => {
  it.effect("the client builds without the setting, and the setting defaults to false", () =>
    Effect.gen(function*() {
      const settings = yield* RecotapConfig
      expect(settings.dangerouslyAllowBrowser).toBe(false)
      const exit = yield* attempt(crm(RecotapConfig.layer({})).layer)
      expect(Exit.isSuccess(exit)).toBe(true)
    }))

  it("the setting must be a boolean (from JavaScript, a string is refused)", () => {
    const decoded = Schema.decodeUnknownEither(Settings)({ dangerouslyAllowBrowser: "true" })
    expect(Either.isLeft(decoded)).toBe(true)
  })
})
