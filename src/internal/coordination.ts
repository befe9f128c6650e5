/**
 * The one seam between a client and the place its pace and pause are kept. By default each
 * client keeps its own, in memory (`local`); a `Coordination` service in the context (see
 * `Fleet.ts`) shares them with every client on the same workspace: in one process, or through
 * Redis across processes.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { RateLimit } from "../RecotapConfig.js"
import { makePause, type Pause } from "./pause.js"
import { type Limiter, makeLimiter } from "./rateLimiter.js"

/** The pace and pause one request goes through. */
export interface Budget {
  /** Runs one attempt when the pace allows it. */
  readonly limit: Limiter
  readonly pause: Pause
}

/**
 * The budget of one client. `forKey` receives the key a request is sent with, so that a shared
 * store can find the workspace's budget; it must never keep, log or send the key itself.
 */
export interface ClientBudget {
  readonly forKey: (key: string) => Budget
}

/** Where clients keep their pace and pause. */
export interface CoordinationService {
  /** The budget of one client with this rate limit, for the lifetime of the scope. */
  readonly client: (rateLimit: RateLimit | undefined) => Effect.Effect<ClientBudget, never, Scope.Scope>
}

/**
 * Shares the pace and the pause of clients on one workspace. Absent, each client keeps its own.
 *
 * @since 0.1.0
 * @category services
 */
export class Coordination extends Context.Tag("effect-recotap/Coordination")<Coordination, CoordinationService>() {}

/** One client's own budget: its pace (none without a rate limit) and its pause, whatever the key. */
export const local = (rateLimit: RateLimit | undefined): Effect.Effect<ClientBudget, never, Scope.Scope> =>
  Effect.map(makeLimiter(rateLimit), (limiter) => {
    const budget: Budget = { limit: limiter ?? identity, pause: makePause() }
    return { forKey: () => budget }
  })

/** The budget of one client: from the `Coordination` in the context, or its own. */
export const clientBudget = (rateLimit: RateLimit | undefined): Effect.Effect<ClientBudget, never, Scope.Scope> =>
  Effect.flatMap(
    Effect.serviceOption(Coordination),
    Option.match({ onNone: () => local(rateLimit), onSome: (coordination) => coordination.client(rateLimit) })
  )
