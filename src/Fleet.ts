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
 * - `Fleet.layerOutbox(options)` and `Fleet.outbox(name)`: a durable outbox in Redis for writes
 *   that must not be lost (account pushes and updates, external-ID mappings, deals, sales
 *   activities), drained by `BulkSettle`, with dead letters.
 * - `Fleet.exclusive(name)`: one runner at a time; `Fleet.scheduleSync(options, { interval })`
 *   (and `Fleet.everyTick` for any effect): started on every replica, the sync runs once per tick
 *   of the wall clock, on one of them.
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
// Over 400 lines: it is the fleet's public API, mostly signatures and their TSDoc with examples;
// the work is in `internal/fleet/`.
import * as PersistedQueue from "@effect/experimental/PersistedQueue"
import * as ExperimentalRateLimiter from "@effect/experimental/RateLimiter"
import * as RedisRateLimiter from "@effect/experimental/RateLimiter/Redis"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type { RedisOptions } from "ioredis"
import type { AccountSyncScheduleOptions } from "./AccountSyncJob.js"
import { Coordination } from "./internal/coordination.js"
import { exclusive as runExclusive, Lease, type LeaseLost } from "./internal/fleet/lease.js"
import { makeMemoryLease, makeMemoryPauses, makeMemoryTicks } from "./internal/fleet/memory.js"
import { makeOutboxes, type Outbox, Outboxes } from "./internal/fleet/outbox.js"
import { layerRedisQueues, type QueueTimings } from "./internal/fleet/persistedQueue.js"
import {
  connect,
  makeRedisKeyValueStore,
  makeRedisLease,
  makeRedisPauses,
  makeRedisTicks
} from "./internal/fleet/redis.js"
import { makeShared } from "./internal/fleet/shared.js"
import { everyTick as runEveryTick, Ticks } from "./internal/fleet/ticks.js"
import { DEFAULT_CHECKPOINT_KEY } from "./internal/syncJob.js"
import { scheduledRun } from "./internal/syncSchedule.js"
import type { RecotapCrm } from "./RecotapCrm.js"
import type { CheckpointCorrupt, InvalidApiKey, MissingApiKey, TransportError } from "./RecotapError.js"

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

export {
  /**
   * Leases for runs that must not overlap across workers (see {@link exclusive}); provided by
   * the fleet layers.
   *
   * @since 0.1.0
   * @category services
   */
  Lease,
  /**
   * A run that lost its lease before it ended: interrupted, its later writes not written.
   *
   * @since 0.1.0
   * @category errors
   */
  LeaseLost
} from "./internal/fleet/lease.js"

export {
  /**
   * Which replica runs each tick of a job (see {@link everyTick}): a claim per tick, provided by
   * the fleet layers.
   *
   * @since 0.1.0
   * @category services
   */
  Ticks
} from "./internal/fleet/ticks.js"

export {
  /**
   * One durable outbox (see {@link outbox}): `offer` a write, `drain` it to Recotap, read and
   * drop its `deadLetters`.
   *
   * @since 0.1.0
   * @category models
   */
  type Outbox,
  /**
   * The outboxes of a fleet, by name: provided by {@link layerOutbox}.
   *
   * @since 0.1.0
   * @category services
   */
  Outboxes
} from "./internal/fleet/outbox.js"

export {
  /**
   * An item that draining will never apply: `Rejected` or `Invalid` by Recotap or the client;
   * `InDoubt` (an earlier send may have applied it, a resend was refused, and nothing can be
   * read back to tell: a sales activity whose drain died after sending it, say); or `Unsettled`
   * (still `Unknown` or `Unavailable`) after `maxAttempts` drains.
   *
   * @since 0.1.0
   * @category models
   */
  DeadLetter,
  /**
   * How an outbox drains: `batchSize`, `maxAttempts`, `retryDelay`, and the options of each
   * settling write.
   *
   * @since 0.1.0
   * @category models
   */
  type DrainOptions,
  /**
   * An item offered that is not a valid `OutboxItem` (a blank domain, an activity without a
   * contact email, an update addressing no account, ...): nothing was stored.
   *
   * @since 0.1.0
   * @category errors
   */
  InvalidOutboxItem,
  /**
   * An outbox operation that failed: Redis unreachable, or a stored item that cannot be read.
   *
   * @since 0.1.0
   * @category errors
   */
  OutboxError,
  /**
   * A write offered to an outbox, by its `_tag`:
   *
   * - `{ _tag: "AccountPush", account }`: a create, as `accounts.push`;
   * - `{ _tag: "AccountUpdate", ref, update }`: as `accounts.update(ref, update)`, `ref` being
   *   `{ externalId }` (CRM revision) or `{ rtpAid }` (External revision);
   * - `{ _tag: "ExternalIdMapping", mapping }`: as `accounts.mapExternalIds`;
   * - `{ _tag: "DealPush", deal }`: an upsert, as `deals.push`;
   * - `{ _tag: "SalesActivityPush", activity }`: a create, as `salesActivities.push`.
   *
   * @since 0.1.0
   * @category models
   */
  OutboxItem
} from "./internal/fleet/outboxModel.js"

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
 * The rate budget and pause of every client on a workspace, shared within this process, a
 * `KeyValueStore` in memory, and the leases and tick claims of {@link exclusive} and
 * {@link everyTick} between the fibers of this process.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<Coordination | KeyValueStore.KeyValueStore | Lease | Ticks> = Layer
  .effectContext(
    Effect.gen(function*() {
      const limiter = yield* ExperimentalRateLimiter.make
      const store = yield* KeyValueStore.KeyValueStore
      return Context.make(Coordination, makeShared(limiter, makeMemoryPauses())).pipe(
        Context.add(KeyValueStore.KeyValueStore, store),
        Context.add(Lease, makeMemoryLease(store)),
        Context.add(Ticks, makeMemoryTicks())
      )
    })
  ).pipe(Layer.provide(Layer.merge(ExperimentalRateLimiter.layerStoreMemory, KeyValueStore.layerMemory)))

/**
 * The rate budget and pause of every client on a workspace, shared through Redis by every
 * process that uses the same Redis and prefix, and a `KeyValueStore` in Redis (keys
 * `<prefix>kv:<key>`) for `AccountSyncJob`'s checkpoint and dead letters; leases
 * (`<prefix>lease:<name>`) and each job's last claimed tick (`<prefix>tick:<name>`). Two
 * connections are opened for the lifetime of the layer (the rate limiter's own, and one for the
 * rest).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRedis = (
  options: FleetRedisOptions = {}
): Layer.Layer<Coordination | KeyValueStore.KeyValueStore | Lease | Ticks> => {
  const prefix = options.prefix ?? DEFAULT_PREFIX
  const redisOptions: RedisOptions = { host: "127.0.0.1", port: 6379, ...options.redis }
  const rateStore = RedisRateLimiter.layerStore({ ...redisOptions, prefix: `${prefix}rate:` })
  return Layer.scopedContext(
    Effect.gen(function*() {
      const redis = yield* connect(redisOptions)
      const limiter = yield* ExperimentalRateLimiter.make
      const store = makeRedisKeyValueStore(redis, `${prefix}kv:`)
      return Context.make(Coordination, makeShared(limiter, makeRedisPauses(redis, `${prefix}pause:`))).pipe(
        Context.add(KeyValueStore.KeyValueStore, store),
        Context.add(Lease, makeRedisLease(redis, `${prefix}lease:`, `${prefix}kv:`, store)),
        Context.add(Ticks, makeRedisTicks(redis, `${prefix}tick:`))
      )
    })
  ).pipe(Layer.provide(rateStore))
}

/**
 * The default time a lease lasts without renewal: what a dead runner's replacement waits at most.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_LEASE_TTL: Duration.DurationInput = "15 seconds"

/**
 * Runs `effect` on at most one worker at a time: the worker that takes the lease `name` runs it
 * (`Some` of its result); any other worker, while the lease is held, does not (`None`). The
 * lease lasts `ttl` (default {@link DEFAULT_LEASE_TTL}) and is renewed every third of it while
 * the run lasts, so a runner that dies is replaced within `ttl`. A run that loses its lease (a
 * stalled process, Redis unreachable) is interrupted and fails with `LeaseLost`; and the
 * `KeyValueStore` it sees is fenced by the lease: a write after the lease passed to another
 * runner fails rather than lands. To run a job once per tick across replicas, see
 * {@link scheduleSync} and {@link everyTick}, which run under this lease.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { AccountSyncJob } from "effect-recotap"
 * import * as Fleet from "effect-recotap/Fleet"
 *
 * // On every replica: at most one of them syncs at a time; the others answer None.
 * export const syncNow = AccountSyncJob.runOnce({ onAccount: (account) => Effect.log(account.domain) }).pipe(
 *   Fleet.exclusive("accounts-sync", { ttl: "30 seconds" })
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const exclusive = (
  name: string,
  options: { readonly ttl?: Duration.DurationInput | undefined } = {}
): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<Option.Option<A>, E | LeaseLost, R | Lease> =>
  runExclusive(name, options.ttl ?? DEFAULT_LEASE_TTL)

/**
 * Options of {@link layerOutbox}: where Redis is, and the queue's timings.
 *
 * @since 0.1.0
 * @category models
 */
export interface OutboxRedisOptions extends FleetRedisOptions {
  /** How often an idle drain asks Redis for work (default 1 second). */
  readonly pollInterval?: Duration.DurationInput | undefined
  /**
   * How long an item taken by a drain that died stays locked before another drain may take it
   * (default 90 seconds): longer than any settling write of a batch, since a live drain renews it
   * every `lockRefreshInterval` only.
   */
  readonly lockExpiration?: Duration.DurationInput | undefined
  /** How often a drain renews its items' locks, and puts back those of dead drains (default 30 seconds). */
  readonly lockRefreshInterval?: Duration.DurationInput | undefined
}

/**
 * Durable outboxes in Redis: `@effect/experimental`'s `PersistedQueue` (keys
 * `<prefix>outbox:<name>...`) over a Redis store of this package that keeps the library's own
 * (`PersistedQueue/Redis`) key layout and scripts, two of them corrected: in 0.61 its `failed`
 * script passes one key too many, and its `resetQueue` misreads the pending hash (so the items
 * of a drain that died were never put back). Two connections are opened for the lifetime of the
 * layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerOutbox = (options: OutboxRedisOptions = {}): Layer.Layer<Outboxes> => {
  const prefix = `${options.prefix ?? DEFAULT_PREFIX}outbox:`
  const redisOptions: RedisOptions = { host: "127.0.0.1", port: 6379, ...options.redis }
  const timings: QueueTimings = options
  return Layer.scoped(
    Outboxes,
    Effect.gen(function*() {
      const factory = yield* PersistedQueue.PersistedQueueFactory
      const redis = yield* connect(redisOptions)
      return makeOutboxes(factory, redis, prefix)
    })
  ).pipe(Layer.provide(layerRedisQueues(redisOptions, prefix, timings)))
}

/**
 * The outbox `name` (one per kind of work, say `"crm-writes"`): writes offered to it survive a
 * crash of the process that offered them, and of the process that drains them.
 *
 * - `offer(item, { id })`: checks the item (invalid: `InvalidOutboxItem`, nothing stored) and
 *   stores it; given an `id`, an item with that id is stored once only (ever: the store keeps
 *   every id given).
 * - `drain(options)`: runs until interrupted (fork it on one or more workers). It takes up to
 *   `batchSize` items at a time and settles them with `BulkSettle`; an item leaves the outbox
 *   only once settled: `Applied`, or `Rejected` / `Invalid` and kept as a dead letter. Items
 *   still `Unknown` or `Unavailable` go back, and are dead letters after `maxAttempts` drains.
 *   An account whose drain died after sending it is read back before it is sent again, so it is
 *   created once; updates, mappings and deals are sent again (they set the same values); a
 *   sales activity is sent again, and if that resend is refused (say, as its ID exists), it is a
 *   dead letter `InDoubt`: the earlier send may have created it, and nothing can read it back.
 * - `deadLetters`, `dropDeadLetters(ids)`: read them, drop some (or, without ids, all).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Fleet from "effect-recotap/Fleet"
 *
 * // In a request handler: the account is pushed even if this process dies right after.
 * export const onSignup = (domain: string, name: string) =>
 *   Effect.flatMap(Fleet.outbox("crm-writes"), (outbox) =>
 *     outbox.offer({ _tag: "AccountPush", account: { externalId: domain, domain, name } })
 *   )
 *
 * // On one or more workers, next to RecotapCrm and Fleet.layerOutbox(...).
 * export const drainer = Effect.flatMap(Fleet.outbox("crm-writes"), (outbox) => outbox.drain({ batchSize: 100 }))
 *
 * export const report = Effect.flatMap(Fleet.outbox("crm-writes"), (outbox) => outbox.deadLetters)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const outbox = (name: string): Effect.Effect<Outbox, never, Outboxes> =>
  Effect.flatMap(Outboxes, (outboxes) => outboxes.get(name))

/**
 * Options of {@link everyTick}.
 *
 * @since 0.1.0
 * @category models
 */
export interface EveryTickOptions {
  /**
   * The time between ticks. Ticks are aligned to the wall clock: tick `k` starts at
   * `k × interval` since the Unix epoch (UTC), so `"15 minutes"` ticks at :00, :15, :30 and :45.
   * Every replica must give the same one.
   */
  readonly interval: Duration.DurationInput
  /** How long the run's lease lasts without renewal (default {@link DEFAULT_LEASE_TTL}): see {@link exclusive}. */
  readonly ttl?: Duration.DurationInput | undefined
}

/**
 * Runs `effect` once per tick of `interval` across every replica that runs this with the same
 * `name` (and the same fleet layer): started on each of them, it never ends (unless `effect`
 * fails) and at each tick exactly one replica runs `effect`.
 *
 * - Every replica wakes at each tick's start, by its own clock, and claims the tick in one step
 *   (`layerRedis`: a small Lua script on `<prefix>tick:<name>`, which holds the start of the last
 *   tick claimed and accepts only a later one); the one that claims it runs `effect`, the others
 *   wait for the next tick. The current tick is claimed at once on start, so a first replica runs
 *   it at once, and a replica that restarts does not run again a tick that already ran.
 * - The claimant runs `effect` under {@link exclusive}'s lease `name` (`ttl`, renewed): runs never
 *   overlap, and the `KeyValueStore` a run sees is fenced by its lease. While the lease is held
 *   (a run still going, or a replica that died mid-run, until `ttl` passes) the claimant tries
 *   again until its tick is over; a tick that ends first is not run (a Warning says so).
 * - A run that loses its lease is interrupted with a Warning (another replica may run the next
 *   tick). A failure of `effect` ends the loop on the replica where it happened, with that
 *   failure: handle the failures that should be tried again inside `effect`.
 *
 * The log lines of a run are annotated with `fleetJob` (the name) and `fleetTick` (the tick's
 * start, ISO 8601). In `layerMemory` the ticks and leases are those of one process. An
 * `interval` or `ttl` under 1 ms is a defect.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Fleet from "effect-recotap/Fleet"
 *
 * // On every replica: at each full minute, one of them reports.
 * export const report = Effect.log("one report per minute across the fleet").pipe(
 *   Fleet.everyTick("minute-report", { interval: "1 minute" })
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const everyTick = (
  name: string,
  options: EveryTickOptions
): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<never, E, R | Lease | Ticks> =>
  runEveryTick(name, options.interval, options.ttl ?? DEFAULT_LEASE_TTL)

/**
 * Options of {@link scheduleSync}: the ticks, and the job's name.
 *
 * @since 0.1.0
 * @category models
 */
export interface ScheduleSyncOptions extends EveryTickOptions {
  /** The name of the job's lease and ticks (default: the sync's `checkpointKey`, one job per checkpoint). */
  readonly name?: string | undefined
}

/**
 * `AccountSyncJob.schedule` for a fleet: started on every replica, the sync runs once per tick
 * of `interval` (aligned to the wall clock, see {@link everyTick}) on exactly one of them, under
 * the lease of the job, so that its checkpoint write is fenced: a run that lost its lease writes
 * no checkpoint. A replica that dies (even by `SIGKILL`) mid-run leaves the lease to pass within
 * `ttl`, and another replica runs the following ticks.
 *
 * Failures are handled as `AccountSyncJob.schedule` handles them: a failure that may pass
 * (Recotap unreachable, a handler's or the store's failure) is logged and the next tick tries
 * again; `MissingApiKey`, `InvalidApiKey`, `CheckpointCorrupt`, a `TransportError` whose reason
 * is `InvalidRequest` or `RouteNotFound`, and a handler error `stopOn` picks end the job on the
 * replica that met it, with that error (the others meet it at their own turn).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { RecotapCrm } from "effect-recotap"
 * import * as Fleet from "effect-recotap/Fleet"
 *
 * // On every replica: every 15 minutes (:00, :15, :30, :45), one of them syncs.
 * const job = Fleet.scheduleSync(
 *   { onAccount: (account) => Effect.log(`changed: ${account.domain}`) },
 *   { interval: "15 minutes", ttl: "30 seconds" }
 * )
 *
 * export const main = job.pipe(
 *   Effect.provide(Layer.merge(RecotapCrm.live, Fleet.layerRedis({ redis: { host: "redis.internal" } })))
 * )
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const scheduleSync = <E = never, R = never>(
  options: AccountSyncScheduleOptions<E, R>,
  fleet: ScheduleSyncOptions
): Effect.Effect<
  never,
  MissingApiKey | InvalidApiKey | CheckpointCorrupt | TransportError | E,
  RecotapCrm | KeyValueStore.KeyValueStore | Lease | Ticks | R
> => everyTick(fleet.name ?? options.checkpointKey ?? DEFAULT_CHECKPOINT_KEY, fleet)(scheduledRun(options))
