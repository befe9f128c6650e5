/**
 * The outbox's queue: `@effect/experimental`'s `PersistedQueue` over a Redis store that corrects
 * two scripts of the library's own `PersistedQueue/Redis` store in 0.61 (`failed`, which passes
 * one key too many, and `resetQueue`, which misreads `HGETALL`: see `./redisQueueStore.ts`).
 *
 * The outbox keeps its dead letters itself (with the item, its outcome and the reason), so every
 * take allows {@link UNLIMITED_ATTEMPTS}: the store only ever completes or requeues an item, and
 * the outbox counts the attempts (the store's `attempts`, one higher after each failed take).
 */
import * as PersistedQueue from "@effect/experimental/PersistedQueue"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as ParseResult from "effect/ParseResult"
import type { RedisOptions } from "ioredis"
import { layerRedisQueueStore, type QueueTimings } from "./redisQueueStore.js"

/** Attempts the store is told to allow: so many that it never moves an item to its own failed list. */
export const UNLIMITED_ATTEMPTS = Number.MAX_SAFE_INTEGER

export type { QueueTimings } from "./redisQueueStore.js"

/** The library's queue factory over the corrected Redis store of `./redisQueueStore.ts`, keys under `prefix`. */
export const layerRedisQueues = (
  redis: RedisOptions,
  prefix: string,
  timings: QueueTimings
): Layer.Layer<PersistedQueue.PersistedQueueFactory> =>
  PersistedQueue.layer.pipe(Layer.provide(layerRedisQueueStore(redis, prefix, timings)))

/**
 * Takes one item and runs `f` on it: done when `f` succeeds; put back in the queue, its
 * `attempts` one higher, when `f` fails; put back as it was when interrupted. Never moved to the
 * store's failed list.
 */
export const takeRequeuing = <A, R, X, E, XR>(
  queue: PersistedQueue.PersistedQueue<A, R>,
  f: (value: A, metadata: { readonly id: string; readonly attempts: number }) => Effect.Effect<X, E, XR>
): Effect.Effect<X, E | PersistedQueue.PersistedQueueError | ParseResult.ParseError, R | XR> =>
  queue.take(f, { maxAttempts: UNLIMITED_ATTEMPTS })
