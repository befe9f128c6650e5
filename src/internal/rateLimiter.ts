/**
 * The opt-in client-side pace: a token bucket (requests per interval) and a cap on requests in
 * flight, shared by every call of one client. Without a `rateLimit` there is none, and it costs
 * nothing.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as SynchronizedRef from "effect/SynchronizedRef"
import type { RateLimit } from "../RecotapConfig.js"

/** Runs one request when the pace allows it. */
export type Limiter = <A, E, R>(request: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

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
        // With a token left, `readyAt` is now or earlier: no wait.
        const readyAt = now + Math.ceil(-tokens / perMilli)
        return [readyAt, { tokens, at: now }] as const
      })).pipe(Effect.flatMap(sleepUntil))
  })

/** The pace of one client, or `undefined` when it has no rate limit. */
export const makeLimiter = (limit: RateLimit | undefined): Effect.Effect<Limiter | undefined> =>
  limit === undefined ? Effect.succeed(undefined) : Effect.gen(function*() {
    const takeToken = yield* makeBucket(limit)
    // Stryker disable next-line ConditionalExpression: equivalent, a shortcut (a semaphore of `undefined` permits never blocks)
    const slots = limit.maxConcurrent === undefined ? undefined : yield* Effect.makeSemaphore(limit.maxConcurrent)
    return <A, E, R>(request: Effect.Effect<A, E, R>) => {
      const paced = Effect.zipRight(takeToken, request)
      return slots === undefined ? paced : slots.withPermits(1)(paced)
    }
  })
