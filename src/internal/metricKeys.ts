/**
 * The keys of the client's metrics (`RecotapMetrics`): name, kind and description, stated once.
 * The public metrics are built from them, and so are the tagged ones `measure.ts` updates.
 */
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricKey from "effect/MetricKey"

/** A counter of a running total (exported as a sum that only grows). */
const counter = (name: string, description: string) => MetricKey.counter(name, { description, incremental: true })

export const requests = counter(
  "recotap.requests",
  "Requests sent to Recotap, by operation and HTTP status (none: no answer)"
)

export const requestDuration = MetricKey.histogram(
  "recotap.request.duration",
  MetricBoundaries.fromIterable([5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000]),
  "Time of one request to Recotap, in milliseconds, by operation"
)

export const retries = counter("recotap.retries", "Requests to Recotap sent again, by operation and reason")

export const pauseWaited = counter(
  "recotap.pause.waited",
  "Milliseconds requests to Recotap waited for a Retry-After, by operation"
)

export const bulkOutcomes = counter("recotap.bulk.outcomes", "Items of Recotap bulk writes, by operation and outcome")

export const syncRuns = counter("recotap.sync.runs", "AccountSyncJob runs, by result")

export const syncRecords = counter("recotap.sync.records", "Accounts handed over by AccountSyncJob runs, by kind")

export const syncDeadLetters = MetricKey.gauge("recotap.sync.dead_letters", {
  description: "Dead letters kept by an AccountSyncJob after its last run, by checkpoint key"
})
