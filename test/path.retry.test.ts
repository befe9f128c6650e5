/**
 * How long a retry waits, at the edges: `Retry-After` exactly at `maxRetryAfter` and just above,
 * `Retry-After: 0`, one shorter than the backoff, and HTTP dates with and without the day name.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { RecotapCrm } from "../src/index.js"
import { crmWith, envelope, errorEnvelope, failureOf, recordingTracer, retryEvents, settle } from "./helpers.js"

const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
const emptyPage = () => envelope({ data: [], nextCursor: null, hasNextPage: false })

/** A 429 with this `Retry-After`. */
const tooMany = (retryAfter: string, status = 429) => {
  const response = errorEnvelope(status, { message: status === 429 ? "Too Many Requests" : "Service Unavailable" })
  response.headers.set("retry-after", retryAfter)
  return response
}

/** Answers `first` to the first request, then an empty page. */
const firstThen = (first: () => Response) => {
  let calls = 0
  return () => (calls++ === 0 ? first() : emptyPage())
}

/**
 * Forks `program`, moves the TestClock to `before` ms (1 request so far), then to `at` ms (the
 * retry sent), and returns the call's result.
 */
const retriedExactlyAt = <A, E>(
  sent: ReadonlyArray<unknown>,
  program: Effect.Effect<A, E, RecotapCrm>,
  at: number
) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(program)
    if (at > 0) {
      yield* TestClock.adjust(at - 1)
      expect(sent).toHaveLength(1)
      expect(Option.isNone(yield* fiber.poll)).toBe(true)
      yield* TestClock.adjust(1)
    } else {
      yield* TestClock.adjust(0)
    }
    // Done now, without the clock moving further.
    const done = yield* fiber.poll
    if (Option.isNone(done)) yield* Fiber.interrupt(fiber)
    expect(Option.isSome(done)).toBe(true)
    const result = yield* Fiber.join(fiber)
    expect(sent).toHaveLength(2)
    return result
  })

describe("Retry-After at maxRetryAfter", () => {
  it.effect("exactly the default cap (60 s) is waited, then the call goes through", () => {
    const { layer, sent } = crmWith(firstThen(() => tooMany("60")), undefined, {})
    return Effect.gen(function*() {
      const page = yield* retriedExactlyAt(sent, list, 60_000)
      expect(page.data).toEqual([])
    }).pipe(Effect.provide(layer))
  })

  it.effect("one second above the default cap fails at once, saying when to come back", () => {
    const { layer, sent } = crmWith(firstThen(() => tooMany("61")), undefined, {})
    return Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-03-01T12:00:00Z"))
      const fiber = yield* Effect.fork(Effect.flip(list))
      yield* TestClock.adjust(0)
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({
        _tag: "TransportError",
        status: 429,
        retryAfterMillis: 61_000,
        attempts: 1,
        notProcessed: true
      })
      expect(error.message).toContain("2026-03-01T12:01:01.000Z")
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("with maxRetryAfter 5 s: 5 is waited, 6 fails at once", () =>
    Effect.gen(function*() {
      const atCap = crmWith(firstThen(() => tooMany("5")), undefined, { retry: { maxRetryAfter: "5 seconds" } })
      yield* retriedExactlyAt(atCap.sent, list, 5_000).pipe(Effect.provide(atCap.layer))

      const above = crmWith(firstThen(() => tooMany("6")), undefined, { retry: { maxRetryAfter: "5 seconds" } })
      const fiber = yield* Effect.fork(Effect.flip(list).pipe(Effect.provide(above.layer)))
      yield* TestClock.adjust(0)
      expect(yield* Fiber.join(fiber)).toMatchObject({ _tag: "TransportError", retryAfterMillis: 6_000, attempts: 1 })
      expect(above.sent).toHaveLength(1)
    }))

  it.effect("the same holds for a 503 with Retry-After", () =>
    Effect.gen(function*() {
      const atCap = crmWith(firstThen(() => tooMany("60", 503)), undefined, {})
      yield* retriedExactlyAt(atCap.sent, list, 60_000).pipe(Effect.provide(atCap.layer))
      const above = crmWith(firstThen(() => tooMany("61", 503)), undefined, {})
      const error = failureOf(yield* settle(list.pipe(Effect.provide(above.layer))))
      expect(error).toMatchObject({ status: 503, retryAfterMillis: 61_000, attempts: 1 })
      expect(above.sent).toHaveLength(1)
    }))
})

describe("Retry-After against the backoff", () => {
  it.effect("Retry-After: 0 retries at once, with a delay of 0", () => {
    const { layer, sent } = crmWith(firstThen(() => tooMany("0")), undefined, {})
    return Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      yield* retriedExactlyAt(sent, list, 0).pipe(Effect.withTracer(tracer))
      expect(retryEvents(spans).map((e) => e.delayMs)).toEqual([0])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a Retry-After shorter than the backoff is waited exactly, not the backoff", () => {
    const { layer, sent } = crmWith(firstThen(() => tooMany("1", 503)), undefined, {
      retry: { baseDelay: "20 seconds", maxDelay: "20 seconds" }
    })
    return Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      yield* retriedExactlyAt(sent, list, 1_000).pipe(Effect.withTracer(tracer))
      expect(retryEvents(spans).map((e) => e.delayMs)).toEqual([1_000])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a Retry-After longer than the backoff is waited exactly", () => {
    const { layer, sent } = crmWith(firstThen(() => tooMany("3")), undefined, {})
    return Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      yield* retriedExactlyAt(sent, list, 3_000).pipe(Effect.withTracer(tracer))
      expect(retryEvents(spans).map((e) => e.delayMs)).toEqual([3_000])
    }).pipe(Effect.provide(layer))
  })

  it.effect("surrounding white space is ignored", () => {
    const { layer, sent } = crmWith(firstThen(() => tooMany(" 2 ")), undefined, {})
    return Effect.gen(function*() {
      yield* retriedExactlyAt(sent, list, 2_000)
    }).pipe(Effect.provide(layer))
  })

  it.effect("the final error of a call whose every attempt said Retry-After carries the last one", () => {
    const { layer, sent } = crmWith(() => tooMany("2"), undefined, {})
    return Effect.gen(function*() {
      const error = failureOf(yield* settle(list))
      expect(error).toMatchObject({
        _tag: "TransportError",
        status: 429,
        retryAfterMillis: 2_000,
        attempts: 3,
        notProcessed: true
      })
      expect(error.message).toContain("after 3 attempts")
      expect(sent).toHaveLength(3)
    }).pipe(Effect.provide(layer))
  })
})

describe("Retry-After as an HTTP date", () => {
  const NOW = Date.parse("2026-11-06T08:49:00Z")

  it.effect("with the day name (IMF-fixdate): waited until then", () => {
    const { layer, sent } = crmWith(firstThen(() => tooMany("Fri, 06 Nov 2026 08:49:37 GMT", 503)), undefined, {})
    return Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const { spans, tracer } = yield* recordingTracer
      yield* retriedExactlyAt(sent, list, 37_000).pipe(Effect.withTracer(tracer))
      expect(retryEvents(spans).map((e) => e.delayMs)).toEqual([37_000])
    }).pipe(Effect.provide(layer))
  })

  it.effect("with the day name, and a single attempt: retryAfterMillis says how long", () => {
    const { layer } = crmWith(() => tooMany("Fri, 06 Nov 2026 08:49:37 GMT", 503))
    return Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      expect(yield* Effect.flip(list)).toMatchObject({ status: 503, retryAfterMillis: 37_000 })
    }).pipe(Effect.provide(layer))
  })

  it.effect("a date already past: retried at once", () => {
    const { layer, sent } = crmWith(firstThen(() => tooMany("Fri, 06 Nov 2026 08:00:00 GMT", 503)), undefined, {})
    return Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      yield* retriedExactlyAt(sent, list, 0)
    }).pipe(Effect.provide(layer))
  })

  // Today: a date without the day's name is not read as a Retry-After at all (HTTP dates
  // always start with it), so the backoff applies and the error carries no retryAfterMillis.
  it.effect("without the day name (06 Nov 2026 08:49:37 GMT): ignored, the backoff applies", () => {
    const { layer, sent } = crmWith(firstThen(() => tooMany("06 Nov 2026 08:49:37 GMT", 503)), undefined, {})
    return Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const { spans, tracer } = yield* recordingTracer
      const fiber = yield* Effect.fork(list.pipe(Effect.withTracer(tracer)))
      yield* TestClock.adjust("500 millis")
      yield* Fiber.join(fiber)
      expect(sent).toHaveLength(2)
      const delays = retryEvents(spans).map((e) => e.delayMs)
      expect(delays).toHaveLength(1)
      expect(delays[0]).toBeGreaterThanOrEqual(250)
      expect(delays[0]).toBeLessThanOrEqual(500)
    }).pipe(Effect.provide(layer))
  })

  it.effect("without the day name, and a single attempt: no retryAfterMillis", () => {
    const { layer } = crmWith(() => tooMany("06 Nov 2026 08:49:37 GMT", 503))
    return Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", status: 503 })
      expect(error).not.toHaveProperty("retryAfterMillis")
    }).pipe(Effect.provide(layer))
  })

  for (const odd of ["1.5", "-1", "soon"]) {
    it.effect(`an unreadable Retry-After ("${odd}") is ignored: no retryAfterMillis`, () => {
      const { layer } = crmWith(() => tooMany(odd, 503))
      return Effect.gen(function*() {
        const error = yield* Effect.flip(list)
        expect(error).toMatchObject({ _tag: "TransportError", status: 503 })
        expect(error).not.toHaveProperty("retryAfterMillis")
      }).pipe(Effect.provide(layer))
    })
  }
})
