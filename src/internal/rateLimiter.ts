/**
 * The opt-in client-side pace of one process: Effect's own `RateLimiter` (a token bucket:
 * `requests` at once, then one every `interval / requests`) and a cap on requests in flight,
 * shared by every call of one client. Without a `rateLimit` there is none, and it costs nothing.
 */
import * as Effect from "effect/Effect"
import * as RateLimiter from "effect/RateLimiter"
import type * as Scope from "effect/Scope"
import type { RateLimit } from "../RecotapConfig.js"

/** Runs one request when the pace allows it. */
export type Limiter = <A, E, R>(request: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/** The cap on requests in flight around a limiter (none without `maxConcurrent`): one per client. */
export const withMaxConcurrent = (limit: RateLimit, limiter: Limiter): Limiter => {
  // Stryker disable next-line ConditionalExpression: equivalent, a shortcut (a semaphore of `undefined` permits never blocks)
  if (limit.maxConcurrent === undefined) return limiter
  const slots = Effect.unsafeMakeSemaphore(limit.maxConcurrent)
  return (request) => slots.withPermits(1)(limiter(request))
}

/**
 * The pace of one client, or `undefined` when it has no rate limit. The bucket's refill runs in
 * the scope: the client's lifetime.
 */
export const makeLimiter = (limit: RateLimit | undefined): Effect.Effect<Limiter | undefined, never, Scope.Scope> =>
  limit === undefined ? Effect.succeed(undefined) : Effect.map(
    RateLimiter.make({ limit: limit.requests, interval: limit.interval, algorithm: "token-bucket" }),
    (bucket) => withMaxConcurrent(limit, bucket)
  )
