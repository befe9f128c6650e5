/**
 * One worker of the multi-process fleet tests, run as its own process (bundled first): a
 * `RecotapCrm` on the key in `RECOTAP_API_KEY`, sharing its budget and pause through
 * `Fleet.layerRedis`. It sends one request (its connection open, its code warm), says `ready` on
 * stdout, waits for a line on stdin, then lists accounts:
 *
 * - `budget <count> <requests> <intervalMs>`: `count` list calls, 3 at a time, at a shared pace
 *   of `requests` per `intervalMs`;
 * - `steady <durationMs> <spacingMs>`: one list call every `spacingMs` for `durationMs`,
 *   retrying a 429 once (after its `Retry-After`);
 * - `lease <ttlMs>`: every 100 ms, tries to run `Fleet.exclusive("sync")` of a run that never
 *   ends: it prints `holding <pid>`, then writes its pid as the checkpoint every 100 ms;
 * - `ticks <intervalMs> <ttlMs>`: runs `Fleet.scheduleSync` every `intervalMs` with a lease of
 *   `ttlMs` until killed, printing every log line (Debug and up) as JSON.
 *
 * It ends by printing `done <ok> <failed>`.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { createInterface } from "node:readline"
import * as Fleet from "../../src/Fleet.js"
import { ApiKey, RecotapConfig, type RecotapConfigOptions, RecotapCrm } from "../../src/index.js"

const [baseUrl = "", redisPort = "0", prefix = "", mode = "", ...args] = process.argv.slice(2)
const numbers = args.map(Number)

const config: RecotapConfigOptions = mode === "budget"
  ? { baseUrl, rateLimit: { requests: numbers[1] ?? 1, interval: numbers[2] ?? 1000 }, retry: { maxRetries: 0 } }
  : { baseUrl, retry: { maxRetries: 1, maxRetryAfter: "10 seconds" } }

const CrmLive = RecotapCrm.layer.pipe(
  Layer.provide(Layer.mergeAll(FetchHttpClient.layer, ApiKey.layerConfig(), RecotapConfig.layer(config))),
  Layer.provideMerge(Fleet.layerRedis({ redis: { host: "127.0.0.1", port: Number(redisPort) }, prefix }))
)

const go = new Promise<void>((resolve) => createInterface({ input: process.stdin }).once("line", () => resolve()))

const program = Effect.gen(function*() {
  const crm = yield* RecotapCrm
  const list = Effect.either(crm.accounts.list())
  yield* list
  console.log("ready")
  yield* Effect.promise(() => go)
  if (mode === "ticks") {
    return yield* Fleet.scheduleSync(
      { onAccount: () => Effect.void },
      { interval: numbers[0] ?? 1000, ttl: numbers[1] ?? 1000 }
    ).pipe(Effect.provide(Logger.json), Logger.withMinimumLogLevel(LogLevel.Debug))
  }
  if (mode === "lease") {
    const holding = Effect.gen(function*() {
      const store = yield* KeyValueStore.KeyValueStore
      console.log(`holding ${process.pid}`)
      yield* Effect.forever(Effect.zipRight(store.set("checkpoint", String(process.pid)), Effect.sleep(100)))
    })
    yield* Effect.forever(
      Effect.zipRight(Effect.either(Fleet.exclusive("sync", { ttl: numbers[0] ?? 1000 })(holding)), Effect.sleep(100))
    )
  }
  const results = mode === "budget"
    ? yield* Effect.all(Array.from({ length: numbers[0] ?? 0 }, () => list), { concurrency: 3 })
    : yield* Effect.gen(function*() {
      const end = Date.now() + (numbers[0] ?? 0)
      const out = []
      while (Date.now() < end) {
        out.push(yield* list)
        yield* Effect.sleep(numbers[1] ?? 100)
      }
      return out
    })
  const ok = results.filter((r) => r._tag === "Right").length
  console.log(`done ${ok} ${results.length - ok}`)
})

Effect.runPromise(Effect.provide(program, CrmLive)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(String(error))
    process.exit(1)
  }
)
