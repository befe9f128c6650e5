/**
 * `AccountSyncJob.schedule`: runs one after the other on a `Schedule`, and which failures end the
 * job (the same for `Fleet.scheduleSync`, one run per tick across a fleet).
 */
import type * as PlatformError from "@effect/platform/Error"
import type * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import type { AccountSyncJobOptions, AccountSyncRun, AccountSyncScheduleOptions } from "../AccountSyncJob.js"
import type { RecotapCrm } from "../RecotapCrm.js"
import type { CheckpointCorrupt, InvalidApiKey, MissingApiKey, ReadError, TransportError } from "../RecotapError.js"
import { runOnce } from "./syncJob.js"

/** A handler's error inside {@link schedule}: told apart from Recotap's and the store's, whatever it is. */
class HandlerFailure<E> {
  constructor(readonly error: E) {}
}

const handledBy = <A, E, R>(handler: (input: A) => Effect.Effect<void, E, R>) => (input: A) =>
  Effect.mapError(handler(input), (error) => new HandlerFailure(error))

/** The run options with each handler's error wrapped in a {@link HandlerFailure}. */
const wrapHandlers = <E, R>(options: AccountSyncJobOptions<E, R>): AccountSyncJobOptions<HandlerFailure<E>, R> => {
  const common = {
    checkpointKey: options.checkpointKey,
    limit: options.limit,
    overlap: options.overlap,
    maxDeadLetters: options.maxDeadLetters,
    onMalformed: options.onMalformed === undefined ? undefined : handledBy(options.onMalformed)
  }
  return options.onPage !== undefined
    ? { ...common, onPage: handledBy(options.onPage) }
    : { ...common, onAccount: handledBy(options.onAccount) }
}

const retryLater = (what: string, cause: Cause.Cause<unknown>, warning: boolean) =>
  (warning ? Effect.logWarning : Effect.logError)(
    `Recotap accounts sync: the run failed (${what}); the checkpoint is kept, the next tick tries again`,
    cause
  )

/** The errors that end a scheduled job: waiting would not fix them. */
export type Fatal = MissingApiKey | InvalidApiKey | CheckpointCorrupt | TransportError

/** What a tick does with a failed run: end the job with the error, or log it and wait for the next tick. */
const afterFailure = <E>(stopOn: (error: E) => boolean) =>
(
  error: HandlerFailure<E> | ReadError | CheckpointCorrupt | PlatformError.PlatformError
): Effect.Effect<Option.Option<never>, Fatal | E> => {
  if (error instanceof HandlerFailure) {
    return stopOn(error.error)
      ? Effect.fail(error.error)
      : Effect.as(retryLater("a handler failed", Cause.fail(error.error), false), Option.none())
  }
  switch (error._tag) {
    case "MissingApiKey":
    case "InvalidApiKey":
    case "CheckpointCorrupt":
      return Effect.fail(error)
    case "TransportError":
      // Invalid options (a `limit` or an `overlap` refused before sending) and a base URL that
      // does not serve the API fail every run alike: waiting would not fix them.
      return error.reason === "InvalidRequest" || error.reason === "RouteNotFound"
        ? Effect.fail(error)
        : Effect.as(retryLater(`Recotap: ${error.reason}`, Cause.fail(error), true), Option.none())
    default:
      return Effect.as(retryLater("the checkpoint store failed", Cause.fail(error), false), Option.none())
  }
}

/**
 * One tick of a scheduled job: a run, `Some` of it when it completed; `None` after a failure
 * that was logged to be tried again; the job's end for a failure that waiting cannot fix.
 */
export const scheduledRun = <E, R>(
  options: AccountSyncScheduleOptions<E, R>
): Effect.Effect<Option.Option<AccountSyncRun>, Fatal | E, RecotapCrm | KeyValueStore.KeyValueStore | R> =>
  runOnce(wrapHandlers(options)).pipe(
    Effect.map(Option.some),
    Effect.catchAll(afterFailure(options.stopOn ?? (() => false)))
  )

/** Runs `runOnce` on `policy`, one run at a time (see `AccountSyncJob.schedule`). */
export const schedule = <Out, E, R, R2>(
  options: AccountSyncScheduleOptions<E, R>,
  policy: Schedule.Schedule<Out, Option.Option<AccountSyncRun>, R2>
): Effect.Effect<Out, Fatal | E, RecotapCrm | KeyValueStore.KeyValueStore | R | R2> =>
  Effect.repeat(scheduledRun(options), policy)
