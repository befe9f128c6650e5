/**
 * What a fleet keeps in Redis besides the rate budget (which is `@effect/experimental`'s own
 * `RateLimiter/Redis` store): each workspace's pause, a `KeyValueStore` for sync checkpoints
 * and dead letters, leases, and each job's last claimed tick. Expiries are whole milliseconds
 * (`PX`), never fractions.
 */
import * as PlatformError from "@effect/platform/Error"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { Redis, type RedisOptions } from "ioredis"
import { fencedOut, type LeaseService } from "./lease.js"
import type { PauseStore } from "./shared.js"
import type { TicksService } from "./ticks.js"

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

/** Runs one Redis command, its failure typed. */
export const run = <A>(command: string, f: () => Promise<A>): Effect.Effect<A, RedisCommandFailed> =>
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

/** Whether `ARGV[1]` holds the lease `KEYS[1]`; then runs the write on the other keys and returns 1. */
const FENCED = (write: string) => `
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return 0 end
${write}
return 1
`
const FENCED_SET = FENCED(`redis.call("SET", KEYS[2], ARGV[2])`)
const FENCED_DEL = FENCED(`for i = 2, #KEYS do redis.call("DEL", KEYS[i]) end`)
const RENEW = FENCED(`redis.call("PEXPIRE", KEYS[1], ARGV[2])`)
const RELEASE = FENCED(`redis.call("DEL", KEYS[1])`)

/** Leases as one key each, `<leasePrefix><name>`, holding the holder's token and expiring with the lease. */
export const makeRedisLease = (
  redis: Redis,
  leasePrefix: string,
  kvPrefix: string,
  store: KeyValueStore.KeyValueStore
): LeaseService => {
  const held = (command: string, f: () => Promise<unknown>) =>
    Effect.orElseSucceed(Effect.map(run(command, f), (answer) => answer === 1 || answer === "OK"), () => false)
  return {
    acquire: (name, token, ttl) => held("SET", () => redis.set(`${leasePrefix}${name}`, token, "PX", ttl, "NX")),
    renew: (name, token, ttl) => held("EVAL", () => redis.eval(RENEW, 1, `${leasePrefix}${name}`, token, ttl)),
    release: (name, token) => Effect.asVoid(held("EVAL", () => redis.eval(RELEASE, 1, `${leasePrefix}${name}`, token))),
    fenced: (name, token) => {
      const lease = `${leasePrefix}${name}`
      const fenced = (method: string, script: string, keys: ReadonlyArray<string>, value?: string | Uint8Array) =>
        Effect.flatMap(
          Effect.mapError(
            run("EVAL", () =>
              redis.eval(
                script,
                1 + keys.length,
                lease,
                ...keys,
                token,
                ...(value === undefined ? [] : [typeof value === "string" ? value : Buffer.from(value)])
              )),
            kvError(method)
          ),
          (answer) => (answer === 1 ? Effect.void : Effect.fail(fencedOut(method, name)))
        )
      return KeyValueStore.make({
        get: store.get,
        getUint8Array: store.getUint8Array,
        size: store.size,
        set: (key, value) => fenced("set", FENCED_SET, [`${kvPrefix}${key}`], value),
        remove: (key) => fenced("remove", FENCED_DEL, [`${kvPrefix}${key}`]),
        clear: Effect.flatMap(
          Effect.mapError(keysUnder(redis, kvPrefix), kvError("clear")),
          (keys) => fenced("clear", FENCED_DEL, keys)
        )
      })
    }
  }
}

/** Stores `ARGV[1]` as the claimed tick unless a tick as late or later is stored: 1 if it did. */
const CLAIM_TICK = `
local stored = redis.call("GET", KEYS[1])
if stored and tonumber(stored) >= tonumber(ARGV[1]) then return 0 end
redis.call("SET", KEYS[1], ARGV[1])
return 1
`

/**
 * Each job's last claimed tick as one key, `<prefix><name>`, holding the tick's start in
 * milliseconds since the epoch (kept without expiry: a key that passed could let a late replica
 * claim a tick again). A failing Redis claims nothing, with a warning: the tick is then not run.
 */
export const makeRedisTicks = (redis: Redis, prefix: string): TicksService => ({
  claim: (name, tickStart) =>
    Effect.catchAll(
      Effect.map(run("EVAL", () => redis.eval(CLAIM_TICK, 1, `${prefix}${name}`, String(tickStart))), (answer) =>
        answer === 1),
      (error) =>
        Effect.as(
          Effect.logWarning(`Recotap fleet: a tick of "${name}" could not be claimed: ${error.message}`),
          false
        )
    )
})
