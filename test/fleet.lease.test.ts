/**
 * `Fleet.exclusive`: one runner at a time, through a lease in a real redis-server (started by
 * this file on a free loopback port, persistence off) and in memory; a run that loses its lease
 * is interrupted, and its writes are refused.
 */
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Fleet from "../src/Fleet.js"
import { hasRedisServer, missingRedis, redisForThisFile } from "./fleet/redisServer.js"

const redisServer = redisForThisFile()

/** Two runs of one name at once: the second finds the lease held and does not run; a third, after, does. */
const oneAtATime = Effect.gen(function*() {
  const started = yield* Deferred.make<void>()
  const finish = yield* Deferred.make<void>()
  const first = yield* Effect.fork(
    Fleet.exclusive("sync")(Effect.zipRight(Deferred.succeed(started, undefined), Deferred.await(finish)))
  )
  yield* Deferred.await(started)
  const second = yield* Fleet.exclusive("sync")(Effect.succeed("ran"))
  yield* Deferred.succeed(finish, undefined)
  const firstResult = yield* Fiber.join(first)
  // Released when the first run ended: the next one runs.
  const third = yield* Fleet.exclusive("sync")(Effect.succeed("ran"))
  expect(firstResult).toEqual(Option.some(undefined))
  expect(second).toEqual(Option.none())
  expect(third).toEqual(Option.some("ran"))
})

describe("Fleet.exclusive in memory", () => {
  it.effect("while one run holds the lease another does not run; once it ends, the next one does", () =>
    Effect.gen(function*() {
      yield* oneAtATime
    }).pipe(Effect.provide(Fleet.layerMemory)))
})

describe.skipIf(!hasRedisServer)(`Fleet.exclusive through Redis ${hasRedisServer ? "" : missingRedis}`, () => {
  const fleet = (prefix: string) => Fleet.layerRedis({ redis: { host: "127.0.0.1", port: redisServer.port() }, prefix })

  it.live("while one run holds the lease another does not run; once it ends, the next one does", () =>
    Effect.gen(function*() {
      yield* oneAtATime
      expect(yield* Effect.promise(() => redisServer.client().exists("l1:lease:sync"))).toBe(0)
    }).pipe(Effect.provide(fleet("l1:"))))

  it.live("a run whose lease passed to another runner cannot write its checkpoint", () =>
    Effect.gen(function*() {
      const run = Fleet.exclusive("sync", { ttl: "10 seconds" })(
        Effect.gen(function*() {
          const store = yield* KeyValueStore.KeyValueStore
          yield* store.set("checkpoint", "before")
          // Another runner takes the lease (as after this one stalled past it).
          yield* Effect.promise(() => redisServer.client().set("l2:lease:sync", "another-runner", "PX", 10_000))
          yield* store.set("checkpoint", "after")
        })
      )
      const error = yield* Effect.flip(run)
      expect(error).toMatchObject({ _tag: "SystemError", reason: "PermissionDenied" })
      expect(yield* Effect.promise(() => redisServer.client().get("l2:kv:checkpoint"))).toBe("before")
      // The lease stays with the runner that took it.
      expect(yield* Effect.promise(() => redisServer.client().get("l2:lease:sync"))).toBe("another-runner")
    }).pipe(Effect.provide(fleet("l2:"))))

  it.live("a run that loses its lease is interrupted with LeaseLost at its next renewal", () =>
    Effect.gen(function*() {
      const run = Fleet.exclusive("sync", { ttl: "300 millis" })(
        Effect.zipRight(
          Effect.promise(() => redisServer.client().set("l3:lease:sync", "another-runner", "PX", 10_000)),
          Effect.never
        )
      )
      expect(yield* Effect.flip(run)).toMatchObject({ _tag: "LeaseLost", name: "sync" })
    }).pipe(Effect.provide(fleet("l3:"))))
})
