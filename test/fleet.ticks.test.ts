/**
 * `Fleet.everyTick` and `Fleet.scheduleSync` within one process: replicas as fibers sharing
 * `Fleet.layerMemory` on the `TestClock` (each tick once; a run that outlasts its tick; the sync's
 * failure handling), and through a real redis-server (started by this file on a free loopback
 * port, persistence off) a run whose lease passed to another runner, which stores no checkpoint.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { DEFAULT_CHECKPOINT_KEY } from "../src/AccountSyncJob.js"
import * as Fleet from "../src/Fleet.js"
import { RecotapSimulator } from "../src/simulator/index.js"
import { hasRedisServer, missingRedis, redisForThisFile } from "./fleet/redisServer.js"
import { logRecords, recordingLogger } from "./helpers.js"

const redisServer = redisForThisFile()

/** Lets the forked fibers run up to their next sleep. */
const letOthersRun = Effect.forEach(
  Array.from({ length: 5 }),
  () => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 0))),
  { discard: true }
)

/**
 * Moves the `TestClock` by `millis`, 50 ms at a time (every sleep of these tests ends on a
 * multiple of 50 ms), letting every fiber run between steps.
 */
const advance = (millis: number) =>
  Effect.forEach(
    Array.from({ length: millis / 50 }),
    () => Effect.zipRight(TestClock.adjust("50 millis"), letOthersRun),
    { discard: true }
  )

interface Run {
  readonly replica: number
  /** The tick's start, from the run's log annotation. */
  readonly tick: number
  readonly at: number
}

/** A job that records each run, lasting as long as `duration` says for its tick; and how many ran at once. */
const recorder = (duration: (tick: number) => number = () => 0) => {
  const runs: Array<Run> = []
  let running = 0
  let mostAtOnce = 0
  const job = (replica: number) =>
    Effect.gen(function*() {
      const tick = Option.getOrElse(HashMap.get(yield* Effect.logAnnotations, "fleetTick"), () => "")
      const run = { replica, tick: Date.parse(String(tick)), at: yield* Clock.currentTimeMillis }
      runs.push(run)
      mostAtOnce = Math.max(mostAtOnce, ++running)
      yield* Effect.sleep(duration(run.tick)).pipe(Effect.ensuring(Effect.sync(() => running--)))
    })
  return { runs, job, mostAtOnce: () => mostAtOnce }
}

describe("Fleet.everyTick in memory", () => {
  it.effect("four replicas: each tick of 1 s runs once, on one of them, at the tick's start", () =>
    Effect.gen(function*() {
      const { job, runs } = recorder()
      const replicas = yield* Effect.forEach(
        [0, 1, 2, 3],
        (i) => Effect.fork(Fleet.everyTick("report", { interval: "1 second", ttl: "1 second" })(job(i)))
      )
      yield* letOthersRun
      yield* advance(6000)
      // Tick 0 is the current one when the replicas start: claimed at once.
      expect(runs.map((r) => [r.tick, r.at])).toEqual([0, 1, 2, 3, 4, 5, 6].map((k) => [k * 1000, k * 1000]))
      yield* Fiber.interruptAll(replicas)
    }).pipe(Effect.provide(Fleet.layerMemory)))

  it.effect("a run that outlasts its tick: the next tick runs once the lease is free; a tick held all through is not run; never two at once", () =>
    Effect.gen(function*() {
      const logs = recordingLogger()
      // Tick 0 lasts 1.2 s, tick 2 lasts 2.5 s (all of tick 3), the others no time.
      const { job, mostAtOnce, runs } = recorder((tick) => (tick === 0 ? 1200 : tick === 2000 ? 2500 : 0))
      const replicas = yield* Effect.forEach(
        [0, 1],
        (i) =>
          Effect.fork(
            Fleet.everyTick("report", { interval: "1 second", ttl: "1 second" })(job(i)).pipe(
              Effect.provide(logs.layer)
            )
          )
      )
      yield* letOthersRun
      yield* advance(5500)
      // A waiting claimant tries again every 50 ms (a twentieth of the lease): the try that falls at
      // the instant the lease is let go comes just before, so the run starts at the next one.
      expect(runs.map((r) => [r.tick, r.at])).toEqual([[0, 0], [1000, 1250], [2000, 2000], [4000, 4550], [5000, 5000]])
      expect(mostAtOnce()).toBe(1)
      const warnings = logRecords(logs.lines).filter((r) => r.logLevel === "WARN").map((r) => String(r.message))
      expect(warnings).toEqual([
        "Recotap fleet: the tick of 1970-01-01T00:00:03.000Z was not run: its lease was held all through it (by a run still going, or by a replica that stopped)"
      ])
      yield* Fiber.interruptAll(replicas)
    }).pipe(Effect.provide(Fleet.layerMemory)))

  it.effect("an interval under 1 ms is refused", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Fleet.everyTick("report", { interval: 0 })(Effect.void))
      expect(Exit.isFailure(exit) && String(exit.cause)).toContain("interval must be at least 1 millisecond")
    }).pipe(Effect.provide(Fleet.layerMemory)))
})

describe("Fleet.scheduleSync in memory", () => {
  const onSim = Layer.merge(RecotapSimulator.layerCrm(), Fleet.layerMemory)

  it.effect("two replicas sync once per tick, each run from the checkpoint of the one before", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.seedAccounts([{ name: "Acme", domain: "acme.com", externalId: "crm-1" }])
      const seen: Array<string> = []
      const replicas = yield* Effect.forEach([0, 1], () =>
        Effect.fork(
          Fleet.scheduleSync(
            { onAccount: (account) => Effect.sync(() => seen.push(account.domain)) },
            { interval: "1 minute" }
          )
        ))
      yield* letOthersRun
      yield* Effect.forEach(
        Array.from({ length: 3 }),
        () => Effect.zipRight(TestClock.adjust("1 minute"), letOthersRun)
      )
      const syncs = sim.requests.filter((r) => r.route === "GET /accounts").map((r) => new URL(r.url).searchParams)
      expect(syncs).toHaveLength(4)
      expect(syncs[0]!.get("lastSync")).toBeNull()
      expect(syncs.slice(1).every((params) => params.get("lastSync") !== null)).toBe(true)
      expect(seen).toEqual(["acme.com"])
      yield* Fiber.interruptAll(replicas)
    }).pipe(Effect.provide(onSim)))

  it.effect("a refused key ends the job on the replica that met it; the other meets it at its own tick", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.revokeKey("sim-key")
      const replicas = yield* Effect.forEach(
        [0, 1],
        () => Effect.fork(Fleet.scheduleSync({ onAccount: () => Effect.void }, { interval: "1 minute" }))
      )
      yield* letOthersRun
      const ended = yield* Effect.forEach(replicas, (fiber) => Fiber.poll(fiber))
      expect(ended.filter(Option.isSome)).toHaveLength(1)
      yield* TestClock.adjust("1 minute")
      yield* letOthersRun
      for (const replica of replicas) {
        const exit = yield* Fiber.await(replica)
        expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error._tag : exit).toBe("InvalidApiKey")
      }
      expect(sim.requests).toHaveLength(2)
    }).pipe(Effect.provide(onSim)))
})

describe.skipIf(!hasRedisServer)(`Fleet.scheduleSync through Redis ${hasRedisServer ? "" : missingRedis}`, () => {
  it.live("a run whose lease passed to another runner stores no checkpoint; a later tick's run does", () => {
    const logs = recordingLogger()
    const client = () => redisServer.client()
    return Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.seedAccounts([{ name: "Acme", domain: "acme.com", externalId: "crm-1" }])
      let first = true
      const job = yield* Effect.fork(Fleet.scheduleSync({
        onAccount: () =>
          Effect.promise(async () => {
            if (!first) return
            first = false
            // Another runner takes the lease in the middle of the run (as after this one stalled).
            await client().set(`s1:lease:${DEFAULT_CHECKPOINT_KEY}`, "another-runner", "PX", 600)
          })
      }, { interval: "300 millis", ttl: "10 seconds" }))
      const checkpoint = () => Effect.promise(() => client().get(`s1:kv:${DEFAULT_CHECKPOINT_KEY}`))
      while (logRecords(logs.lines).every((r) => r.logLevel !== "ERROR")) yield* Effect.sleep("10 millis")
      expect(yield* checkpoint()).toBeNull()
      const error = logRecords(logs.lines).find((r) => r.logLevel === "ERROR")!
      expect(String(error.message)).toContain("the run failed (the checkpoint store failed)")
      expect(JSON.stringify(error)).toContain("held by another runner")
      // Once the other runner's lease passed, a tick runs here again and stores its checkpoint.
      while ((yield* checkpoint()) === null) yield* Effect.sleep("20 millis")
      expect(Number(yield* Effect.promise(() => client().get(`s1:tick:${DEFAULT_CHECKPOINT_KEY}`))) % 300).toBe(0)
      yield* Fiber.interrupt(job)
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          RecotapSimulator.layerCrm(),
          Fleet.layerRedis({ redis: { host: "127.0.0.1", port: redisServer.port() }, prefix: "s1:" }),
          logs.layer
        )
      ),
      Effect.timeout("10 seconds")
    )
  })
})
