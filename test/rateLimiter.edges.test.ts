/** The edges of the token bucket (Effect's `RateLimiter`): a partial refill, and no timer at all while a token is left. */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { RecotapCrm } from "../src/index.js"
import { makeLimiter } from "../src/internal/rateLimiter.js"
import { crmWith, envelope } from "./helpers.js"

const twoPerSecond = { requests: 2, interval: Duration.seconds(1) }

/** A clock stopped at `now` that notes each sleep asked of it (in ms) and ends it at once. */
const stoppedClock = (now: number) => {
  const sleeps: Array<number> = []
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    currentTimeMillis: Effect.sync(() => now),
    unsafeCurrentTimeNanos: () => BigInt(now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    sleep: (duration) => Effect.sync(() => void sleeps.push(Duration.toMillis(duration)))
  }
  return { clock, sleeps }
}

describe("the token bucket's timing", () => {
  it.scoped("requests within the burst set no timer at all; the first one past it waits for its token", () => {
    const { clock, sleeps } = stoppedClock(1_000)
    return Effect.gen(function*() {
      const limiter = yield* makeLimiter(twoPerSecond)
      if (limiter === undefined) throw new Error("a rate limit makes a limiter")
      yield* limiter(Effect.void)
      yield* limiter(Effect.void)
      expect(sleeps).toEqual([])
      yield* limiter(Effect.void)
      // The third waits one token's time. The bucket's refill then goes on until it is full
      // again: on this clock, which ends every sleep at once, that is one more token's time.
      expect(sleeps[0]).toBe(500)
      expect(sleeps.every((ms) => ms === 500)).toBe(true)
    }).pipe(Effect.withClock(clock))
  })

  it.effect("250 ms after a burst of 2 per second, half a token has come back: the next request waits 250 ms for the other half", () => {
    const arrivals: Array<number> = []
    const { layer } = crmWith(
      () =>
        Effect.map(Clock.currentTimeMillis, (at) => {
          arrivals.push(at)
          return envelope({ data: [], nextCursor: null, hasNextPage: false })
        }),
      undefined,
      { rateLimit: { requests: 2, interval: "1 second" } }
    )
    const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
    return Effect.gen(function*() {
      yield* list
      yield* list
      yield* TestClock.adjust("250 millis")
      const third = yield* Effect.fork(list)
      yield* TestClock.adjust("249 millis")
      expect(arrivals).toEqual([0, 0])
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(third)
      expect(arrivals).toEqual([0, 0, 500])
    }).pipe(Effect.provide(layer))
  })
})
