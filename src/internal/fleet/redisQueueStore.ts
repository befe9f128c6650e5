/**
 * A `PersistedQueueStore` over Redis for `@effect/experimental`'s `PersistedQueue`, keeping the
 * key layout and scripts of the library's own `PersistedQueue/Redis` store (0.61) with two of
 * its scripts corrected:
 *
 * - `failed` declares `numberOfKeys: 2` but is passed 3 keys, so the failed-list key arrives as
 *   `ARGV[1]`: the lock is deleted, the item stays in the pending hash, and `RPUSH` to a missing
 *   key fails (the take then dies with a defect).
 * - `resetQueue` walks `HGETALL`'s flat reply with `pairs`, as if it were a table of fields: it
 *   pushes every field name and every payload of the pending hash back to the queue (the names
 *   are not even items), on every tick, locked or not, and removes nothing from the hash. A
 *   drain that died is never recovered from; live drains see their items twice.
 *
 * Keys, under `prefix`: `<name>` (the queue, a list of JSON items), `<name>:pending` (taken
 * items by id), `<name>:ids` (ids given to `offer`), `<name>:failed`, `<id>:lock` (held while
 * a take runs, renewed every `lockRefreshInterval`, expiring after `lockExpiration`).
 */
import * as PersistedQueue from "@effect/experimental/PersistedQueue"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { Redis, RedisOptions } from "ioredis"
import { connect, run } from "./redis.js"

/** How often the store looks for work, and how long an item taken by a process that died stays locked. */
export interface QueueTimings {
  readonly pollInterval?: Duration.DurationInput | undefined
  readonly lockRefreshInterval?: Duration.DurationInput | undefined
  readonly lockExpiration?: Duration.DurationInput | undefined
}

const OFFER = `
if redis.call("SADD", KEYS[2], ARGV[1]) == 1 then redis.call("RPUSH", KEYS[1], ARGV[2]) end
`
const TAKE = `
local payload = redis.call("LPOP", KEYS[1])
if not payload then return nil end
local id = cjson.decode(payload).id
redis.call("SET", ARGV[1] .. id .. ":lock", ARGV[2], "PX", ARGV[3])
redis.call("HSET", KEYS[2], id, payload)
return payload
`
const COMPLETE = `
redis.call("DEL", KEYS[2])
redis.call("HDEL", KEYS[1], ARGV[1])
`
const REQUEUE = `
redis.call("DEL", KEYS[3])
redis.call("HDEL", KEYS[2], ARGV[1])
redis.call("RPUSH", KEYS[1], ARGV[2])
`
/** The library's `failed`, given its three keys. */
const FAILED = `
redis.call("DEL", KEYS[2])
redis.call("HDEL", KEYS[1], ARGV[1])
redis.call("RPUSH", KEYS[3], ARGV[2])
`
/** The library's `resetQueue`, reading `HGETALL`'s reply as the flat list of fields and values it is. */
const RESET = `
local entries = redis.call("HGETALL", KEYS[2])
for i = 1, #entries, 2 do
  local id = entries[i]
  if redis.call("EXISTS", ARGV[1] .. id .. ":lock") == 0 then
    redis.call("RPUSH", KEYS[1], entries[i + 1])
    redis.call("HDEL", KEYS[2], id)
  end
end
`

const Element = Schema.parseJson(Schema.Struct({
  id: Schema.String,
  element: Schema.Unknown,
  attempts: Schema.Number,
  lastFailure: Schema.optional(Schema.String)
}))
const decodeElement = Schema.decodeUnknown(Element)
const encodeElement = Schema.encodeSync(Element)

const queueError = (message: string) => (cause: unknown) => new PersistedQueue.PersistedQueueError({ message, cause })

const millis = (input: Duration.DurationInput | undefined, fallback: number) =>
  input === undefined ? fallback : Duration.toMillis(input)

/** One store's connection and settings, shared by its steps. */
interface Store {
  readonly redis: Redis
  readonly prefix: string
  /** This process's mark on the locks it takes. */
  readonly worker: string
  readonly refresh: number
  readonly expiry: number
}

type Item = typeof Element.Type

/**
 * How a take ends: its item completed (removed) on success; on failure, put back with one more
 * attempt (or into the failed list after `maxAttempts`); on interruption, put back as it was.
 */
const release =
  (store: Store, name: string, item: Item, maxAttempts: number) => (exit: Exit.Exit<unknown, unknown>) => {
    const { prefix, redis } = store
    const queue = `${prefix}${name}`
    const held = `${prefix}${item.id}:lock`
    if (Exit.isSuccess(exit)) {
      return Effect.ignore(run("EVAL", () => redis.eval(COMPLETE, 2, `${queue}:pending`, held, item.id)))
    }
    const next = Cause.isInterruptedOnly(exit.cause) ? item : {
      ...item,
      attempts: item.attempts + 1,
      lastFailure: Cause.pretty(exit.cause, { renderErrorCause: true })
    }
    const payload = encodeElement(next)
    return Effect.ignore(run("EVAL", () =>
      next.attempts >= maxAttempts
        ? redis.eval(FAILED, 3, `${queue}:pending`, held, `${queue}:failed`, item.id, payload)
        : redis.eval(REQUEUE, 3, queue, `${queue}:pending`, held, item.id, payload)))
  }

/**
 * One attempt to take an item (undefined when the queue is empty), its release and the renewal
 * of its lock tied to the take's scope. Run uninterruptibly: an interruption cannot leave an item
 * taken without its release.
 */
const takeOnce = (store: Store, name: string, maxAttempts: number) =>
  Effect.gen(function*() {
    const { expiry, prefix, redis, refresh, worker } = store
    const queue = `${prefix}${name}`
    const reply = yield* Effect.mapError(
      run("EVAL", () => redis.eval(TAKE, 2, queue, `${queue}:pending`, prefix, worker, expiry)),
      queueError("Failed to take element from persisted queue")
    )
    if (typeof reply !== "string") return undefined
    const item = yield* Effect.mapError(decodeElement(reply), queueError("Unreadable element"))
    yield* Effect.addFinalizer(release(store, name, item, maxAttempts))
    const held = `${prefix}${item.id}:lock`
    // Forked from an uninterruptible step: made interruptible, so that the take's end stops it.
    yield* Effect.forkScoped(Effect.interruptible(Effect.forever(
      Effect.zipRight(Effect.sleep(refresh), Effect.ignore(run("PEXPIRE", () => redis.pexpire(held, expiry))))
    )))
    return item
  })

/** The store, on its own connection for the lifetime of the layer. */
export const layerRedisQueueStore = (
  redisOptions: RedisOptions,
  prefix: string,
  timings: QueueTimings
): Layer.Layer<PersistedQueue.PersistedQueueStore> =>
  Layer.scoped(
    PersistedQueue.PersistedQueueStore,
    Effect.gen(function*() {
      const redis = yield* connect(redisOptions)
      const poll = millis(timings.pollInterval, 1_000)
      const store: Store = {
        redis,
        prefix,
        worker: crypto.randomUUID(),
        refresh: millis(timings.lockRefreshInterval, 30_000),
        expiry: millis(timings.lockExpiration, 90_000)
      }
      const key = (name: string) => `${prefix}${name}`
      // Puts back the items of takes that died (their locks expired), every `refresh`, for each queue taken from.
      const resetting = new Set<string>()
      const reset = (name: string, scope: Scope.Scope) =>
        Effect.suspend(() => {
          if (resetting.has(name)) return Effect.void
          resetting.add(name)
          const once = run("EVAL", () => redis.eval(RESET, 2, key(name), `${key(name)}:pending`, prefix))
          return Effect.asVoid(
            Effect.forkIn(Effect.forever(Effect.zipRight(Effect.ignore(once), Effect.sleep(store.refresh))), scope)
          )
        })
      const scope = yield* Effect.scope

      return PersistedQueue.PersistedQueueStore.of({
        offer: ({ element, id, isCustomId, name }) => {
          const payload = encodeElement({ id, element, attempts: 0 })
          return Effect.mapError(
            Effect.asVoid(run("EVAL", () =>
              isCustomId
                ? redis.eval(OFFER, 2, key(name), `${key(name)}:ids`, id, payload)
                : redis.rpush(key(name), payload))),
            queueError("Failed to offer element to persisted queue")
          )
        },
        take: ({ maxAttempts, name }) =>
          Effect.gen(function*() {
            yield* reset(name, scope)
            let item = yield* Effect.uninterruptible(takeOnce(store, name, maxAttempts))
            while (item === undefined) {
              yield* Effect.sleep(poll)
              item = yield* Effect.uninterruptible(takeOnce(store, name, maxAttempts))
            }
            return item
          })
      })
    })
  )
