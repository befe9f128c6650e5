/**
 * One process of the outbox crash test, run on its own (bundled first): a `RecotapCrm` on the key
 * in `RECOTAP_API_KEY` and `Fleet.layerOutbox` on the given Redis.
 *
 * - `offer <count>`: offers `count` account pushes (`d<i>.example`, ids `acct-<i>`) to the
 *   outbox `writes`, prints `offered <count>` and ends;
 * - `offer-mixed <count>`: the same with the items of `./mixedItems.ts` (ids `item-<i>`);
 * - `drain`: prints `draining`, then drains the outbox until killed.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Fleet from "../../src/Fleet.js"
import { ApiKey, RecotapConfig, RecotapCrm } from "../../src/index.js"
import { mixedItem } from "./mixedItems.js"

const [baseUrl = "", redisPort = "0", prefix = "", mode = "", count = "0"] = process.argv.slice(2)

const live = Layer.merge(
  RecotapCrm.layer.pipe(
    Layer.provide(Layer.mergeAll(FetchHttpClient.layer, ApiKey.layerConfig(), RecotapConfig.layer({ baseUrl })))
  ),
  Fleet.layerOutbox({
    redis: { host: "127.0.0.1", port: Number(redisPort) },
    prefix,
    pollInterval: "50 millis",
    // A drain killed mid-batch leaves its items locked this long; then another drain takes them.
    lockExpiration: "1500 millis",
    lockRefreshInterval: "300 millis"
  })
)

const program = Effect.gen(function*() {
  const outbox = yield* Fleet.outbox("writes")
  if (mode === "offer" || mode === "offer-mixed") {
    const total = Number(count)
    yield* Effect.forEach(
      Array.from({ length: total }, (_, i) => i),
      (i) =>
        mode === "offer"
          ? outbox.offer(
            { _tag: "AccountPush", account: { externalId: `crm-${i}`, domain: `d${i}.example`, name: `Company ${i}` } },
            { id: `acct-${i}` }
          )
          : outbox.offer(mixedItem(i), { id: `item-${i}` }),
      { concurrency: 64, discard: true }
    )
    console.log(`offered ${total}`)
    return
  }
  console.log("draining")
  return yield* outbox.drain({ batchSize: 200, settle: { backoff: "100 millis" } })
})

Effect.runPromise(Effect.provide(program, live)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(String(error))
    process.exit(1)
  }
)
