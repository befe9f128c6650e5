/**
 * A `Coordination` over shared stores: each workspace's pace is the `@effect/experimental`
 * `RateLimiter` (fixed window, one counter per workspace) and its pause one entry of a pause
 * store. A store failing (Redis down) never fails a request: the client falls back to its own
 * pace and pause, and says so in a warning.
 */
import type * as ExperimentalRateLimiter from "@effect/experimental/RateLimiter"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { identity } from "effect/Function"
import type { RateLimit } from "../../RecotapConfig.js"
import type { Budget, CoordinationService } from "../coordination.js"
import { makePause, MAX_PAUSE_MILLIS, type Pause, waitWhile } from "../pause.js"
import { type Limiter, makeLimiter, withMaxConcurrent } from "../rateLimiter.js"
import { makeWorkspaceOf } from "./workspace.js"

/** Where the pauses of workspaces are kept; each failure is the store's. */
export interface PauseStore<E> {
  /** Milliseconds left of the workspace's pause (0 or less: none). */
  readonly remaining: (workspace: string) => Effect.Effect<number, E>
  /** Pauses the workspace for `millis` (an integer) from now, unless it is paused for longer already. */
  readonly extend: (workspace: string, millis: number) => Effect.Effect<void, E>
}

/** Says that a shared store failed and what the client does instead: never the key, nor its workspace. */
const fallBack = (what: string) => <A, E, R>(error: unknown, own: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.zipRight(
    Effect.logWarning(`Recotap ${what}: the shared store failed; this client keeps its own`).pipe(
      Effect.annotateLogs({ error: error instanceof Error ? error.message : String(error) })
    ),
    own
  )

const paceFallBack = fallBack("rate budget")
const pauseFallBack = fallBack("pause")

/** The shared pace of one workspace: a fixed window of the client's `requests` per `interval`. */
const sharedLimiter = (
  limiter: ExperimentalRateLimiter.RateLimiter,
  workspace: string,
  limit: RateLimit,
  own: Limiter
): Limiter =>
(request) =>
  Effect.flatMap(
    Effect.either(limiter.consume({
      key: workspace,
      limit: limit.requests,
      window: limit.interval,
      algorithm: "fixed-window",
      onExceeded: "delay"
    })),
    Either.match({
      onLeft: (error) => paceFallBack(error, own(request)),
      onRight: ({ delay }) => (Duration.isZero(delay) ? request : Effect.delay(request, delay))
    })
  )

/** The shared pause of one workspace, over the client's own (which a failing store leaves in charge). */
const sharedPause = <E>(pauses: PauseStore<E>, workspace: string, own: Pause): Pause => {
  const remaining = Effect.catchAll(pauses.remaining(workspace), (error) => pauseFallBack(error, Effect.succeed(0)))
  return {
    wait: (maxWait, method, url) =>
      Effect.flatMap(own.wait(maxWait, method, url), (slept) => waitWhile(remaining, maxWait, method, url, slept)),
    extend: (delay) =>
      Effect.zipRight(
        own.extend(delay),
        Effect.catchAll(
          pauses.extend(workspace, Math.ceil(Math.min(Duration.toMillis(delay), MAX_PAUSE_MILLIS))),
          (error) => pauseFallBack(error, Effect.void)
        )
      )
  }
}

/** The `Coordination` of clients sharing `limiter` and `pauses`. */
export const makeShared = <E>(
  limiter: ExperimentalRateLimiter.RateLimiter,
  pauses: PauseStore<E>
): CoordinationService => ({
  client: (rateLimit) =>
    Effect.map(makeLimiter(rateLimit), (ownLimit) => {
      const own = makePause()
      const workspaceOf = makeWorkspaceOf()
      const budgets = new Map<string, Budget>()
      const budgetOf = (workspace: string): Budget => ({
        limit: rateLimit === undefined
          ? identity
          : withMaxConcurrent(rateLimit, sharedLimiter(limiter, workspace, rateLimit, ownLimit ?? identity)),
        pause: sharedPause(pauses, workspace, own)
      })
      return {
        forKey: (key) => {
          const workspace = workspaceOf(key)
          const known = budgets.get(workspace)
          if (known !== undefined) return known
          const budget = budgetOf(workspace)
          budgets.set(workspace, budget)
          return budget
        }
      }
    })
})
