/**
 * What a fleet keeps in Redis besides the rate budget (which is `@effect/experimental`'s own
 * `RateLimiter/Redis` store): each workspace's pause, and a `KeyValueStore` for sync checkpoints
 * and dead letters. Expiries are whole milliseconds (`PX`), never fractions.
 */
import * as PlatformError from "@effect/platform/Error"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { Redis, type RedisOptions } from "ioredis"
import type { PauseStore } from "./shared.js"

/** A Redis command that failed: the fleet's stores say which one, never with what. */
export class RedisCommandFailed extends Data.TaggedError("RedisCommandFailed")<{
  readonly command: string
  readonly message: string
  readonly cause: unknown
}> {}

/** A connection for the lifetime of the scope. */
export const connect = (options: RedisOptions): Effect.Effect<Redis, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const redis = new Redis(options)
      // A connection error fails the commands waiting for it, which fall back: not an event to crash on.
      redis.on("error", () => {})
      return redis
    }),
    (redis) => Effect.promise(() => redis.quit().catch(() => redis.disconnect()))
  )

const run = <A>(command: string, f: () => Promise<A>): Effect.Effect<A, RedisCommandFailed> =>
  Effect.tryPromise({
    try: f,
    catch: (cause) =>
      new RedisCommandFailed({
        command,
        message: `Redis ${command} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause
      })
  })

/**
 * Extends a pause to `ARGV[1]` ms from now unless it lasts longer already, in one step: the key's
 * own expiry is the pause, so that no two clocks need to agree.
 */
const EXTEND_PAUSE = `
local left = redis.call("PTTL", KEYS[1])
local wanted = tonumber(ARGV[1])
if left < wanted then
  redis.call("SET", KEYS[1], "1", "PX", wanted)
end
return 0
`

/** Each workspace's pause as one key, `<prefix><workspace>`, that lives as long as the pause. */
export const makeRedisPauses = (redis: Redis, prefix: string): PauseStore<RedisCommandFailed> => ({
  remaining: (workspace) => run("PTTL", () => redis.pttl(`${prefix}${workspace}`)),
  extend: (workspace, millis) =>
    millis <= 0
      ? Effect.void
      : Effect.asVoid(run("EVAL", () => redis.eval(EXTEND_PAUSE, 1, `${prefix}${workspace}`, Math.ceil(millis))))
})

/** The failure a `KeyValueStore` reports: the platform's own. */
const kvError = (method: string) => (error: RedisCommandFailed) =>
  new PlatformError.SystemError({
    reason: "Unknown",
    module: "KeyValueStore",
    method,
    description: error.message,
    cause: error
  })

/** A glob that matches `prefix` literally. */
const globEscape = (prefix: string) => prefix.replace(/[*?[\]\\]/g, "\\$&")

/** Every key under `prefix`, a batch at a time (SCAN: never blocks the server as KEYS would). */
const keysUnder = (redis: Redis, prefix: string): Effect.Effect<ReadonlyArray<string>, RedisCommandFailed> =>
  run("SCAN", async () => {
    const keys = new Set<string>()
    let cursor = "0"
    do {
      const [next, batch] = await redis.scan(cursor, "MATCH", `${globEscape(prefix)}*`, "COUNT", 500)
      for (const key of batch) keys.add(key)
      cursor = next
    } while (cursor !== "0")
    return [...keys]
  })

/** A `KeyValueStore` whose entries are the Redis keys `<prefix><key>`. */
export const makeRedisKeyValueStore = (redis: Redis, prefix: string): KeyValueStore.KeyValueStore =>
  KeyValueStore.make({
    get: (key) =>
      Effect.mapBoth(run("GET", () => redis.get(`${prefix}${key}`)), {
        onFailure: kvError("get"),
        onSuccess: Option.fromNullable
      }),
    getUint8Array: (key) =>
      Effect.mapBoth(run("GET", () => redis.getBuffer(`${prefix}${key}`)), {
        onFailure: kvError("getUint8Array"),
        onSuccess: (buffer) => Option.map(Option.fromNullable(buffer), (bytes) => new Uint8Array(bytes))
      }),
    set: (key, value) =>
      Effect.mapBoth(
        run("SET", () => redis.set(`${prefix}${key}`, typeof value === "string" ? value : Buffer.from(value))),
        { onFailure: kvError("set"), onSuccess: () => undefined }
      ),
    remove: (key) =>
      Effect.mapBoth(run("DEL", () => redis.del(`${prefix}${key}`)), {
        onFailure: kvError("remove"),
        onSuccess: () => undefined
      }),
    clear: Effect.mapError(
      Effect.flatMap(
        keysUnder(redis, prefix),
        (keys) => keys.length === 0 ? Effect.void : Effect.asVoid(run("DEL", () => redis.del(...keys)))
      ),
      kvError("clear")
    ),
    size: Effect.mapBoth(keysUnder(redis, prefix), { onFailure: kvError("size"), onSuccess: (keys) => keys.length })
  })
