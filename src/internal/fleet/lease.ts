/**
 * One runner at a time: a lease per name, held by a random token for a short time and renewed
 * while the run lasts. A run whose lease is lost (not renewed in time: a stalled process, Redis
 * unreachable) is interrupted; the store it writes to is fenced by the token, so that a write
 * after the lease passed to another runner fails instead of landing.
 */
import * as PlatformError from "@effect/platform/Error"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { randomUUID } from "node:crypto"

/** Where leases are kept; a failing store counts as a lease not held. */
export interface LeaseService {
  /** Takes the lease `name` for `token`, for `ttlMillis`, if no one holds it. */
  readonly acquire: (name: string, token: string, ttlMillis: number) => Effect.Effect<boolean>
  /** Extends the lease for `ttlMillis` if `token` still holds it. */
  readonly renew: (name: string, token: string, ttlMillis: number) => Effect.Effect<boolean>
  /** Lets the lease go if `token` holds it. */
  readonly release: (name: string, token: string) => Effect.Effect<void>
  /** The fleet's `KeyValueStore`, whose writes land only while `token` holds the lease `name`. */
  readonly fenced: (name: string, token: string) => KeyValueStore.KeyValueStore
}

/**
 * Leases for runs that must not overlap across workers; provided by the fleet layers.
 *
 * @since 0.1.0
 * @category services
 */
export class Lease extends Context.Tag("effect-recotap/Lease")<Lease, LeaseService>() {}

/**
 * The run lost its lease before it ended (another worker may hold it now): it was interrupted,
 * and what it had not written yet was not written.
 *
 * @since 0.1.0
 * @category errors
 */
export class LeaseLost extends Data.TaggedError("LeaseLost")<{ readonly name: string }> {
  override get message() {
    return `the lease "${this.name}" was lost before the run ended`
  }
}

/** A write refused because the writer no longer holds its lease. */
export const fencedOut = (method: string, name: string) =>
  new PlatformError.SystemError({
    reason: "PermissionDenied",
    module: "KeyValueStore",
    method,
    description: `not written: the lease "${name}" is held by another runner`
  })

/**
 * Runs `effect` if this worker can take the lease `name`, renewing it every third of `ttl`;
 * `None` when another worker holds it. While it runs, its `KeyValueStore` is fenced by the lease.
 */
export const exclusive =
  (name: string, ttl: Duration.DurationInput) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<Option.Option<A>, E | LeaseLost, R | Lease> =>
    Effect.flatMap(Lease, (lease) => {
      const token = randomUUID()
      const ttlMillis = Math.max(1, Math.ceil(Duration.toMillis(ttl)))
      return Effect.flatMap(lease.acquire(name, token, ttlMillis), (held) => {
        if (!held) return Effect.succeed(Option.none())
        return Effect.gen(function*() {
          const lost = yield* Deferred.make<void>()
          // Renewed well before it would pass; the first renewal that fails ends the run.
          const renewing = Effect.sleep(Duration.millis(Math.max(1, Math.floor(ttlMillis / 3)))).pipe(
            Effect.zipRight(lease.renew(name, token, ttlMillis)),
            Effect.repeat({ while: (renewed) => renewed }),
            Effect.zipRight(Deferred.succeed(lost, undefined))
          )
          yield* Effect.forkScoped(renewing)
          const run = Effect.provideService(effect, KeyValueStore.KeyValueStore, lease.fenced(name, token))
          return yield* Effect.raceFirst(
            Effect.map(run, Option.some),
            Effect.zipRight(Deferred.await(lost), Effect.fail(new LeaseLost({ name })))
          )
        }).pipe(Effect.scoped, Effect.ensuring(lease.release(name, token)))
      })
    })
