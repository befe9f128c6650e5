/**
 * The outbox's queue: `@effect/experimental`'s `PersistedQueue` with its Redis store, taken in a
 * way that avoids a bug of that store in 0.61.
 *
 * The bug: the store's `failed` Lua script (run when an item fails its last allowed attempt)
 * declares `numberOfKeys: 2` but is passed 3 keys (pending, lock, failed), so Redis sees the
 * failed-list key as `ARGV[1]`: the script deletes the lock, removes nothing from the pending
 * hash (it deletes the field named after the failed-list key, not the item's id), then fails on
 * `RPUSH` to a missing key. The store runs it with `Effect.promise`, so the take dies with a
 * defect, and the item stays in the pending hash without a lock, to be put back in the queue by
 * the next reset: never moved to the failed list.
 *
 * The workaround avoids that path: every take allows {@link UNLIMITED_ATTEMPTS}, so the store only
 * ever completes or requeues (its `complete` and `requeue` scripts are right), and the outbox
 * counts attempts itself (the store's `attempts`, increased by each failed take) and moves an item
 * to its own dead letters when they run out.
 */
import * as PersistedQueue from "@effect/experimental/PersistedQueue"
import * as RedisPersistedQueue from "@effect/experimental/PersistedQueue/Redis"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as ParseResult from "effect/ParseResult"
import type { RedisOptions } from "ioredis"

/** Attempts the store is told to allow: so many that its broken `failed` script never runs. */
export const UNLIMITED_ATTEMPTS = Number.MAX_SAFE_INTEGER

/** How often the store looks for work, and how long an item taken by a process that died stays locked. */
export interface QueueTimings {
  readonly pollInterval?: Duration.DurationInput | undefined
  readonly lockRefreshInterval?: Duration.DurationInput | undefined
  readonly lockExpiration?: Duration.DurationInput | undefined
}

/** The library's queue factory over its Redis store, keys under `prefix`. */
export const layerRedisQueues = (
  redis: RedisOptions,
  prefix: string,
  timings: QueueTimings
): Layer.Layer<PersistedQueue.PersistedQueueFactory> =>
  PersistedQueue.layer.pipe(
    Layer.provide(
      RedisPersistedQueue.layerStore({
        ...redis,
        prefix,
        ...(timings.pollInterval === undefined ? {} : { pollInterval: timings.pollInterval }),
        ...(timings.lockRefreshInterval === undefined ? {} : { lockRefreshInterval: timings.lockRefreshInterval }),
        ...(timings.lockExpiration === undefined ? {} : { lockExpiration: timings.lockExpiration })
      })
    )
  )

/**
 * Takes one item and runs `f` on it: done when `f` succeeds; put back in the queue, its
 * `attempts` one higher, when `f` fails; put back as it was when interrupted. Never the store's
 * `failed` path (see the module's description).
 */
export const takeRequeuing = <A, R, X, E, XR>(
  queue: PersistedQueue.PersistedQueue<A, R>,
  f: (value: A, metadata: { readonly id: string; readonly attempts: number }) => Effect.Effect<X, E, XR>
): Effect.Effect<X, E | PersistedQueue.PersistedQueueError | ParseResult.ParseError, R | XR> =>
  queue.take(f, { maxAttempts: UNLIMITED_ATTEMPTS })
