/** The client-wide pace (`RecotapConfig.rateLimit`): one token bucket, one cap and one pause for every call of a client. */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { RecotapConfig, type RecotapConfigOptions, RecotapCrm } from "../src/index.js"
import { crmWith, envelope, errorEnvelope, type SentRequest } from "./helpers.js"

const emptyPage = () => envelope({ data: [], nextCursor: null, hasNextPage: false })

/** A page size that names the call, so that the handler knows whose request it sees. */
const list = (limit = 1) => Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list({ limit }))

/** Runs `n` list calls at once. */
const together = (n: number) => Effect.all(Array.from({ length: n }, () => list()), { concurrency: "unbounded" })

/** A fake server that notes the TestClock time at which each request reaches it, then answers with `answer`. */
const timedServer = (answer: (request: SentRequest, nth: number) => Response = () => emptyPage()) => {
  const arrivals: Array<{ readonly at: number; readonly limit: string | null }> = []
  const handler = (request: SentRequest) =>
    Effect.map(Clock.currentTimeMillis, (at) => {
      arrivals.push({ at, limit: request.url.searchParams.get("limit") })
      return answer(request, arrivals.length)
    })
  return { arrivals, handler }
}

const tooManyRequests = (retryAfter?: string) => {
  const response = errorEnvelope(429, { message: "Too Many Requests" })
  if (retryAfter !== undefined) response.headers.set("retry-after", retryAfter)
  return response
}

/** Moves the TestClock forward by `step` ms, `times` times, letting forked calls run between steps. */
const advance = (times: number, step: number) =>
  Effect.forEach(Array.from({ length: times }), () => TestClock.adjust(step), { discard: true })

describe("the token bucket", () => {
  it.effect("2 per second: a burst of 2, then one request every 500 ms", () => {
    const server = timedServer()
    const { layer, sent } = crmWith(server.handler, undefined, { rateLimit: { requests: 2, interval: "1 second" } })
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(together(6))
      yield* advance(25, 100)
      const pages = yield* Fiber.join(fiber)
      expect(pages).toHaveLength(6)
      expect(server.arrivals.map((a) => a.at)).toEqual([0, 0, 500, 1000, 1500, 2000])
      expect(sent).toHaveLength(6)
    }).pipe(Effect.provide(layer))
  })

  it.effect("nothing goes out before its token: at 499 ms only the burst has been sent", () => {
    const server = timedServer()
    const { layer } = crmWith(server.handler, undefined, { rateLimit: { requests: 2, interval: "1 second" } })
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(together(4))
      yield* TestClock.adjust(499)
      expect(server.arrivals).toHaveLength(2)
      yield* TestClock.adjust(1)
      expect(server.arrivals).toHaveLength(3)
      yield* TestClock.adjust(500)
      expect(yield* Fiber.join(fiber)).toHaveLength(4)
      expect(server.arrivals.map((a) => a.at)).toEqual([0, 0, 500, 1000])
    }).pipe(Effect.provide(layer))
  })

  it.effect("the bucket refills while idle, up to `requests` only", () => {
    const server = timedServer()
    const { layer } = crmWith(server.handler, undefined, { rateLimit: { requests: 2, interval: "1 second" } })
    return Effect.gen(function*() {
      yield* TestClock.adjust("10 seconds")
      const fiber = yield* Effect.fork(together(3))
      yield* advance(10, 100)
      yield* Fiber.join(fiber)
      // Ten idle seconds do not buy a burst of 20: still 2 at once, then 500 ms apart.
      expect(server.arrivals.map((a) => a.at)).toEqual([10_000, 10_000, 10_500])
    }).pipe(Effect.provide(layer))
  })

  it.effect("without a rate limit, 6 calls together all reach the server at once", () => {
    const server = timedServer()
    const { layer } = crmWith(server.handler)
    return Effect.gen(function*() {
      const pages = yield* together(6)
      expect(pages).toHaveLength(6)
      expect(server.arrivals.map((a) => a.at)).toEqual([0, 0, 0, 0, 0, 0])
    }).pipe(Effect.provide(layer))
  })
})

describe("maxConcurrent", () => {
  it.effect("at most 2 requests in flight, and all 5 calls complete", () => {
    let inFlight = 0
    let most = 0
    const starts: Array<number> = []
    const { layer } = crmWith(
      () =>
        Effect.gen(function*() {
          starts.push(yield* Clock.currentTimeMillis)
          inFlight += 1
          most = Math.max(most, inFlight)
          yield* Effect.sleep("1 second")
          inFlight -= 1
          return emptyPage()
        }),
      undefined,
      { rateLimit: { requests: 1_000, interval: "1 second", maxConcurrent: 2 } }
    )
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(together(5))
      yield* TestClock.adjust("999 millis")
      expect(inFlight).toBe(2)
      expect(fiber.unsafePoll()).toBeNull()
      yield* advance(3, 1_000)
      const pages = yield* Fiber.join(fiber)
      expect(pages).toHaveLength(5)
      expect(most).toBe(2)
      expect(inFlight).toBe(0)
      expect(starts).toEqual([0, 0, 1000, 1000, 2000])
    }).pipe(Effect.provide(layer))
  })
})

describe("the shared pause", () => {
  const withRetries: RecotapConfigOptions = { retry: { maxRetries: 2 } }

  it.effect("a 429 with Retry-After: 5 holds back another call started while the first one waits", () => {
    // The first request of all gets the 429; everything else succeeds.
    const server = timedServer((_, nth) => (nth === 1 ? tooManyRequests("5") : emptyPage()))
    const { layer } = crmWith(server.handler, undefined, withRetries)
    return Effect.gen(function*() {
      const a = yield* Effect.fork(list(1))
      yield* TestClock.adjust("1 second")
      const b = yield* Effect.fork(list(2))
      yield* TestClock.adjust("3999 millis")
      // At 4.999 s neither A's retry nor B has been sent.
      expect(server.arrivals).toEqual([{ at: 0, limit: "1" }])
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(a)
      yield* Fiber.join(b)
      const bArrival = server.arrivals.find((r) => r.limit === "2")
      expect(bArrival?.at).toBe(5000)
      expect(server.arrivals.filter((r) => r.limit === "1").map((r) => r.at)).toEqual([0, 5000])
      expect(server.arrivals).toHaveLength(3)
    }).pipe(Effect.provide(layer))
  })

  it.effect("another call waits out a pause as long as the client waits, late in the day too, without failing", () => {
    // A's 429 is not retried (no retries), but its pause of exactly maxRetryAfter holds B back.
    const server = timedServer((_, nth) => (nth === 1 ? tooManyRequests("60") : emptyPage()))
    const { layer } = crmWith(server.handler, undefined, { retry: { maxRetries: 0 } })
    return Effect.gen(function*() {
      yield* TestClock.adjust("1 day")
      const a = yield* Effect.flip(list(1))
      expect(a).toMatchObject({ _tag: "TransportError", status: 429 })
      const b = yield* Effect.fork(list(2))
      yield* TestClock.adjust("59999 millis")
      expect(server.arrivals).toHaveLength(1)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(b)
      expect(server.arrivals.map((r) => r.at - 86_400_000)).toEqual([0, 60_000])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a pause longer than the client waits fails the other calls at once, without sending them", () => {
    const server = timedServer((_, nth) => (nth === 1 ? tooManyRequests("300") : emptyPage()))
    const { layer } = crmWith(server.handler, undefined, withRetries)
    return Effect.gen(function*() {
      const a = yield* Effect.flip(list(1))
      expect(a).toMatchObject({ _tag: "TransportError", status: 429, retryAfterMillis: 300_000 })
      yield* TestClock.adjust("1 second")
      const b = yield* Effect.flip(list(2))
      expect(b).toMatchObject({ _tag: "TransportError", status: 429, retryAfterMillis: 299_000 })
      expect(b.message).toContain("not sent")
      expect(server.arrivals).toEqual([{ at: 0, limit: "1" }])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 429 also holds back a call that was already waiting for its rate-limit token", () => {
    const server = timedServer((_, nth) => (nth === 1 ? tooManyRequests("5") : emptyPage()))
    const { layer } = crmWith(server.handler, undefined, {
      ...withRetries,
      rateLimit: { requests: 1, interval: "1 second" }
    })
    return Effect.gen(function*() {
      const a = yield* Effect.fork(list(1))
      const b = yield* Effect.fork(list(2))
      yield* advance(60, 100)
      yield* Fiber.join(a)
      yield* Fiber.join(b)
      // B's token came at 1 s, but A's 429 at 0 s asked everyone to wait until 5 s.
      expect(server.arrivals.find((r) => r.limit === "2")?.at).toBeGreaterThanOrEqual(5000)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 429 without Retry-After pauses the client for A's own backoff: B goes out together with A's retry", () => {
    const server = timedServer((_, nth) => (nth === 1 ? tooManyRequests() : emptyPage()))
    const { layer } = crmWith(server.handler, undefined, { retry: { maxRetries: 2, baseDelay: "1 second" } })
    return Effect.gen(function*() {
      const a = yield* Effect.fork(list(1))
      yield* TestClock.adjust("100 millis")
      const b = yield* Effect.fork(list(2))
      yield* advance(10, 100)
      yield* Fiber.join(a)
      yield* Fiber.join(b)
      const retryOfA = server.arrivals.filter((r) => r.limit === "1")[1]?.at
      const bAt = server.arrivals.find((r) => r.limit === "2")?.at
      // The backoff is 1 s with jitter: between 500 ms and 1 s.
      expect(retryOfA).toBeGreaterThanOrEqual(500)
      expect(retryOfA).toBeLessThanOrEqual(1000)
      expect(bAt).toBe(retryOfA)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 503 with Retry-After also pauses the client", () => {
    const server = timedServer((_, nth) => {
      if (nth !== 1) return emptyPage()
      const response = errorEnvelope(503, { message: "Service Unavailable" })
      response.headers.set("retry-after", "2")
      return response
    })
    const { layer } = crmWith(server.handler, undefined, withRetries)
    return Effect.gen(function*() {
      const a = yield* Effect.fork(list(1))
      yield* TestClock.adjust("100 millis")
      const b = yield* Effect.fork(list(2))
      yield* advance(20, 100)
      yield* Fiber.join(a)
      yield* Fiber.join(b)
      expect(server.arrivals.find((r) => r.limit === "2")?.at).toBe(2000)
    }).pipe(Effect.provide(layer))
  })

  it.effect("contrast: a 503 without Retry-After does not pause other calls", () => {
    const server = timedServer((_, nth) =>
      nth === 1 ? errorEnvelope(503, { message: "Service Unavailable" }) : emptyPage()
    )
    const { layer } = crmWith(server.handler, undefined, { retry: { maxRetries: 2, baseDelay: "1 second" } })
    return Effect.gen(function*() {
      const a = yield* Effect.fork(list(1))
      yield* TestClock.adjust("100 millis")
      const b = yield* Effect.fork(list(2))
      yield* TestClock.adjust("0 millis")
      // B is not held back: it has been answered already, while A still backs off.
      expect(server.arrivals.find((r) => r.limit === "2")?.at).toBe(100)
      expect(b.unsafePoll()?._tag).toBe("Success")
      expect(a.unsafePoll()).toBeNull()
      yield* advance(10, 100)
      yield* Fiber.join(a)
      expect((yield* Fiber.join(b)).data).toEqual([])
      const retryOfA = server.arrivals.filter((r) => r.limit === "1")[1]?.at
      expect(retryOfA).toBeGreaterThanOrEqual(500)
      expect(retryOfA).toBeLessThanOrEqual(1000)
    }).pipe(Effect.provide(layer))
  })
})

describe("an invalid rate limit", () => {
  const failure = (rateLimit: NonNullable<RecotapConfigOptions["rateLimit"]>) =>
    Effect.flip(Layer.build(RecotapConfig.layer({ rateLimit })).pipe(Effect.scoped))

  const cases: ReadonlyArray<[string, NonNullable<RecotapConfigOptions["rateLimit"]>, string]> = [
    ["0 requests", { requests: 0, interval: "1 second" }, "rateLimit.requests must be an integer of at least 1"],
    [
      "a fractional number of requests",
      { requests: 1.5, interval: "1 second" },
      "rateLimit.requests must be an integer of at least 1"
    ],
    ["a zero interval", { requests: 2, interval: 0 }, "rateLimit.interval must be a positive duration"],
    [
      "maxConcurrent 0",
      { requests: 2, interval: "1 second", maxConcurrent: 0 },
      "rateLimit.maxConcurrent must be an integer of at least 1"
    ]
  ]
  for (const [name, rateLimit, message] of cases) {
    it.effect(`${name} fails RecotapConfig.layer with a ConfigError`, () =>
      Effect.gen(function*() {
        const error = yield* failure(rateLimit)
        expect(ConfigError.isConfigError(error)).toBe(true)
        expect(error).toMatchObject({ _op: "InvalidData", message })
      }))
  }

  it.effect("a valid one builds", () =>
    Effect.gen(function*() {
      const config = yield* Effect.scoped(
        Layer.build(RecotapConfig.layer({ rateLimit: { requests: 2, interval: "1 second", maxConcurrent: 1 } }))
      )
      const settings = yield* Effect.provide(RecotapConfig, Layer.succeedContext(config))
      expect(settings.rateLimit).toMatchObject({ requests: 2, maxConcurrent: 1 })
    }))
})
