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
import * as keys from "./internal/metricKeys.js"

/**
 * Requests sent, each attempt counted (a retried call counts each request). Tagged `operation`
 * and `status`: the HTTP status of the answer, or `none` when none came (a timeout, a network
 * failure).
 *
 * @since 0.1.0
 * @category metrics
 */
export const requests: Metric.Metric.Counter<number> = Metric.fromMetricKey(keys.requests)

/**
 * The time of each request, from sending it to its answer read (or its failure), in
 * milliseconds. Waits before it (the pace, a 429 pause) are not counted. Tagged `operation`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const requestDuration: Metric.Metric.Histogram<number> = Metric.fromMetricKey(keys.requestDuration)

/**
 * Requests sent again after a failure worth another attempt. Tagged `operation` and `reason`
 * (the `TransportError` reason: `StatusCode`, `Timeout`, `Transport`, ...).
 *
 * @since 0.1.0
 * @category metrics
 */
export const retries: Metric.Metric.Counter<number> = Metric.fromMetricKey(keys.retries)

/**
 * Milliseconds requests waited because a 429 said `Retry-After` (their own retry, or the
 * client-wide pause another request's answer set), summed over requests. Tagged `operation`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const pauseWaited: Metric.Metric.Counter<number> = Metric.fromMetricKey(keys.pauseWaited)

/**
 * Items of bulk writes by outcome. Tagged `operation` (`accounts.push`, `deals.push`, ...) and
 * `outcome`, the outcome's tag.
 *
 * @since 0.1.0
 * @category metrics
 */
export const bulkOutcomes: Metric.Metric.Counter<number> = Metric.fromMetricKey(keys.bulkOutcomes)

/**
 * `AccountSyncJob` runs. Tagged `result`: `completed`, `failed` or `interrupted`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const syncRuns: Metric.Metric.Counter<number> = Metric.fromMetricKey(keys.syncRuns)

/**
 * Accounts `AccountSyncJob` runs handed over. Tagged `kind`: `changed` (to your handler) or
 * `malformed` (to `onMalformed`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const syncRecords: Metric.Metric.Counter<number> = Metric.fromMetricKey(keys.syncRecords)

/**
 * Dead letters an `AccountSyncJob` keeps after its last run. Tagged `checkpoint_key`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const syncDeadLetters: Metric.Metric.Gauge<number> = Metric.fromMetricKey(keys.syncDeadLetters)
