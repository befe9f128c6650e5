/**
 * `AccountSyncJob` as an `@effect/cluster` `Singleton`: for applications that already run an
 * `@effect/cluster` cluster, the sync job as a layer that the cluster runs on exactly one of its
 * runners, and moves to another when that runner leaves. Opt-in: it needs the optional peer
 * `@effect/cluster` (0.60, with its own peers `@effect/rpc`, `@effect/sql` and
 * `@effect/workflow`); code that does not import `effect-recotap/ClusterSync` loads none of them.
 *
 * Without a cluster, `Fleet.scheduleSync` (`effect-recotap/Fleet`) runs the job once per tick
 * across replicas through Redis.
 *
 * @example
 * ```ts
 * import * as TestRunner from "@effect/cluster/TestRunner"
 * import * as KeyValueStore from "@effect/platform/KeyValueStore"
 * import { Effect, Layer, Schedule } from "effect"
 * import { RecotapCrm } from "effect-recotap"
 * import * as ClusterSync from "effect-recotap/ClusterSync"
 *
 * // Registered on every runner; the cluster runs it on one. `TestRunner.layer` stands in for
 * // your cluster's runner layer (`SocketRunner`, `HttpRunner`, ...) and the memory store for a
 * // shared one (your SQL store, or `Fleet.layerRedis`).
 * const SyncJob = ClusterSync.layer(
 *   { onAccount: (account) => Effect.log(`changed: ${account.domain}`) },
 *   Schedule.spaced("15 minutes")
 * )
 *
 * export const main = Layer.launch(
 *   SyncJob.pipe(Layer.provide(Layer.mergeAll(TestRunner.layer, RecotapCrm.live, KeyValueStore.layerMemory)))
 * )
 * ```
 *
 * @since 0.1.0
 */
import type { Sharding } from "@effect/cluster/Sharding"
import * as Singleton from "@effect/cluster/Singleton"
import type * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { AccountSyncRun, AccountSyncScheduleOptions } from "./AccountSyncJob.js"
import { DEFAULT_CHECKPOINT_KEY } from "./internal/syncJob.js"
import { schedule } from "./internal/syncSchedule.js"
import type { RecotapCrm } from "./RecotapCrm.js"

/**
 * Where the cluster runs the job: its singleton's name and shard group.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClusterSyncOptions {
  /** The singleton's name (default {@link singletonName} of the job's `checkpointKey`): one per job in the cluster. */
  readonly name?: string | undefined
  /** The shard group whose runners may run it (default: the cluster's `"default"`). */
  readonly shardGroup?: string | undefined
}

/**
 * The singleton name of the job whose checkpoint is under `checkpointKey`, unless `name` says
 * otherwise: `effect-recotap/AccountSyncJob/<checkpointKey>`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const singletonName = (checkpointKey: string = DEFAULT_CHECKPOINT_KEY): string =>
  `effect-recotap/AccountSyncJob/${checkpointKey}`

/**
 * `AccountSyncJob.schedule(options, policy)` as a cluster `Singleton` (`@effect/cluster`'s
 * `Singleton.make`): provide it on every runner, next to `RecotapCrm` and a `KeyValueStore` that
 * every runner shares (the checkpoint must be where the next runner finds it: your SQL store, or
 * `Fleet.layerRedis`). The cluster runs it on the runner that holds its shard; when that runner
 * stops or its shard moves, the job is interrupted there (its checkpoint left as it was) and
 * started on the next holder, which goes on from the stored checkpoint.
 *
 * Failures are handled as `AccountSyncJob.schedule` handles them (logged, tried again at the
 * next tick). One that ends the job (`MissingApiKey`, `InvalidApiKey`, `CheckpointCorrupt`, an
 * `InvalidRequest` or `RouteNotFound` `TransportError`, or a handler error `stopOn` picks) is
 * logged as an Error, and the job stays ended on that runner: the singleton then does nothing
 * until it is started again elsewhere. To handle those errors yourself, give `Singleton.make` the
 * job directly: `Singleton.make(name, AccountSyncJob.schedule(options, policy).pipe(...))`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <Out, E = never, R = never, R2 = never>(
  options: AccountSyncScheduleOptions<E, R>,
  policy: Schedule.Schedule<Out, Option.Option<AccountSyncRun>, R2>,
  cluster: ClusterSyncOptions = {}
): Layer.Layer<never, never, Sharding | RecotapCrm | KeyValueStore.KeyValueStore | Exclude<R | R2, Scope.Scope>> => {
  const name = cluster.name ?? singletonName(options.checkpointKey)
  const job = schedule(options, policy).pipe(
    Effect.zipRight(Effect.logInfo(`Recotap accounts sync: the schedule of ${name} ended`)),
    Effect.catchAll((error) =>
      Effect.logError(
        `Recotap accounts sync: ${name} ended on this runner with an error that waiting would not fix`,
        Cause.fail(error)
      )
    )
  )
  return Singleton.make(name, job, { shardGroup: cluster.shardGroup })
}
