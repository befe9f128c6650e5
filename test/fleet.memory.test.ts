/**
 * `Fleet.layerMemory`: clients of one process on one key share one rate budget and one pause;
 * clients on another key share nothing with them. On the TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Fleet from "../src/Fleet.js"
import type { RecotapCrm } from "../src/index.js"
import { ApiKey, RecotapConfig, type RecotapConfigOptions } from "../src/index.js"
import { make as makeCrm } from "../src/RecotapCrm.js"
import { envelope, errorEnvelope, fakeHttp, type SentRequest } from "./helpers.js"

const KEY_A = "rk_fleet_workspace_A"
const KEY_B = "rk_fleet_workspace_B"

/** When each request reached the server, by the TestClock, and with which key. */
const arrivals: Array<{ readonly at: number; readonly key: string | undefined }> = []

const serverAnswering = (answer: (nth: number) => Response) => (request: SentRequest) =>
  Effect.map(Clock.currentTimeMillis, (at) => {
    arrivals.push({ at, key: request.headers["x-api-key"] })
    return answer(arrivals.length)
  })

const emptyPage = () => envelope({ data: [], nextCursor: null, hasNextPage: false })

/** One client with its own `HttpClient` (as a replica has), on `key`, within the test's scope. */
const clientOn = (key: string, handler: ReturnType<typeof serverAnswering>, config: RecotapConfigOptions) =>
  makeCrm.pipe(
    Effect.provide(
      Layer.mergeAll(
        fakeHttp(handler).layer,
        ApiKey.layer(Redacted.make(key)),
        Layer.orDie(RecotapConfig.layer({ retry: { maxRetries: 0 }, ...config }))
      )
    )
  )

const listTimes = (crm: RecotapCrm["Type"], n: number) =>
  Effect.all(Array.from({ length: n }, () => crm.accounts.list()), { concurrency: "unbounded" })

/** The first request gets a 429 with `Retry-After: 5`; every other one, an empty page. */
const firstPausesFor5Seconds = (nth: number) => {
  if (nth !== 1) return emptyPage()
  const response = errorEnvelope(429, { message: "Too Many Requests" })
  response.headers.set("retry-after", "5")
  return response
}

/** Two clients on one key, before a server whose first answer is a 429 with `Retry-After: 5`. */
const twoClientsAfterA429 = Effect.gen(function*() {
  arrivals.length = 0
  const handler = serverAnswering(firstPausesFor5Seconds)
  return { a: yield* clientOn(KEY_A, handler, {}), b: yield* clientOn(KEY_A, handler, {}), handler }
})

const twoPerSecond: RecotapConfigOptions = { rateLimit: { requests: 2, interval: "1 second" } }

/** A client on `KEY_A` and one on `keyB`, both at 2 per second, before a server answering empty pages. */
const pacedPair = (keyB: string) =>
  Effect.gen(function*() {
    arrivals.length = 0
    const handler = serverAnswering(emptyPage)
    return { a: yield* clientOn(KEY_A, handler, twoPerSecond), b: yield* clientOn(keyB, handler, twoPerSecond) }
  })

describe("Fleet.layerMemory", () => {
  it.scoped("two clients on one key share one budget of 2 per second: 2 requests per window between them", () =>
    Effect.gen(function*() {
      const { a, b } = yield* pacedPair(KEY_A)
      const fiber = yield* Effect.fork(Effect.all([listTimes(a, 3), listTimes(b, 3)], { concurrency: "unbounded" }))
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.join(fiber)
      expect(arrivals.map((r) => r.at)).toEqual([0, 0, 1000, 1000, 2000, 2000])
    }).pipe(Effect.provide(Fleet.layerMemory)))

  it.scoped("clients on two keys share nothing: each has its own 2 per second", () =>
    Effect.gen(function*() {
      const { a, b } = yield* pacedPair(KEY_B)
      yield* Effect.all([listTimes(a, 2), listTimes(b, 2)], { concurrency: "unbounded" })
      expect(arrivals.map((r) => r.at)).toEqual([0, 0, 0, 0])
    }).pipe(Effect.provide(Fleet.layerMemory)))

  it.scoped("a 429 with Retry-After: 5 seen by one client holds back another client on the key, not one on another key", () =>
    Effect.gen(function*() {
      const { a, b, handler } = yield* twoClientsAfterA429
      const other = yield* clientOn(KEY_B, handler, {})
      expect(yield* Effect.flip(a.accounts.list())).toMatchObject({ _tag: "TransportError", status: 429 })
      const held = yield* Effect.fork(b.accounts.list())
      yield* other.accounts.list()
      yield* TestClock.adjust("4999 millis")
      expect(arrivals).toEqual([{ at: 0, key: KEY_A }, { at: 0, key: KEY_B }])
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(held)
      expect(arrivals.at(-1)).toEqual({ at: 5000, key: KEY_A })
    }).pipe(Effect.provide(Fleet.layerMemory)))

  it.scoped("contrast: without the fleet layer, the other client on the key is not held back", () =>
    Effect.gen(function*() {
      const { a, b } = yield* twoClientsAfterA429
      yield* Effect.flip(a.accounts.list())
      yield* b.accounts.list()
      expect(arrivals.map((r) => r.at)).toEqual([0, 0])
    }))
})
