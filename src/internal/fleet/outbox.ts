/**
 * The durable outbox: writes offered to a `PersistedQueue` in Redis (see `./persistedQueue.ts`),
 * drained by `BulkSettle` (see `./outboxDrain.ts`), with dead letters kept in Redis. Its Redis
 * keys, under `<prefix>outbox:`: the library's queue (`<name>`, `<name>:pending`, `<name>:ids`,
 * `<id>:lock`), and the outbox's own `<name>:sent` (items whose send may have been applied,
 * with the instant a read-back starts from) and `<name>:dead` (dead letters, by item id).
 */
import type * as PersistedQueue from "@effect/experimental/PersistedQueue"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Redis } from "ioredis"
import type { RecotapCrm } from "../../RecotapCrm.js"
import type { InvalidApiKey, MissingApiKey } from "../../RecotapError.js"
import { describeParseError } from "../parseError.js"
import { drainQueue, type DrainStore } from "./outboxDrain.js"
import { DeadLetter, type DrainOptions, InvalidOutboxItem, OutboxError, OutboxItem } from "./outboxModel.js"
import { run } from "./redis.js"

/** One named outbox. */
export interface Outbox {
  /** Its name: its Redis keys are `<prefix>outbox:<name>...`. */
  readonly name: string
  /**
   * Checks `item`, stores it (before it returns) and gives its id; with an `id`, an item with that
   * id is stored once, ever. An item that is not a valid `OutboxItem` is not stored: `InvalidOutboxItem`.
   */
  readonly offer: (
    item: OutboxItem,
    options?: { readonly id?: string | undefined }
  ) => Effect.Effect<string, InvalidOutboxItem | OutboxError>
  /** Settles the outbox's items on Recotap until interrupted; fails only when the key is missing or refused. */
  readonly drain: (options?: DrainOptions) => Effect.Effect<never, MissingApiKey | InvalidApiKey, RecotapCrm>
  /** The dead letters, oldest first. */
  readonly deadLetters: Effect.Effect<ReadonlyArray<DeadLetter>, OutboxError>
  /** Drops the dead letters with these ids (all of them without ids); gives how many it dropped. */
  readonly dropDeadLetters: (ids?: ReadonlyArray<string>) => Effect.Effect<number, OutboxError>
}

/** The outboxes of a fleet, by name. */
export class Outboxes extends Context.Tag("effect-recotap/Outboxes")<Outboxes, {
  readonly get: (name: string) => Effect.Effect<Outbox>
}>() {}

const outboxError = (operation: string) => (cause: { readonly message: string }) =>
  new OutboxError({ operation, message: `Outbox ${operation} failed: ${cause.message}`, cause })

const decodeDeadLetter = Schema.decodeUnknown(Schema.parseJson(DeadLetter))
const encodeDeadLetter = Schema.encode(Schema.parseJson(DeadLetter))
const encodeItem = (item: OutboxItem) =>
  Effect.mapError(
    Schema.encode(OutboxItem)(item),
    (error) => new InvalidOutboxItem({ message: `Not an outbox item, not stored: ${describeParseError(error, 5)}` })
  )

/** What the drain keeps in Redis besides the queue. */
const drainStore = (redis: Redis, key: string): DrainStore => ({
  sentSince: (ids) =>
    ids.length === 0
      ? Effect.succeed([])
      : run("HMGET", () => redis.hmget(`${key}:sent`, ...ids)),
  markSent: (ids, since) =>
    ids.length === 0
      ? Effect.void
      : Effect.asVoid(run("HSET", () => redis.hset(`${key}:sent`, ...ids.flatMap((id) => [id, String(since ?? "")])))),
  clearSent: (id) => Effect.asVoid(run("HDEL", () => redis.hdel(`${key}:sent`, id))),
  deadLetter: (letters) =>
    letters.length === 0 ? Effect.void : Effect.flatMap(
      Effect.forEach(letters, (letter) =>
        Effect.map(Effect.orDie(encodeDeadLetter(letter)), (json) => [letter.id, json])),
      (pairs) =>
        Effect.asVoid(run("HSET", () => redis.hset(`${key}:dead`, ...pairs.flat())))
    )
})

/** The outboxes over `factory`, with their own keys under `prefix` on `redis`. */
export const makeOutboxes = (
  factory: PersistedQueue.PersistedQueueFactory["Type"],
  redis: Redis,
  prefix: string
): Context.Tag.Service<Outboxes> => ({
  get: (name) =>
    Effect.map(factory.make({ name, schema: Schema.Unknown }), (queue): Outbox => {
      const key = `${prefix}${name}`
      const store = drainStore(redis, key)
      return {
        name,
        offer: (item, options) =>
          Effect.flatMap(
            encodeItem(item),
            (element) =>
              Effect.mapError(
                queue.offer(element, options?.id === undefined ? undefined : { id: options.id }),
                outboxError("offer")
              )
          ),
        drain: (options = {}) => drainQueue(queue, store, options),
        deadLetters: Effect.flatMap(
          Effect.mapError(run("HVALS", () => redis.hvals(`${key}:dead`)), outboxError("deadLetters")),
          (values) =>
            Effect.map(
              Effect.mapError(Effect.forEach(values, (value) => decodeDeadLetter(value)), outboxError("deadLetters")),
              (letters) => [...letters].sort((a, b) => a.at - b.at)
            )
        ),
        dropDeadLetters: (ids) =>
          Effect.mapError(
            ids === undefined
              ? run("HLEN, DEL", async () => {
                const count = await redis.hlen(`${key}:dead`)
                await redis.del(`${key}:dead`)
                return count
              })
              : ids.length === 0
              ? Effect.succeed(0)
              : run("HDEL", () => redis.hdel(`${key}:dead`, ...ids)),
            outboxError("dropDeadLetters")
          )
      }
    })
})
