/**
 * The client's metrics: Effect `Metric`s, updated as it works, for what an operator watches.
 * They need no setup: read them with `Metric.value` or `Metric.snapshot`, or export them with
 * `@effect/opentelemetry` (its `NodeSdk.layer` with a `metricReader` exports every Effect
 * metric of the program).
 *
 * | metric | kind | tags |
 * | --- | --- | --- |
 * | `recotap.requests` | counter: requests sent, retries included | `operation`, `status` (the HTTP status, or `none`: no answer) |
 * | `recotap.request.duration` | histogram of each request's time, in ms | `operation` |
 * | `recotap.retries` | counter: requests sent again | `operation`, `reason` (the failure's `TransportError` reason) |
 * | `recotap.pause.waited` | counter: ms requests waited for a 429's `Retry-After` | `operation` |
 * | `recotap.bulk.outcomes` | counter: items of bulk writes by outcome | `operation`, `outcome` (`Applied`, `Rejected`, `Invalid`, `Unavailable`, `Unknown`) |
 * | `recotap.sync.runs` | counter: `AccountSyncJob` runs | `result` (`completed`, `failed`, `interrupted`) |
 * | `recotap.sync.records` | counter: accounts a sync run handed over | `kind` (`changed`, `malformed`) |
 * | `recotap.sync.dead_letters` | gauge: dead letters kept after the last run | `checkpoint_key` |
 *
 * The operation is the method's name (`accounts.list`, `accounts.push.batch`): a handful of
 * values, as are the other tags; no tag holds a URL, a domain or the key.
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { RecotapMetrics } from "effect-recotap"
 *
 * // Requests of `accounts.list` answered 200 so far.
 * const answered = Metric.tagged(Metric.tagged(RecotapMetrics.requests, "operation", "accounts.list"), "status", "200")
 * const listed = Metric.value(answered).pipe(Effect.map((state) => state.count))
 * ```
 *
 * @since 0.1.0
 */
import * as Metric from "effect/Metric"

/** A counter of a running total (exported as a sum that only grows). */
const counter = (name: string, description: string) => Metric.counter(name, { description, incremental: true })

/**
 * Requests sent, each attempt counted (a retried call counts each request). Tagged `operation`
 * and `status`: the HTTP status of the answer, or `none` when none came (a timeout, a network
 * failure).
 *
 * @since 0.1.0
 * @category metrics
 */
export const requests = counter(
  "recotap.requests",
  "Requests sent to Recotap, by operation and HTTP status (none: no answer)"
)

/**
 * The time of each request, from sending it to its answer read (or its failure), in
 * milliseconds. Waits before it (the pace, a 429 pause) are not counted. Tagged `operation`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const requestDuration = Metric.timerWithBoundaries(
  "recotap.request.duration",
  [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000],
  "Time of one request to Recotap, in milliseconds, by operation"
)

/**
 * Requests sent again after a failure worth another attempt. Tagged `operation` and `reason`
 * (the `TransportError` reason: `StatusCode`, `Timeout`, `Transport`, ...).
 *
 * @since 0.1.0
 * @category metrics
 */
export const retries = counter("recotap.retries", "Requests to Recotap sent again, by operation and reason")

/**
 * Milliseconds requests waited because a 429 said `Retry-After` (the client-wide pause),
 * summed over requests. Tagged `operation`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const pauseWaited = counter(
  "recotap.pause.waited",
  "Milliseconds requests to Recotap waited for a Retry-After, by operation"
)

/**
 * Items of bulk writes by outcome. Tagged `operation` (`accounts.push`, `deals.push`, ...) and
 * `outcome`, the outcome's tag.
 *
 * @since 0.1.0
 * @category metrics
 */
export const bulkOutcomes = counter("recotap.bulk.outcomes", "Items of Recotap bulk writes, by operation and outcome")

/**
 * `AccountSyncJob` runs. Tagged `result`: `completed`, `failed` or `interrupted`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const syncRuns = counter("recotap.sync.runs", "AccountSyncJob runs, by result")

/**
 * Accounts `AccountSyncJob` runs handed over. Tagged `kind`: `changed` (to your handler) or
 * `malformed` (to `onMalformed`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const syncRecords = counter("recotap.sync.records", "Accounts handed over by AccountSyncJob runs, by kind")

/**
 * Dead letters an `AccountSyncJob` keeps after its last run. Tagged `checkpoint_key`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const syncDeadLetters = Metric.gauge("recotap.sync.dead_letters", {
  description: "Dead letters kept by an AccountSyncJob after its last run, by checkpoint key"
})
