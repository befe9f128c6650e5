/**
 * `ClusterSync.layer`: the sync job as an `@effect/cluster` `Singleton`. On the cluster's
 * in-memory `TestRunner` it syncs at once and at each tick; on two runners sharing in-memory
 * runner storage (what `TestRunner` is made of) it runs on one of them only, and when that one
 * stops the other takes it over from the shared checkpoint. Each runner has its own client and
 * key on one simulator server, so the simulator's log tells which runner synced.
 */
import * as MessageStorage from "@effect/cluster/MessageStorage"
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import * as RunnerHealth from "@effect/cluster/RunnerHealth"
import * as Runners from "@effect/cluster/Runners"
import * as RunnerStorage from "@effect/cluster/RunnerStorage"
import * as Sharding from "@effect/cluster/Sharding"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as TestRunner from "@effect/cluster/TestRunner"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { DEFAULT_CHECKPOINT_KEY } from "../src/AccountSyncJob.js"
import * as ClusterSync from "../src/ClusterSync.js"
import { ApiKey, RecotapConfig, RecotapCrm } from "../src/index.js"
import { demoAccounts, listen, type RunningSimulator, Simulator } from "../src/simulator/index.js"
import { logRecords, recordingLogger } from "./helpers.js"

const KEYS = ["rk_live_cluster-a-1b2c3d", "rk_live_cluster-b-4e5f6a"] as const

/** A client on `key`, over fetch, to the simulator server. */
const crmOn = (server: RunningSimulator, key: string) =>
  RecotapCrm.layer.pipe(
    Layer.provide(
      Layer.mergeAll(
        FetchHttpClient.layer,
        ApiKey.layer(Redacted.make(key)),
        RecotapConfig.layer({ baseUrl: server.baseUrl, retry: { maxRetries: 0 } })
      )
    ),
    Layer.orDie
  )

/** One cluster runner on `storage` (shared by the runners of one cluster), at `port`. */
const runnerOn = (storage: Layer.Layer<RunnerStorage.RunnerStorage>, port: number) =>
  Sharding.layer.pipe(
    Layer.provideMerge(Runners.layerNoop),
    Layer.provideMerge(MessageStorage.layerMemory),
    Layer.provide([storage, RunnerHealth.layerNoop]),
    Layer.provide(ShardingConfig.layer({ runnerAddress: Option.some(RunnerAddress.make("localhost", port)) }))
  )

/** The keys of the `GET /accounts` the simulator received, in order. */
const syncsBy = (sim: Simulator) =>
  sim.requests.filter((r) => r.route === "GET /accounts").map((r) =>
    r.apiKey === undefined ? "" : Redacted.value(r.apiKey)
  )

const waitUntil = (check: () => boolean, what: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1000; i++) {
      if (check()) return
      yield* Effect.sleep("20 millis")
    }
    return yield* Effect.dieMessage(`timed out waiting for ${what}`)
  })

const withServer = <A, E, R>(f: (sim: Simulator, server: RunningSimulator) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.promise(async () => {
      const sim = new Simulator({ keys: [...KEYS], clock: "system" })
      sim.seedAccounts(demoAccounts)
      return { sim, server: await listen(sim) }
    }),
    ({ server, sim }) => f(sim, server),
    ({ server }) => Effect.promise(() => server.close())
  )

describe("ClusterSync.layer", () => {
  it.live(
    "on the cluster's TestRunner: the job syncs at once, then at each tick, and keeps its checkpoint",
    () =>
      withServer((sim, server) =>
        Effect.gen(function*() {
          const seen: Array<string> = []
          const job = ClusterSync.layer(
            { onAccount: (account) => Effect.sync(() => seen.push(account.domain)) },
            Schedule.spaced("200 millis")
          )
          const store = yield* Layer.build(KeyValueStore.layerMemory)
          const cluster = yield* Effect.fork(
            Layer.launch(
              job.pipe(
                Layer.provide(Layer.mergeAll(TestRunner.layer, crmOn(server, KEYS[0]), Layer.succeedContext(store)))
              )
            )
          )
          yield* waitUntil(() => syncsBy(sim).length >= 3, "three runs")
          yield* Fiber.interrupt(cluster)
          // A full sync first, then deltas from the stored checkpoint, which hand over nothing new.
          expect(seen).toEqual(sim.accounts().map((account) => account.domain))
          const urls = sim.requests.filter((r) => r.route === "GET /accounts").map((r) => new URL(r.url))
          expect(urls[0]!.searchParams.get("lastSync")).toBeNull()
          expect(urls.slice(1).every((url) => url.searchParams.get("lastSync") !== null)).toBe(true)
          const checkpoint = yield* Effect.provide(
            Effect.flatMap(KeyValueStore.KeyValueStore, (kv) => kv.get(DEFAULT_CHECKPOINT_KEY)),
            store
          )
          expect(Option.isSome(checkpoint)).toBe(true)
        }).pipe(Effect.scoped)
      ),
    30_000
  )

  it.live(
    "on two runners it runs on one only; when that runner stops, the other goes on from its checkpoint",
    () =>
      withServer((sim, server) =>
        Effect.gen(function*() {
          const storage = yield* Layer.memoize(RunnerStorage.layerMemory)
          const store = yield* Layer.build(KeyValueStore.layerMemory)
          const job = ClusterSync.layer({ onAccount: () => Effect.void }, Schedule.spaced("200 millis"))
          const runners = yield* Effect.forEach([0, 1], (i) =>
            Effect.fork(
              Layer.launch(
                job.pipe(
                  Layer.provide(
                    Layer.mergeAll(runnerOn(storage, 34_500 + i), crmOn(server, KEYS[i]!), Layer.succeedContext(store))
                  )
                )
              )
            ))
          yield* waitUntil(() => syncsBy(sim).length >= 5, "five runs")
          // Every run so far came from one runner.
          const first = syncsBy(sim)[0]!
          expect(new Set(syncsBy(sim))).toEqual(new Set([first]))

          const holder = KEYS.indexOf(first as (typeof KEYS)[number])
          yield* Fiber.interrupt(runners[holder]!)
          const stoppedAt = syncsBy(sim).length
          const other = KEYS[1 - holder]!
          yield* waitUntil(() => syncsBy(sim).includes(other), "the other runner to sync")
          yield* waitUntil(() => syncsBy(sim).length >= stoppedAt + 3, "three runs on the other runner")
          // After the stop, only the other runner synced, and it went on from the shared checkpoint.
          expect(new Set(syncsBy(sim).slice(stoppedAt))).toEqual(new Set([other]))
          const takenOver = sim.requests.filter((r) => r.route === "GET /accounts")[stoppedAt]!
          expect(new URL(takenOver.url).searchParams.get("lastSync")).not.toBeNull()
          yield* Fiber.interrupt(runners[1 - holder]!)
        }).pipe(Effect.scoped)
      ),
    30_000
  )

  it.live("an error that waiting cannot fix ends the job on its runner, with an Error line", () => {
    const logs = recordingLogger()
    return withServer((sim, server) =>
      Effect.gen(function*() {
        sim.revokeKey(KEYS[0])
        const store = yield* Layer.build(KeyValueStore.layerMemory)
        const cluster = yield* Effect.fork(
          Layer.launch(
            ClusterSync.layer({ onAccount: () => Effect.void }, Schedule.spaced("100 millis")).pipe(
              Layer.provide(Layer.mergeAll(TestRunner.layer, crmOn(server, KEYS[0]), Layer.succeedContext(store)))
            )
          ).pipe(Effect.provide(logs.layer))
        )
        const errors = () => logRecords(logs.lines).filter((r) => r.logLevel === "ERROR")
        yield* waitUntil(() => errors().length > 0, "the Error line")
        yield* Effect.sleep("500 millis")
        expect(String(errors()[0]!.message)).toContain(
          `${ClusterSync.singletonName()} ended on this runner with an error that waiting would not fix`
        )
        expect(JSON.stringify(errors()[0])).toContain("InvalidApiKey")
        // Ended: no run after the refused one.
        expect(syncsBy(sim)).toHaveLength(1)
        yield* Fiber.interrupt(cluster)
      }).pipe(Effect.scoped)
    )
  }, 30_000)
})
