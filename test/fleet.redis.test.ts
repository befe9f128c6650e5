/**
 * `Fleet.layerRedis` against a real redis-server (started by this file on a free loopback port,
 * persistence off): the shared pause, the workspace kept apart by a hash of the key (which never
 * reaches Redis), the `KeyValueStore`, and requests that go on when Redis is gone.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Fleet from "../src/Fleet.js"
import { ApiKey, RecotapConfig, type RecotapConfigOptions } from "../src/index.js"
import { make as makeCrm } from "../src/RecotapCrm.js"
import { Fault, makeSimulatorHttpClient, Simulator, SIMULATOR_ORIGIN } from "../src/simulator/index.js"
import { freePort, hasRedisServer, missingRedis, redisForThisFile } from "./fleet/redisServer.js"

const KEY_A = "rk_live_fleet-A-9f8e7d6c5b4a"
const KEY_B = "rk_live_fleet-B-0a1b2c3d4e5f"

const redisServer = redisForThisFile()

const fleet = (prefix: string) => Fleet.layerRedis({ redis: { host: "127.0.0.1", port: redisServer.port() }, prefix })

/** One client (its own `HttpClient`, as a replica has) on `key`, over `sim`, within the test's scope. */
const clientOn = (sim: Simulator, key: string, config: RecotapConfigOptions = {}) =>
  makeCrm.pipe(
    Effect.provide(
      Layer.mergeAll(
        Layer.succeed(HttpClient.HttpClient, makeSimulatorHttpClient(sim)),
        ApiKey.layer(Redacted.make(key)),
        Layer.orDie(
          RecotapConfig.layer({ baseUrl: `${SIMULATOR_ORIGIN}/api/v1/crm`, retry: { maxRetries: 0 }, ...config })
        )
      )
    )
  )

/** Every key under `prefix` with its value (strings; other types by name). */
const dump = async (prefix: string) => {
  const keys = await redisServer.client().keys(`${prefix}*`)
  return Promise.all(keys.map(async (key) => {
    const type = await redisServer.client().type(key)
    return { key, value: type === "string" ? (await redisServer.client().get(key)) ?? "" : type }
  }))
}

describe.skipIf(!hasRedisServer)(`Fleet.layerRedis ${hasRedisServer ? "" : missingRedis}`, () => {
  it.scopedLive("a 429 with Retry-After: 1 seen by one client holds back another client on the key for 1 s, not a client on another key", () =>
    Effect.gen(function*() {
      const sim = new Simulator({ keys: [KEY_A, KEY_B] })
      const a = yield* clientOn(sim, KEY_A)
      const b = yield* clientOn(sim, KEY_A)
      const other = yield* clientOn(sim, KEY_B)
      sim.faults.script("GET /accounts", Fault.rateLimited(1))
      expect(yield* Effect.flip(a.accounts.list())).toMatchObject({ _tag: "TransportError", status: 429 })
      yield* Effect.all([b.accounts.list(), other.accounts.list()], { concurrency: "unbounded" })
      const [first, ...rest] = sim.requests
      const sentB = rest.find((r) => Redacted.value(r.apiKey!) === KEY_A)
      const sentOther = rest.find((r) => Redacted.value(r.apiKey!) === KEY_B)
      // B waited out the pause that A's answer set: a full second after A's request arrived.
      expect(sentB!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(1000)
      // The other workspace was not held back by it.
      expect(sentOther!.receivedAt - first!.receivedAt).toBeLessThan(1000)
    }).pipe(Effect.provide(fleet("t1:"))))

  it.scopedLive("the key never reaches Redis: keys and values name the workspace by a hash, one per key", () =>
    Effect.gen(function*() {
      const sim = new Simulator({ keys: [KEY_A, KEY_B] })
      const paced: RecotapConfigOptions = { rateLimit: { requests: 100, interval: "1 minute" } }
      const a = yield* clientOn(sim, KEY_A, paced)
      const b = yield* clientOn(sim, KEY_B, paced)
      sim.faults.script("GET /accounts", Fault.rateLimited(1), Fault.rateLimited(1))
      yield* Effect.flip(a.accounts.list())
      yield* Effect.flip(b.accounts.list())
      yield* Effect.all([a.accounts.list(), b.accounts.list()])
      const entries = yield* Effect.promise(() => dump("t2:"))
      const text = JSON.stringify(entries)
      for (const secret of [KEY_A, KEY_B, "fleet-A", "fleet-B"]) expect(text).not.toContain(secret)
      const pauses = entries.filter((e) => e.key.startsWith("t2:pause:")).map((e) => e.key.slice("t2:pause:".length))
      const rates = entries.filter((e) => /^t2:rate:[0-9a-f]{32}$/.test(e.key)).map((e) =>
        e.key.slice("t2:rate:".length)
      )
      // Pauses last 1 s: they may be gone already; what is there is a hash.
      for (const id of pauses) expect(id).toMatch(/^[0-9a-f]{32}$/)
      expect(new Set(rates).size).toBe(2)
    }).pipe(Effect.provide(fleet("t2:"))))

  it.scopedLive("the KeyValueStore keeps entries under its prefix in Redis, strings and bytes, and clears only its own", () =>
    Effect.gen(function*() {
      yield* Effect.promise(() => redisServer.client().set("someone-else:kv:x", "kept"))
      const store = yield* KeyValueStore.KeyValueStore
      yield* store.set("checkpoint", "2026-05-01T00:00:00.000Z")
      yield* store.set("bytes", new Uint8Array([0, 1, 255]))
      expect(yield* store.get("checkpoint")).toEqual(Option.some("2026-05-01T00:00:00.000Z"))
      expect(yield* store.getUint8Array("bytes")).toEqual(Option.some(new Uint8Array([0, 1, 255])))
      expect(yield* store.get("absent")).toEqual(Option.none())
      expect(yield* store.size).toBe(2)
      expect(yield* Effect.promise(() => redisServer.client().get("t3:kv:checkpoint"))).toBe("2026-05-01T00:00:00.000Z")
      yield* store.remove("bytes")
      expect(yield* store.has("bytes")).toBe(false)
      yield* store.clear
      expect(yield* store.size).toBe(0)
      expect(yield* Effect.promise(() => redisServer.client().get("someone-else:kv:x"))).toBe("kept")
    }).pipe(Effect.provide(fleet("t3:"))))

  it.scopedLive("with Redis gone, requests still go out: the client keeps its own pause and pace, and warns", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      const warnings: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") warnings.push(String(message))
      })
      const sim = new Simulator({ keys: [KEY_A] })
      const pages = yield* Effect.gen(function*() {
        const a = yield* clientOn(sim, KEY_A, { rateLimit: { requests: 5, interval: "1 second" } })
        return yield* Effect.all([a.accounts.list(), a.accounts.list()])
      }).pipe(
        Effect.provide(
          Fleet.layerRedis({ redis: { host: "127.0.0.1", port, maxRetriesPerRequest: 0 } })
        ),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      expect(pages).toHaveLength(2)
      expect(warnings.some((w) => w.includes("the shared store failed"))).toBe(true)
      expect(warnings.join("\n")).not.toContain(KEY_A)
    }))
})
