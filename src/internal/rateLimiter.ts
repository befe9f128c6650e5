/**
 * The client-wide pace: an optional token bucket (requests per interval), an optional cap on
 * requests in flight, and a shared pause when Recotap asks to slow down (429, `Retry-After`),
 * so that one call's 429 slows every call of the client, not only itself.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as SynchronizedRef from "effect/SynchronizedRef"
import type { RateLimit } from "../RecotapConfig.js"

/** Longest pause one answer can impose on the client: a broken `Retry-After` must not disable it for good. */
export const MAX_PAUSE_MILLIS = 60 * 60 * 1000

/** The pace of one client. */
export interface Limiter {
  /**
   * Runs one request once a token is free, the pause is over and a slot is free. A pause longer
   * than `maxPause` is not waited out: the request fails at once with `tooLong(resumeAt, now)`.
   */
  readonly run: <A, E, R, E2>(
    request: Effect.Effect<A, E, R>,
    maxPause: Duration.Duration,
    tooLong: (resumeAt: number, now: number) => E2
  ) => Effect.Effect<A, E | E2, R>
  /** Holds every request of the client back for `delay` from now. */
  readonly pause: (delay: Duration.Duration) => Effect.Effect<void>
}

const sleepUntil = (at: number) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => (at > now ? Effect.sleep(Duration.millis(at - now)) : Effect.void))

/** A token bucket: `requests` tokens, refilled evenly over `interval`; a waiter reserves the next token. */
const makeBucket = (limit: RateLimit) =>
  Effect.gen(function*() {
    const perMilli = limit.requests / Duration.toMillis(limit.interval)
    const state = yield* SynchronizedRef.make({ tokens: limit.requests, at: yield* Clock.currentTimeMillis })
    return SynchronizedRef.modifyEffect(state, (bucket) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const tokens = Math.min(limit.requests, bucket.tokens + (now - bucket.at) * perMilli) - 1
        const readyAt = tokens >= 0 ? now : now + Math.ceil(-tokens / perMilli)
        return [readyAt, { tokens, at: now }] as const
      })).pipe(Effect.flatMap(sleepUntil))
  })

/** Builds the pace of one client from its (optional) rate limit. */
export const makeLimiter = (limit: RateLimit | undefined): Effect.Effect<Limiter> =>
  Effect.gen(function*() {
    const pausedUntil = yield* Ref.make(0)
    const takeToken = limit === undefined ? Effect.void : yield* makeBucket(limit)
    const slots = limit?.maxConcurrent === undefined ? undefined : yield* Effect.makeSemaphore(limit.maxConcurrent)
    // Checked again after each wait: a 429 may have arrived (or extended the pause) meanwhile.
    const waitForPause = <E2>(maxPause: Duration.Duration, tooLong: (resumeAt: number, now: number) => E2): Effect.Effect<void, E2> =>
      Effect.flatMap(Effect.zip(Ref.get(pausedUntil), Clock.currentTimeMillis), ([until, now]) => {
        if (until <= now) return Effect.void
        if (until - now > Duration.toMillis(maxPause)) return Effect.fail(tooLong(until, now))
        return Effect.zipRight(Effect.sleep(Duration.millis(until - now)), waitForPause(maxPause, tooLong))
      })
    return {
      run: (request, maxPause, tooLong) => {
        const paced = Effect.zipRight(Effect.zipRight(takeToken, waitForPause(maxPause, tooLong)), request)
        return slots === undefined ? paced : slots.withPermits(1)(paced)
      },
      pause: (delay) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Ref.update(pausedUntil, (until) => Math.max(until, now + Math.min(Duration.toMillis(delay), MAX_PAUSE_MILLIS))))
    }
  })
