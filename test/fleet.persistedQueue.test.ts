/**
 * The outbox's queue (`@effect/experimental`'s `PersistedQueue` over its Redis store) against a
 * real redis-server: the 0.61 bug of its `failed` script, and the way the outbox avoids it.
 */
import * as PersistedQueue from "@effect/experimental/PersistedQueue"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import { layerRedisQueues, takeRequeuing } from "../src/internal/fleet/persistedQueue.js"
import { hasRedisServer, missingRedis, redisForThisFile } from "./fleet/redisServer.js"

const redisServer = redisForThisFile()

const queues = (prefix: string) =>
  layerRedisQueues({ host: "127.0.0.1", port: redisServer.port() }, prefix, { pollInterval: "20 millis" })

const queueOf = (name: string) => PersistedQueue.make({ name, schema: Schema.String })

describe.skipIf(!hasRedisServer)(`PersistedQueue/Redis ${hasRedisServer ? "" : missingRedis}`, () => {
  it.live("0.61's `failed` script is broken: the last failed attempt dies and leaves the item pending", () =>
    Effect.gen(function*() {
      const queue = yield* queueOf("q")
      yield* queue.offer("item", { id: "one" })
      const exit = yield* Effect.exit(queue.take(() => Effect.fail("refused"), { maxAttempts: 1 }))
      // If this starts failing, the library fixed its script: the workaround can go.
      expect(Exit.isFailure(exit) && exit.cause._tag === "Die").toBe(true)
      expect(yield* Effect.promise(() => redisServer.client().hkeys("bug:q:pending"))).toEqual(["one"])
      expect(yield* Effect.promise(() => redisServer.client().exists("bug:q:failed"))).toBe(0)
    }).pipe(Effect.provide(queues("bug:"))))

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
