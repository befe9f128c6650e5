/**
 * The client-wide pause on the test clock: how long it holds a request back, the milliseconds it
 * answers as slept (the `recotap.pause.waited` metric reads them), and the unsent 429 when it
 * lasts longer than the caller waits. `waitWhile` is the same rule over a pause kept elsewhere
 * (the fleet's shared one).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { makePause, MAX_PAUSE_MILLIS, waitWhile } from "../../src/internal/pause.js"
import { settle } from "../helpers.js"

const url = () => "https://api.example/accounts"

describe("makePause", () => {
  /** A pause of `length` from 100 s on the test clock, and a request forked to wait on it (up to 10 s). */
  const waitingBehind = (length: Duration.Duration) =>
    Effect.gen(function*() {
      const pause = makePause()
      yield* TestClock.adjust(Duration.seconds(100))
      yield* pause.extend(length)
      const fiber = yield* Effect.fork(pause.wait(Duration.seconds(10), "GET", url))
      return { pause, fiber }
    })

  it.effect("no pause: a wait sleeps nothing and answers 0", () =>
    Effect.gen(function*() {
      const pause = makePause()
      expect(yield* pause.wait(Duration.seconds(10), "GET", url)).toBe(0)
    }))

  it.effect("a pause of 2 s holds a request back 2 s and answers 2000 slept", () =>
    Effect.gen(function*() {
      const { fiber } = yield* waitingBehind(Duration.seconds(2))
      yield* TestClock.adjust(Duration.millis(1_999))
      expect((yield* fiber.poll)._tag).toBe("None")
      yield* TestClock.adjust(Duration.millis(1))
      expect(yield* Fiber.join(fiber)).toBe(2_000)
    }))

  it.effect("a pause extended while a request waits: it waits on, and answers all it slept", () =>
    Effect.gen(function*() {
      const { fiber, pause } = yield* waitingBehind(Duration.seconds(2))
      yield* TestClock.adjust(Duration.seconds(1))
      // Another answer's `Retry-After: 3`, one second in: the pause now ends at 4 s.
      yield* pause.extend(Duration.seconds(3))
      yield* TestClock.adjust(Duration.seconds(1))
      expect((yield* fiber.poll)._tag).toBe("None")
      yield* TestClock.adjust(Duration.seconds(2))
      expect(yield* Fiber.join(fiber)).toBe(4_000)
    }))

  it.effect("a shorter Retry-After never shortens the pause", () =>
    Effect.gen(function*() {
      const pause = makePause()
      yield* pause.extend(Duration.seconds(5))
      yield* pause.extend(Duration.seconds(1))
      expect(yield* settle(pause.wait(Duration.seconds(10), "GET", url), "1 second")).toEqual(Exit.succeed(5_000))
    }))

  it.effect("a pause over: the next wait answers 0", () =>
    Effect.gen(function*() {
      const pause = makePause()
      yield* pause.extend(Duration.seconds(1))
      yield* TestClock.adjust(Duration.seconds(1))
      expect(yield* pause.wait(Duration.seconds(10), "GET", url)).toBe(0)
    }))

  it.effect("a pause longer than the caller waits: an unsent 429 with the remaining time, at once", () =>
    Effect.gen(function*() {
      const pause = makePause()
      yield* TestClock.adjust(Duration.seconds(100))
      yield* pause.extend(Duration.seconds(30))
      yield* TestClock.adjust(Duration.seconds(5))
      const error = yield* Effect.flip(pause.wait(Duration.seconds(10), "POST", url))
      expect(error).toMatchObject({
        _tag: "TransportError",
        reason: "StatusCode",
        status: 429,
        method: "POST",
        retryAfterMillis: 25_000,
        notProcessed: true
      })
      // The pause ends at 130 s on the test clock.
      expect(error.message).toContain(new Date(130_000).toISOString())
    }))

  it.effect("a pause exactly as long as the caller waits is waited out", () =>
    Effect.gen(function*() {
      const pause = makePause()
      yield* pause.extend(Duration.seconds(10))
      expect(yield* settle(pause.wait(Duration.seconds(10), "GET", url), "2500 millis")).toEqual(Exit.succeed(10_000))
    }))

  it.effect("a Retry-After past the cap pauses the client for the cap only", () =>
    Effect.gen(function*() {
      const pause = makePause()
      yield* pause.extend(Duration.days(30))
      const error = yield* Effect.flip(pause.wait(Duration.seconds(1), "GET", url))
      expect(error.retryAfterMillis).toBe(MAX_PAUSE_MILLIS)
    }))
})

describe("waitWhile", () => {
  /** A pause kept elsewhere, ending at `until` on the test clock: what `waitWhile` reads as `remaining`. */
  const pauseUntil = (until: Ref.Ref<number>) =>
    Effect.flatMap(Ref.get(until), (end) => Effect.map(Clock.currentTimeMillis, (now) => end - now))

  it.effect("nothing left: answers what was slept before, without sleeping", () =>
    Effect.gen(function*() {
      const until = yield* Ref.make(0)
      expect(yield* waitWhile(pauseUntil(until), Duration.seconds(10), "GET", url, 750)).toBe(750)
      expect(yield* Clock.currentTimeMillis).toBe(0)
    }))

  it.effect("reads the pause again after each wait, and adds every wait to what was slept before", () =>
    Effect.gen(function*() {
      const until = yield* Ref.make(2_000)
      const fiber = yield* Effect.fork(waitWhile(pauseUntil(until), Duration.seconds(10), "GET", url, 500))
      yield* TestClock.adjust(Duration.seconds(1))
      // Another worker's 429 meanwhile: the shared pause now ends at 3 s.
      yield* Ref.set(until, 3_000)
      yield* TestClock.adjust(Duration.seconds(1))
      expect((yield* fiber.poll)._tag).toBe("None")
      yield* TestClock.adjust(Duration.seconds(1))
      expect(yield* Fiber.join(fiber)).toBe(3_500)
    }))

  it.effect("a pause longer than the caller waits: an unsent 429 with the remaining time, at once", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust(Duration.seconds(100))
      const until = yield* Ref.make(160_000)
      const error = yield* Effect.flip(waitWhile(pauseUntil(until), Duration.seconds(10), "PUT", url))
      expect(error).toMatchObject({
        _tag: "TransportError",
        status: 429,
        method: "PUT",
        retryAfterMillis: 60_000,
        notProcessed: true
      })
      expect(error.message).toContain(new Date(160_000).toISOString())
      expect(yield* Clock.currentTimeMillis).toBe(100_000)
    }))

  it.effect("a pause exactly as long as the caller waits is waited out", () =>
    Effect.gen(function*() {
      const until = yield* Ref.make(10_000)
      const waited = yield* settle(waitWhile(pauseUntil(until), Duration.seconds(10), "GET", url), "2500 millis")
      expect(waited).toEqual(Exit.succeed(10_000))
    }))
})
