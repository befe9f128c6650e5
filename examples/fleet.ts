/**
 * Three replicas of one backend on one Recotap key, sharing a rate budget, a pause, the sync
 * checkpoint, a durable outbox and one sync per tick through Redis (`effect-recotap/Fleet`), all
 * on this machine:
 *
 *   npx tsx examples/fleet.ts
 *
 * It starts its own redis-server (Debian: `apt-get install redis-server`) on a unix socket in a
 * temporary folder, without persistence, and a simulator server on a loopback port; each replica
 * is a `RecotapCrm` with its own connections. It prints what it verified, from the simulator's
 * request log and from Redis itself, and stops both servers.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { Console, Duration, Effect, Fiber, Layer, Option, Redacted } from "effect"
import { AccountSyncJob, ApiKey, RecotapConfig, RecotapCrm } from "effect-recotap"
import * as Fleet from "effect-recotap/Fleet"
import { demoAccounts, Fault, listen, Simulator } from "effect-recotap/simulator"
import { Redis } from "ioredis"
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const KEY = "rk_live_example-fleet-key-31415"

if (spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status !== 0) {
  console.log("redis-server is not installed: apt-get install redis-server (or brew install redis), then run again.")
  process.exit(1)
}

/** redis-server on a unix socket in its own folder, for as long as the scope lasts. */
const redisServer = Effect.acquireRelease(
  Effect.promise(async () => {
    const dir = mkdtempSync(join(tmpdir(), "recotap-fleet-example-"))
    const path = join(dir, "redis.sock")
    const child = spawn("redis-server", ["--port", "0", "--unixsocket", path, "--save", "", "--appendonly", "no"], {
      stdio: "ignore"
    })
    // Commands wait (and ioredis reconnects) until the server listens.
    const probe = new Redis({ path, retryStrategy: () => 50 })
    probe.on("error", () => {})
    try {
      await probe.ping()
    } catch (error) {
      probe.disconnect()
      child.kill("SIGTERM")
      throw error
    }
    return { dir, path, child, probe }
  }),
  ({ child, dir, probe }) =>
    Effect.promise(async () => {
      await probe.quit()
      child.kill("SIGTERM")
      await new Promise((resolve) => child.once("exit", resolve))
      rmSync(dir, { recursive: true, force: true })
    })
)

const simulatorServer = (sim: Simulator) =>
  Effect.acquireRelease(Effect.promise(() => listen(sim)), (server) => Effect.promise(() => server.close()))

/** One replica: its own HTTP client and Redis connections, 5 requests per second shared by all. */
const replica = (baseUrl: string, redisPath: string) =>
  RecotapCrm.layer.pipe(
    Layer.provide(
      Layer.mergeAll(
        FetchHttpClient.layer,
        ApiKey.layer(Redacted.make(KEY)),
        RecotapConfig.layer({ baseUrl, rateLimit: { requests: 5, interval: "1 second" }, retry: { maxRetries: 0 } })
      )
    ),
    Layer.provideMerge(Fleet.layerRedis({ redis: { path: redisPath }, prefix: "example:" }))
  )

/** The most requests the simulator saw in any span of `span` ms. */
const busiest = (times: ReadonlyArray<number>, span: number) =>
  Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + span).length))

const program = Effect.gen(function*() {
  const redis = yield* redisServer
  const sim = new Simulator({ keys: [KEY], clock: "system" })
  sim.seedAccounts(demoAccounts)
  const server = yield* simulatorServer(sim)
  const replicas = yield* Effect.all(
    [1, 2, 3].map(() => Layer.build(replica(server.baseUrl, redis.path)))
  )
  const crmOf = (i: number) => Effect.provide(RecotapCrm, replicas[i]!)

  // Each replica's first request opens its connections; then the run starts in a fresh window.
  yield* Effect.all(replicas.map((_, i) => Effect.flatMap(crmOf(i), (crm) => crm.accounts.list())))
  yield* Effect.sleep("1100 millis")
  sim.clearRequests()

  // 1. The shared budget: 3 replicas × 5 calls at once, at 5 per second between them all.
  yield* Effect.all(
    replicas.map((_, i) =>
      Effect.flatMap(
        crmOf(i),
        (crm) => Effect.all(Array.from({ length: 5 }, () => crm.accounts.list()), { concurrency: 5 })
      )
    ),
    { concurrency: "unbounded" }
  )
  const times = sim.requests.map((r) => r.receivedAt)
  yield* Console.log(
    `budget: ${times.length} requests from 3 replicas over ${Math.max(...times) - Math.min(...times)} ms; ` +
      `at most ${busiest(times, 900)} in any 900 ms (budget: 5 per second)`
  )

  // 2. The shared pause: replica 1 meets a 429 with Retry-After: 1; replicas 2 and 3 wait it out.
  sim.clearRequests()
  sim.faults.script("GET /accounts", Fault.rateLimited(1))
  const refused = yield* Effect.flip(Effect.flatMap(crmOf(0), (crm) => crm.accounts.list()))
  yield* Effect.all([1, 2].map((i) => Effect.flatMap(crmOf(i), (crm) => crm.accounts.list())), { concurrency: 2 })
  const [first, ...others] = sim.requests.map((r) => r.receivedAt)
  yield* Console.log(
    `pause: replica 1 got ${refused._tag} ${"status" in refused ? refused.status : ""}; replicas 2 and 3 sent ` +
      `${others.map((t) => `${t - first!} ms`).join(" and ")} after it (Retry-After: 1 s)`
  )

  // 3. The checkpoint: replica 1 syncs; replica 3 reads the checkpoint it stored, from Redis.
  const run = yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void }).pipe(Effect.provide(replicas[0]!))
  const seen = yield* Effect.flatMap(
    KeyValueStore.KeyValueStore,
    (store) => store.get(AccountSyncJob.DEFAULT_CHECKPOINT_KEY)
  ).pipe(
    Effect.provide(replicas[2]!)
  )
  yield* Console.log(
    `checkpoint: replica 1 synced ${run.changed} accounts; replica 3 reads the checkpoint ${
      Option.getOrElse(seen, () => "(none)")
    }`
  )

  // 4. The key never reached Redis: every key and value, read back.
  const keys = yield* Effect.promise(() => redis.probe.keys("*"))
  const values = yield* Effect.promise(() =>
    Promise.all(keys.map(async (key) => ((await redis.probe.type(key)) === "string" ? redis.probe.get(key) : "")))
  )
  const leaked = [...keys, ...values].some((text) => text?.includes(KEY))
  yield* Console.log(`redis: ${keys.length} keys (${keys.sort().join(", ")}); the API key appears in none: ${!leaked}`)

  // 5. The durable outbox: replica 2 offers 20 account pushes; replica 3 drains them to Recotap.
  const outboxes = yield* Layer.build(
    Fleet.layerOutbox({ redis: { path: redis.path }, prefix: "example:", pollInterval: "100 millis" })
  )
  const before = sim.accounts().length
  const outbox = yield* Effect.provide(Fleet.outbox("crm-writes"), outboxes)
  yield* Effect.forEach(
    Array.from({ length: 20 }, (_, i) => i),
    (i) =>
      outbox.offer({
        _tag: "AccountPush",
        account: { externalId: `new-${i}`, domain: `new${i}.example`, name: `New ${i}` }
      })
  )
  const drain = yield* Effect.fork(Effect.provide(outbox.drain(), replicas[2]!))
  while (sim.accounts().length < before + 20) yield* Effect.sleep("50 millis")
  yield* Fiber.interrupt(drain)
  const deadLetters = yield* outbox.deadLetters
  yield* Console.log(
    `outbox: 20 account pushes offered, ${sim.accounts().length - before} created on Recotap by the drain, ` +
      `${deadLetters.length} dead letters`
  )

  // 6. One sync per tick: all three replicas run the sync every second; each tick runs on one.
  // Started just after a tick began (that tick runs at once), then three whole ticks are watched.
  yield* Effect.sleep(Duration.millis(1100 - (Date.now() % 1000)))
  sim.clearRequests()
  const firstTick = Math.ceil(Date.now() / 1000) * 1000
  const jobs = yield* Effect.forEach(replicas, (replica) =>
    Effect.fork(
      Fleet.scheduleSync({ onAccount: () => Effect.void }, { interval: "1 second" }).pipe(Effect.provide(replica))
    ))
  yield* Effect.sleep(Duration.millis(firstTick + 3500 - Date.now()))
  yield* Fiber.interruptAll(jobs)
  const syncs = sim.requests.filter((r) => r.route === "GET /accounts").map((r) => r.receivedAt)
  const perTick = [0, 1, 2].map((k) =>
    syncs.filter((t) => t >= firstTick + k * 1000 && t < firstTick + (k + 1) * 1000).length
  )
  yield* Console.log(
    `ticks: 3 replicas ran Fleet.scheduleSync every second; syncs in each of 3 ticks: ${perTick.join(", ")}`
  )
})

Effect.runPromise(Effect.scoped(program)).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
