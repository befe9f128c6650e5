/** Where the client updates its metrics (`RecotapMetrics`): each a step over what it measures. */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as MetricKey from "effect/MetricKey"
import type * as MetricKeyType from "effect/MetricKeyType"
import * as MetricLabel from "effect/MetricLabel"
import type { BulkSummary } from "../Bulk.js"
import * as keys from "./metricKeys.js"

/**
 * The metric of `key` for each combination of values of the tags `names`, built once: a metric
 * tagged with `Metric.tagged` looks its state up afresh (hashing its key) on every update,
 * which costs more than the rest of the bookkeeping of a request.
 */
const taggedBy = <Type extends MetricKeyType.MetricKeyType<any, any>>(
  key: MetricKey.MetricKey<Type>,
  ...names: ReadonlyArray<string>
) => {
  const built = new Map<string, Metric.Metric<Type, MetricKeyType.MetricKeyType.InType<Type>, unknown>>()
  return (...values: ReadonlyArray<string>) => {
    const id = values.join("\u0000")
    let metric = built.get(id)
    // Stryker disable next-line ConditionalExpression: equivalent, building the metric afresh each time counts the same
    if (metric === undefined) {
      // Stryker disable next-line StringLiteral: equivalent, never reached (every caller gives a value per name)
      const labels = names.map((name, i) => MetricLabel.make(name, values[i] ?? ""))
      metric = Metric.fromMetricKey(MetricKey.taggedWithLabels(key, labels))
      built.set(id, metric)
    }
    return metric
  }
}

const requests = taggedBy(keys.requests, "operation", "status")
const requestDuration = taggedBy(keys.requestDuration, "operation")
const retries = taggedBy(keys.retries, "operation", "reason")
const pauseWaited = taggedBy(keys.pauseWaited, "operation")
const bulkOutcomes = taggedBy(keys.bulkOutcomes, "operation", "outcome")
const syncRuns = taggedBy(keys.syncRuns, "result")
const syncRecords = taggedBy(keys.syncRecords, "kind")
const syncDeadLetters = taggedBy(keys.syncDeadLetters, "checkpoint_key")

/** Whether an answer came, and its status, once a request has been sent. */
export interface AnswerStatus {
  status: number | undefined
}

/**
 * One request counted (by its answer's status, or `none`) and timed, however it ends. `send`
 * gets a slot to put the status in when the answer arrives: a request that fails after it (a
 * body too large, a bad shape) still counts as answered.
 */
export const measuredRequest = <A, E>(
  operation: string,
  send: (answer: AnswerStatus) => Effect.Effect<A, E>
): Effect.Effect<A, E> =>
  Effect.clockWith((clock) => {
    const startedAt = clock.unsafeCurrentTimeNanos()
    // Stryker disable next-line ObjectLiteral: equivalent, an absent status reads as `undefined` too
    const answer: AnswerStatus = { status: undefined }
    return Effect.onExit(send(answer), () =>
      Effect.zipRight(
        Metric.update(requests(operation, answer.status === undefined ? "none" : String(answer.status)), 1),
        Metric.update(
          requestDuration(operation),
          Duration.toMillis(Duration.nanos(clock.unsafeCurrentTimeNanos() - startedAt))
        )
      ))
  })

/** Milliseconds waited because a server said `Retry-After`. */
const countPaused = (operation: string, millis: number): Effect.Effect<void> =>
  millis > 0 ? Metric.update(pauseWaited(operation), millis) : Effect.void

/** A request about to be sent again, after `pausedFor` when its answer said `Retry-After`. */
export const countRetry = (
  operation: string,
  reason: string,
  pausedFor: Duration.Duration | undefined
): Effect.Effect<void> =>
  Effect.zipRight(
    Metric.update(retries(operation, reason), 1),
    pausedFor === undefined ? Effect.void : countPaused(operation, Duration.toMillis(pausedFor))
  )

/** `wait` (the client-wide pause another request's `Retry-After` set), the milliseconds it slept counted. */
export const measuredPause = <E>(operation: string, wait: Effect.Effect<number, E>): Effect.Effect<void, E> =>
  Effect.flatMap(wait, (slept) => countPaused(operation, slept))

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
    ([outcome, field]) => Metric.update(bulkOutcomes(operation, outcome), summary[field]),
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, the results are dropped either way
    { discard: true }
  )

/** What one sync run handed over, and the dead letters it kept. */
export const countSyncRecords = (
  checkpointKey: string,
  run: { readonly changed: number; readonly malformed: number; readonly deadLetters: number }
): Effect.Effect<void> =>
  Effect.all(
    [
      Metric.update(syncRecords("changed"), run.changed),
      Metric.update(syncRecords("malformed"), run.malformed),
      Metric.update(syncDeadLetters(checkpointKey), run.deadLetters)
    ],
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, the results are dropped either way
    { discard: true }
  )

/** A sync run counted by how it ended. */
export const countSyncRun = <A, E>(exit: Exit.Exit<A, E>): Effect.Effect<void> => {
  const result = Exit.isSuccess(exit) ? "completed" : Cause.isInterruptedOnly(exit.cause) ? "interrupted" : "failed"
  return Metric.update(syncRuns(result), 1)
}
