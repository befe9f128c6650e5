/**
 * One replica of the one-run-per-tick test, run as its own process (bundled first): a
 * `RecotapCrm` on the key in `RECOTAP_API_KEY` (each worker its own key of one simulated
 * workspace, so that the simulator's log tells who sent what) and `Fleet.layerRedis`. It sends
 * one request (its connection open, its code warm), says `ready` on stdout, waits for a line on
 * stdin, then runs `Fleet.scheduleSync` every `<intervalMs>` with a lease of `<ttlMs>` until
 * killed, printing every log line (Debug and up) as JSON on stdout.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { createInterface } from "node:readline"
import * as Fleet from "../../src/Fleet.js"
import { ApiKey, RecotapConfig, RecotapCrm } from "../../src/index.js"

const [baseUrl = "", redisPort = "0", prefix = "", intervalMs = "1000", ttlMs = "1000"] = process.argv.slice(2)

const CrmLive = RecotapCrm.layer.pipe(
  Layer.provide(
    Layer.mergeAll(
      FetchHttpClient.layer,
      ApiKey.layerConfig(),
      RecotapConfig.layer({ baseUrl, retry: { maxRetries: 0 } })
    )
  ),
  Layer.provideMerge(Fleet.layerRedis({ redis: { host: "127.0.0.1", port: Number(redisPort) }, prefix }))
)

const go = new Promise<void>((resolve) => createInterface({ input: process.stdin }).once("line", () => resolve()))

const program = Effect.gen(function*() {
  const crm = yield* RecotapCrm
  yield* Effect.either(crm.accounts.list())
  console.log("ready")
  yield* Effect.promise(() => go)
  return yield* Fleet.scheduleSync(
    { onAccount: () => Effect.void },
    { interval: Number(intervalMs), ttl: Number(ttlMs) }
  )
})

Effect.runPromise(
  program.pipe(
    Effect.provide(CrmLive),
    Effect.provide(Logger.json),
    Logger.withMinimumLogLevel(LogLevel.Debug)
  )
).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(String(error))
    process.exit(1)
  }
)
