/**
 * Running on many workers: clients on one workspace key, in one process or in many, share one
 * rate budget and one pause, and keep their sync checkpoint and dead letters where every worker
 * finds them. Opt in by providing one of these layers next to `RecotapCrm`; without them each
 * client keeps its own pace and pause, and nothing here (`@effect/experimental`, `ioredis`) is
 * loaded.
 *
 * - `Fleet.layerRedis(options)`: across processes, through Redis. The rate budget is
 *   `@effect/experimental`'s `RateLimiter` with its Redis store (a fixed window of the client's
 *   `rateLimit.requests` per `rateLimit.interval`, one counter per workspace); a 429 (or 503) with
 *   `Retry-After` seen by one worker pauses every worker on the key until then; the
 *   `KeyValueStore` keeps `AccountSyncJob`'s checkpoint and dead letters in Redis.
 * - `Fleet.layerMemory`: the same sharing between the clients of one process, with a
 *   `KeyValueStore` in memory: for tests, and for one process with several clients.
 *
 * A workspace is known by a hash of its key, never the key. When Redis fails, requests do not:
 * each client falls back to its own pace and pause (with a warning) until Redis answers again.
 *
 * @example
 * ```ts
 * import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
 * import { Effect, Layer } from "effect"
 * import { ApiKey, RecotapConfig, RecotapCrm } from "effect-recotap"
 * import * as Fleet from "effect-recotap/Fleet"
 *
 * // On every replica: at most 10 requests per second between them all.
 * const CrmLive = RecotapCrm.layer.pipe(
 *   Layer.provide(
 *     Layer.mergeAll(
 *       ApiKey.layerConfig(),
 *       RecotapConfig.layer({ rateLimit: { requests: 10, interval: "1 second" } }),
 *       FetchHttpClient.layer
 *     )
 *   ),
 *   Layer.provideMerge(Fleet.layerRedis({ redis: { host: "127.0.0.1", port: 6379 } }))
 * )
 *
 * export const main = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list()).pipe(Effect.provide(CrmLive))
 * ```
 *
 * @since 0.1.0
 */
import * as ExperimentalRateLimiter from "@effect/experimental/RateLimiter"
import * as RedisRateLimiter from "@effect/experimental/RateLimiter/Redis"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { RedisOptions } from "ioredis"
import { Coordination } from "./internal/coordination.js"
import { makeMemoryPauses } from "./internal/fleet/memory.js"
import { connect, makeRedisKeyValueStore, makeRedisPauses } from "./internal/fleet/redis.js"
import { makeShared } from "./internal/fleet/shared.js"

export {
  /**
   * The service the fleet layers provide: where clients keep their pace and pause. Absent, each
   * client keeps its own.
   *
   * @since 0.1.0
   * @category services
   */
  Coordination
} from "./internal/coordination.js"

/**
 * Where a fleet keeps its state in Redis.
 *
 * @since 0.1.0
 * @category models
 */
export interface FleetRedisOptions {
  /** How to reach Redis (`ioredis` options: `host`, `port`, `path`, `password`, `db`, `tls`, ...); default `127.0.0.1:6379`. */
  readonly redis?: RedisOptions | undefined
  /** Start of every key the fleet writes (default {@link DEFAULT_PREFIX}): one per application sharing a Redis. */
  readonly prefix?: string | undefined
}

/**
 * The default start of the fleet's Redis keys.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_PREFIX = "effect-recotap:"

/**
 * The rate budget and pause of every client on a workspace, shared within this process, and a
 * `KeyValueStore` in memory.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<Coordination | KeyValueStore.KeyValueStore> = Layer.merge(
  Layer.effect(
    Coordination,
    Effect.map(ExperimentalRateLimiter.make, (limiter) => makeShared(limiter, makeMemoryPauses()))
  ).pipe(Layer.provide(ExperimentalRateLimiter.layerStoreMemory)),
  KeyValueStore.layerMemory
)

/**
 * The rate budget and pause of every client on a workspace, shared through Redis by every
 * process that uses the same Redis and prefix, and a `KeyValueStore` in Redis (keys
 * `<prefix>kv:<key>`) for `AccountSyncJob`'s checkpoint and dead letters. Two connections are
 * opened for the lifetime of the layer (the rate limiter's own, and one for the rest).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRedis = (
  options: FleetRedisOptions = {}
): Layer.Layer<Coordination | KeyValueStore.KeyValueStore> => {
  const prefix = options.prefix ?? DEFAULT_PREFIX
  const redisOptions: RedisOptions = { host: "127.0.0.1", port: 6379, ...options.redis }
  const rateStore = RedisRateLimiter.layerStore({ ...redisOptions, prefix: `${prefix}rate:` })
  return Layer.scopedContext(
    Effect.gen(function*() {
      const redis = yield* connect(redisOptions)
      const limiter = yield* ExperimentalRateLimiter.make
      return Context.make(Coordination, makeShared(limiter, makeRedisPauses(redis, `${prefix}pause:`))).pipe(
        Context.add(KeyValueStore.KeyValueStore, makeRedisKeyValueStore(redis, `${prefix}kv:`))
      )
    })
  ).pipe(Layer.provide(rateStore))
}
