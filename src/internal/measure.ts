/** Where the client updates its metrics (`RecotapMetrics`): each a step over what it measures. */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import type { BulkSummary } from "../Bulk.js"
import * as RecotapMetrics from "../RecotapMetrics.js"

/** Whether an answer came, and its status, once a request has been sent. */
export interface AnswerStatus {
  status: number | undefined
}

/**
 * One request counted (by its answer's status, or `none`) and timed. `send` gets a slot to
 * put the status in when the answer arrives: a request that fails after it (a body too
 * large, a bad shape) still counts as answered.
 */
export const measuredRequest = <A, E>(
  operation: string,
  send: (answer: AnswerStatus) => Effect.Effect<A, E>
): Effect.Effect<A, E> =>
  Effect.clockWith((clock) => {
    const startedAt = clock.unsafeCurrentTimeNanos()
    const answer: AnswerStatus = { status: undefined }
    // Counted and timed however it ends (`Metric.trackDuration` would time successes only).
    return Effect.onExit(send(answer), () =>
      Effect.zipRight(
        Metric.increment(
          Metric.tagged(
            Metric.tagged(RecotapMetrics.requests, "operation", operation),
            "status",
            answer.status === undefined ? "none" : String(answer.status)
          )
        ),
        Metric.update(
          Metric.tagged(RecotapMetrics.requestDuration, "operation", operation),
          Duration.nanos(clock.unsafeCurrentTimeNanos() - startedAt)
        )
      ))
  })

/** Time waited because a server said `Retry-After`. */
const countPaused = (operation: string, waited: Duration.Duration): Effect.Effect<void> => {
  const millis = Duration.toMillis(waited)
  return millis > 0
    ? Metric.incrementBy(Metric.tagged(RecotapMetrics.pauseWaited, "operation", operation), millis)
    : Effect.void
}

/** A request about to be sent again, after `pausedFor` when its answer said `Retry-After`. */
export const countRetry = (
  operation: string,
  reason: string,
  pausedFor: Duration.Duration | undefined
): Effect.Effect<void> =>
  Effect.zipRight(
    Metric.increment(Metric.tagged(Metric.tagged(RecotapMetrics.retries, "operation", operation), "reason", reason)),
    pausedFor === undefined ? Effect.void : countPaused(operation, pausedFor)
  )

/** `wait` (the client-wide pause another request's `Retry-After` set), the time it took counted. */
export const measuredPause = <E>(operation: string, wait: Effect.Effect<void, E>): Effect.Effect<void, E> =>
  Effect.flatMap(Effect.timed(wait), ([waited]) => countPaused(operation, waited))

const OUTCOMES = [
  ["Applied", "applied"],
  ["Rejected", "rejected"],
  ["Invalid", "invalid"],
  ["Unavailable", "unavailable"],
  ["Unknown", "unknown"]
] as const

/** The outcomes of one bulk write counted, by tag. */
export const countBulkOutcomes = (operation: string, summary: BulkSummary): Effect.Effect<void> =>
  Effect.forEach(
    OUTCOMES.filter(([, field]) => summary[field] > 0),
    ([outcome, field]) =>
      Metric.incrementBy(
        Metric.tagged(Metric.tagged(RecotapMetrics.bulkOutcomes, "operation", operation), "outcome", outcome),
        summary[field]
      ),
    { discard: true }
  )

/** What one sync run handed over, and the dead letters it kept. */
export const countSyncRecords = (
  checkpointKey: string,
  run: { readonly changed: number; readonly malformed: number; readonly deadLetters: number }
): Effect.Effect<void> =>
  Effect.all([
    Metric.incrementBy(Metric.tagged(RecotapMetrics.syncRecords, "kind", "changed"), run.changed),
    Metric.incrementBy(Metric.tagged(RecotapMetrics.syncRecords, "kind", "malformed"), run.malformed),
    Metric.set(Metric.tagged(RecotapMetrics.syncDeadLetters, "checkpoint_key", checkpointKey), run.deadLetters)
  ], { discard: true })

/** A sync run counted by how it ended. */
export const countSyncRun = <A, E>(exit: Exit.Exit<A, E>): Effect.Effect<void> => {
  const result = Exit.isSuccess(exit) ? "completed" : Cause.isInterruptedOnly(exit.cause) ? "interrupted" : "failed"
  return Metric.increment(Metric.tagged(RecotapMetrics.syncRuns, "result", result))
}
