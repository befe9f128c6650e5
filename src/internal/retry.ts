/**
 * Retries: which failures are transient, which requests may be sent again, and how long to wait.
 *
 * - Transient: connection failures, timeouts, 408, 429, 500, 502, 503, 504. Nothing else.
 * - A request that cannot be applied twice (a create-only write) is sent again only when it
 *   provably was not processed: refused connection or unknown host (never sent), 429 or 503
 *   (refused before processing). Reads, PUT, PATCH and upserts are sent again on any transient failure.
 * - The wait is `Retry-After` when the server gives one (up to a cap; beyond it the call fails at
 *   once, saying when to come back), otherwise exponential backoff with jitter. A `Retry-After`
 *   or a 429 also pauses the whole client (see `pause.ts`).
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type { RetryPolicy } from "../RecotapConfig.js"
import { TransportError } from "../RecotapError.js"

/** Whether a request may be sent again on any transient failure, or only when it was not processed. */
export type RetrySafety = "idempotent" | "createOnly"

const TRANSIENT_STATUSES: ReadonlyArray<number> = [408, 429, 500, 502, 503, 504]

/** A failure worth another attempt. */
export const isTransient = (error: TransportError): boolean =>
  error.reason === "Transport" || error.reason === "Timeout" ||
  (error.reason === "StatusCode" && error.status !== undefined && TRANSIENT_STATUSES.includes(error.status))

/** A failure after which the request certainly was not processed (see `TransportError.notProcessed`). */
export const provablyNotProcessed = (error: TransportError): boolean => error.notProcessed === true

/** Whether this failure of a request of this safety may be retried. */
export const mayRetry = (error: TransportError, safety: RetrySafety): boolean =>
  isTransient(error) && (safety === "idempotent" || provablyNotProcessed(error))

/** Exponential backoff with jitter: between half and all of `min(maxDelay, baseDelay × 2^retry)`. */
const backoff = (policy: RetryPolicy, retry: number): Effect.Effect<Duration.Duration> =>
  Effect.map(Random.next, (random) => {
    const ceiling = Math.min(Duration.toMillis(policy.maxDelay), Duration.toMillis(policy.baseDelay) * 2 ** retry)
    return Duration.millis(Math.round(ceiling * (0.5 + random / 2)))
  })

/** What the retry loop tells the outside world about each retry. */
export interface RetryHooks {
  /** Called before waiting for attempt `attempt + 1`. */
  readonly onRetry: (error: TransportError, attempt: number, delay: Duration.Duration) => Effect.Effect<void>
  /** Called when the server asked to wait (`Retry-After`, or a 429): the whole client slows down. */
  readonly onBackOff: (delay: Duration.Duration) => Effect.Effect<void>
}

/**
 * Runs `attempt` until it succeeds, fails with something that is not retried, or runs out of
 * retries. A `TransportError` that ends the call says how many attempts were made, and claims
 * `notProcessed` only when no attempt may have been processed.
 */
export const retrying = <A, E>(
  attempt: Effect.Effect<A, E | TransportError>,
  policy: RetryPolicy,
  safety: RetrySafety,
  hooks: RetryHooks
): Effect.Effect<A, E | TransportError> => {
  const loop = (attempts: number, earlierNotProcessed: boolean): Effect.Effect<A, E | TransportError> =>
    Effect.catchIf(
      attempt,
      (error): error is TransportError => error instanceof TransportError,
      (error) =>
        Effect.gen(function*() {
          const everyNotProcessed = earlierNotProcessed && provablyNotProcessed(error)
          const retryAfter = error.retryAfterMillis
          // The server asked the client, not only this call, to wait.
          if (retryAfter !== undefined) yield* hooks.onBackOff(Duration.millis(retryAfter))
          if (attempts > policy.maxRetries || !mayRetry(error, safety)) {
            return yield* Effect.fail(error.withHistory(attempts, everyNotProcessed))
          }
          if (retryAfter !== undefined && retryAfter > Duration.toMillis(policy.maxRetryAfter)) {
            const at = new Date((yield* Clock.currentTimeMillis) + retryAfter).toISOString()
            return yield* Effect.fail(error.withHistory(
              attempts,
              everyNotProcessed,
              `${error.detail}; Recotap asks to retry after ${
                Duration.format(Duration.millis(retryAfter))
              } (at ${at}), ` +
                `longer than the ${Duration.format(policy.maxRetryAfter)} this client waits: come back then`
            ))
          }
          const delay = retryAfter === undefined ? yield* backoff(policy, attempts - 1) : Duration.millis(retryAfter)
          if (retryAfter === undefined && error.status === 429) yield* hooks.onBackOff(delay)
          yield* hooks.onRetry(error, attempts, delay)
          yield* Effect.sleep(delay)
          return yield* loop(attempts + 1, everyNotProcessed)
        })
    )
  return loop(1, true)
}
