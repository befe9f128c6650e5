/**
 * When Recotap asks to slow down: reading `Retry-After`, and the pause it imposes on the whole
 * client, so that one call's 429 slows every call of the client, not only itself.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { TransportError } from "../RecotapError.js"

/** Longest pause one answer can impose on the client: a broken `Retry-After` must not disable it for good. */
export const MAX_PAUSE_MILLIS = 60 * 60 * 1000

/**
 * Reads a `Retry-After` header: delay-seconds or an HTTP date, as milliseconds from `now`.
 * `None` when absent or unreadable.
 */
export const parseRetryAfter = (header: string | undefined, now: number): Option.Option<number> => {
  if (header === undefined) return Option.none()
  const text = header.trim()
  if (/^\d+$/.test(text)) return Option.some(Number(text) * 1000)
  // An HTTP date starts with the day's name ("Sun, 06 Nov 1994 08:49:37 GMT"): anything else
  // that Date.parse happens to read ("1.5", "-1") is not one.
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN
  return Number.isNaN(at) ? Option.none() : Option.some(Math.max(0, at - now))
}

/** The client-wide pause of one client. */
export interface Pause {
  /**
   * Waits until the pause is over, answering the milliseconds it slept (0 with no pause). A pause
   * longer than `maxWait` is not waited out: the request fails at once, unsent, as a 429 carrying
   * the remaining `Retry-After`, so that it is handled like the original one.
   */
  readonly wait: (
    maxWait: Duration.Duration,
    method: string,
    url: () => string
  ) => Effect.Effect<number, TransportError>
  /** Holds every request of the client back for `delay` from now (at most {@link MAX_PAUSE_MILLIS}). */
  readonly extend: (delay: Duration.Duration) => Effect.Effect<void>
}

/** A request not sent because the pause lasts longer than the caller waits: handled like the original 429. */
export const pausedTooLong = (method: string, url: string, until: number, remaining: number): TransportError =>
  TransportError.status(
    method,
    url,
    429,
    `not sent: Recotap asked this client to pause until ${new Date(until).toISOString()}`,
    { retryAfterMillis: remaining, notProcessed: true }
  )

/**
 * Waits while `remaining` (milliseconds left of a pause kept elsewhere, 0 or less when none) says
 * so, reading it again after each wait; a pause longer than `maxWait` fails at once, unsent.
 */
export const waitWhile = <E, R>(
  remaining: Effect.Effect<number, E, R>,
  maxWait: Duration.Duration,
  method: string,
  url: () => string,
  slept = 0
): Effect.Effect<number, E | TransportError, R> =>
  Effect.flatMap(remaining, (left) => {
    if (left <= 0) return Effect.succeed(slept)
    if (left > Duration.toMillis(maxWait)) {
      return Effect.flatMap(
        Clock.currentTimeMillis,
        (now) => Effect.fail(pausedTooLong(method, url(), now + left, left))
      )
    }
    return Effect.zipRight(
      Effect.sleep(Duration.millis(left)),
      waitWhile(remaining, maxWait, method, url, slept + left)
    )
  })

/** A new pause, over until Recotap asks for one. */
export const makePause = (): Pause => {
  // One client's state, touched only between effects: a plain variable is enough.
  let pausedUntil = 0
  const wait = (
    maxWait: Duration.Duration,
    method: string,
    url: () => string,
    slept = 0
  ): Effect.Effect<number, TransportError> =>
    // Checked when run, and again after each wait: a 429 may have arrived (or extended the pause) meanwhile.
    Effect.suspend(() =>
      // Stryker disable next-line ConditionalExpression: equivalent, a shortcut (a pause that never began is over)
      pausedUntil === 0 ? Effect.succeed(slept) : Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const until = pausedUntil
        if (until <= now) return Effect.succeed(slept)
        if (until - now > Duration.toMillis(maxWait)) {
          return Effect.fail(pausedTooLong(method, url(), until, until - now))
        }
        return Effect.zipRight(
          Effect.sleep(Duration.millis(until - now)),
          wait(maxWait, method, url, slept + until - now)
        )
      })
    )
  return {
    wait,
    extend: (delay) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        pausedUntil = Math.max(pausedUntil, now + Math.min(Duration.toMillis(delay), MAX_PAUSE_MILLIS))
      })
  }
}
