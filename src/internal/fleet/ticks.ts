/**
 * One run per tick across a fleet. Ticks are aligned to the wall clock (tick `k` starts at
 * `k × interval` since the epoch), so every replica wakes at the same boundaries; the first to
 * claim a tick (one atomic step in the store: the stored tick must be older) runs it, under the
 * job's lease (`exclusive`), so that runs never overlap and a run's writes stay fenced.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { exclusive, type Lease, LeaseLost } from "./lease.js"

/** Where the last claimed tick of each job is kept; a failing store claims nothing. */
export interface TicksService {
  /**
   * Claims the tick that starts at `tickStart` (milliseconds since the epoch) for the job `name`,
   * in one step: `true` for the one caller that finds no claim of this tick or a later one.
   */
  readonly claim: (name: string, tickStart: number) => Effect.Effect<boolean>
}

/**
 * Which replica runs each tick of a job (see `Fleet.everyTick`); provided by the fleet layers.
 *
 * @since 0.1.0
 * @category services
 */
export class Ticks extends Context.Tag("effect-recotap/Ticks")<Ticks, TicksService>() {}

/** The start of the tick `now` falls in. */
export const tickOf = (now: number, interval: number): number => now - (now % interval)

/**
 * How often the claimant of a tick tries the lease again while the previous run holds it: often
 * enough to start soon after it is free, not so often that waiting costs the store much.
 */
const retryMillis = (ttl: number) => Math.min(1000, Math.max(20, Math.floor(ttl / 20)))

/** Whole milliseconds of a duration, refused unless at least one. */
const positiveMillis = (what: string, duration: Duration.DurationInput) =>
  Effect.suspend(() => {
    const millis = Math.floor(Duration.toMillis(duration))
    return Number.isFinite(millis) && millis >= 1
      ? Effect.succeed(millis)
      : Effect.dieMessage(`${what} must be at least 1 millisecond and finite`)
  })

/**
 * Runs `effect` at each tick of `interval` on exactly one of the replicas that run this with the
 * same `name`: the one that claims the tick, once it holds the lease `name` (for `ttl`, renewed).
 * A claimant that finds the lease held (the previous run still going, or held by a replica that
 * died) tries again until its tick is over; then the tick is not run, and says so. A run that
 * loses its lease is interrupted (`LeaseLost`, logged); a failure of `effect` ends this replica's
 * loop with that failure. An `interval` or `ttl` under 1 ms is a defect.
 */
export const everyTick =
  (name: string, interval: Duration.DurationInput, ttl: Duration.DurationInput) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<never, E, R | Lease | Ticks> =>
    Effect.gen(function*() {
      const ticks = yield* Ticks
      const intervalMillis = yield* positiveMillis("Fleet.everyTick: interval", interval)
      const ttlMillis = yield* positiveMillis("Fleet.everyTick: ttl", ttl)
      const underLease = exclusive(name, ttlMillis)

      const retry = retryMillis(ttlMillis)

      /** The claimed tick's run: under the lease, tried again while it is held, until the tick is over. */
      const runTick = (tickStart: number) => {
        const at = DateTime.formatIso(DateTime.unsafeMake(tickStart))
        const run = underLease(Effect.zipRight(Effect.logDebug(`Recotap fleet: the tick of ${at} runs here`), effect))
        return Effect.gen(function*() {
          while (true) {
            const ran = yield* Effect.either(run)
            if (Either.isLeft(ran)) {
              if (!(ran.left instanceof LeaseLost)) return yield* Effect.fail(ran.left)
              return yield* Effect.logWarning(
                `Recotap fleet: the run of the tick of ${at} lost its lease (another replica may hold it now); it was interrupted, and what it had not written was not written`
              )
            }
            if (Option.isSome(ran.right)) return
            if ((yield* Clock.currentTimeMillis) + retry >= tickStart + intervalMillis) {
              return yield* Effect.logWarning(
                `Recotap fleet: the tick of ${at} was not run: its lease was held all through it (by a run still going, or by a replica that stopped)`
              )
            }
            yield* Effect.sleep(Duration.millis(retry))
          }
        }).pipe(Effect.annotateLogs({ fleetJob: name, fleetTick: at }))
      }

      let last = Number.NEGATIVE_INFINITY
      while (true) {
        const tickStart = tickOf(yield* Clock.currentTimeMillis, intervalMillis)
        // A timer may fire a little early: the tick seen then is the one already handled.
        if (tickStart > last) {
          last = tickStart
          if (yield* ticks.claim(name, tickStart)) yield* runTick(tickStart)
        }
        const now = yield* Clock.currentTimeMillis
        yield* Effect.sleep(Duration.millis(Math.max(1, tickOf(now, intervalMillis) + intervalMillis - now)))
      }
    })
