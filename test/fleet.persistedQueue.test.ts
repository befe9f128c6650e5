/**
 * The outbox's queue (`@effect/experimental`'s `PersistedQueue` over a Redis store) against a
 * real redis-server: the 0.61 bugs of the library's own Redis store (its `failed` and
 * `resetQueue` scripts), and the corrected store the outbox uses instead.
 */
import * as PersistedQueue from "@effect/experimental/PersistedQueue"
import * as RedisPersistedQueue from "@effect/experimental/PersistedQueue/Redis"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { layerRedisQueues, takeRequeuing } from "../src/internal/fleet/persistedQueue.js"
import { hasRedisServer, missingRedis, redisForThisFile } from "./fleet/redisServer.js"

const redisServer = redisForThisFile()

const queues = (prefix: string) =>
  layerRedisQueues({ host: "127.0.0.1", port: redisServer.port() }, prefix, { pollInterval: "20 millis" })

/** The library's own store, as 0.61 ships it. */
const libraryQueues = (prefix: string) =>
  PersistedQueue.layer.pipe(
    Layer.provide(
      RedisPersistedQueue.layerStore({
        host: "127.0.0.1",
        port: redisServer.port(),
        prefix,
        pollInterval: 20,
        lockRefreshInterval: 50
      })
    )
  )

const queueOf = (name: string) => PersistedQueue.make({ name, schema: Schema.String })

describe.skipIf(!hasRedisServer)(`PersistedQueue/Redis ${hasRedisServer ? "" : missingRedis}`, () => {
  it.live("0.61's `failed` script is broken: the last failed attempt dies and leaves the item pending (library store)", () =>
    Effect.gen(function*() {
      const queue = yield* queueOf("q")
      yield* queue.offer("item", { id: "one" })
      const exit = yield* Effect.exit(queue.take(() => Effect.fail("refused"), { maxAttempts: 1 }))
      // If this starts failing, the library fixed its script: the workaround can go.
      expect(Exit.isFailure(exit) && exit.cause._tag === "Die").toBe(true)
      expect(yield* Effect.promise(() => redisServer.client().hkeys("bug:q:pending"))).toEqual(["one"])
      expect(yield* Effect.promise(() => redisServer.client().exists("bug:q:failed"))).toBe(0)
    }).pipe(Effect.provide(libraryQueues("bug:"))))

  it.live("0.61's `resetQueue` script is broken: it pushes the pending hash's names and payloads, locked or not (library store)", () =>
    Effect.gen(function*() {
      const client = redisServer.client()
      const queue = yield* queueOf("q")
      yield* queue.offer("item", { id: "one" })
      // A take in progress: its item is pending and locked; the reset (every 50 ms) must leave it be.
      yield* queue.take(() => Effect.sleep(300))
      // If this starts failing, the library fixed its script: the corrected store can go.
      expect(yield* Effect.promise(() => client.lrange("reset:q", 0, -1))).toContain("one")
    }).pipe(Effect.provide(libraryQueues("reset:"))))

  it.live("the corrected store: a take that died is put back once its lock expires; the last failed attempt goes to the failed list", () =>
    Effect.gen(function*() {
      const client = redisServer.client()
      const queue = yield* queueOf("q")
      yield* queue.offer("item", { id: "one" })
      // What a process killed mid-take leaves: the item pending, its lock about to expire.
      const payload = yield* Effect.promise(() => client.lpop("died:q"))
      yield* Effect.promise(() => client.hset("died:q:pending", "one", payload ?? ""))
      yield* Effect.promise(() => client.set("died:one:lock", "dead-worker", "PX", 200))
      const taken = yield* queue.take((value, { attempts, id }) => Effect.succeed({ value, attempts, id }))
      expect(taken).toEqual({ value: "item", attempts: 0, id: "one" })
      yield* queue.offer("doomed", { id: "two" })
      const exit = yield* Effect.exit(queue.take(() => Effect.fail("refused"), { maxAttempts: 1 }))
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail").toBe(true)
      expect(yield* Effect.promise(() => client.hlen("died:q:pending"))).toBe(0)
      const failed = yield* Effect.promise(() => client.lrange("died:q:failed", 0, -1))
      expect(failed.map((json) => JSON.parse(json).id)).toEqual(["two"])
    }).pipe(
      Effect.provide(
        Layer.fresh(
          layerRedisQueues({ host: "127.0.0.1", port: redisServer.port() }, "died:", {
            pollInterval: 20,
            lockRefreshInterval: 50
          })
        )
      )
    ))

  it.live("takeRequeuing: each failed take puts the item back one attempt higher; a success removes it", () =>
    Effect.gen(function*() {
      const queue = yield* queueOf("q")
      yield* queue.offer("item", { id: "one" })
      const seen: Array<number> = []
      for (let i = 0; i < 3; i++) {
        const exit = yield* Effect.exit(takeRequeuing(queue, (_, { attempts }) => {
          seen.push(attempts)
          return Effect.fail("refused")
        }))
        expect(Exit.isFailure(exit) && exit.cause._tag === "Fail").toBe(true)
      }
      const taken = yield* takeRequeuing(queue, (value, { attempts, id }) => Effect.succeed({ value, attempts, id }))
      expect(seen).toEqual([0, 1, 2])
      expect(taken).toEqual({ value: "item", attempts: 3, id: "one" })
      const client = redisServer.client()
      expect(yield* Effect.promise(() => client.hlen("fix:q:pending"))).toBe(0)
      expect(yield* Effect.promise(() => client.llen("fix:q"))).toBe(0)
      expect(yield* Effect.promise(() => client.exists("fix:q:failed", "fix:one:lock"))).toBe(0)
    }).pipe(Effect.provide(queues("fix:"))))
})
