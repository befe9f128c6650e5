/**
 * The metric steps of `measure.ts`, each given exact inputs: the values an exporter reads, and
 * the series it sees (none for what did not happen). Each check uses operation names of its own,
 * so that nothing else run in this process touches its series.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Metric from "effect/Metric"
import * as TestClock from "effect/TestClock"
import { RecotapMetrics } from "../../src/index.js"
import {
  countBulkOutcomes,
  countRetry,
  countSyncRecords,
  countSyncRun,
  measuredPause,
  measuredRequest
} from "../../src/internal/measure.js"
import { counterValue, grown } from "../helpers.js"

/** The series of metric `name` whose tags include `tag` = `value`. */
const seriesWith = (name: string, tag: string, value: string) =>
  Effect.map(
    Metric.snapshot,
    (pairs) =>
      pairs.filter((pair) =>
        pair.metricKey.name === name && pair.metricKey.tags.some((t) => t.key === tag && t.value === value)
      ).length
  )

describe("measuredRequest", () => {
  it.effect("a request is timed from its start to its end, by the clock, whatever it answered", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust(Duration.seconds(1_000))
      const sent = measuredRequest(
        "measure.timed",
        (answer) => Effect.zipRight(Effect.sleep(Duration.millis(300)), Effect.sync(() => (answer.status = 503)))
      )
      const fiber = yield* Effect.fork(sent)
      yield* TestClock.adjust(Duration.millis(300))
      yield* fiber.await
      const timing = yield* Metric.value(Metric.tagged(RecotapMetrics.requestDuration, "operation", "measure.timed"))
      expect(timing.count).toBe(1)
      expect(timing.sum).toBe(300)
      expect(yield* counterValue(RecotapMetrics.requests, { operation: "measure.timed", status: "503" })).toBe(1)
    }))
})

describe("countRetry and measuredPause", () => {
  it.effect("a retry after a Retry-After counts the retry and the milliseconds paused", () =>
    Effect.gen(function*() {
      yield* countRetry("measure.retry", "StatusCode", Duration.millis(1_500))
      yield* countRetry("measure.retry", "Timeout", undefined)
      expect(yield* counterValue(RecotapMetrics.retries, { operation: "measure.retry", reason: "StatusCode" })).toBe(1)
      expect(yield* counterValue(RecotapMetrics.retries, { operation: "measure.retry", reason: "Timeout" })).toBe(1)
      expect(yield* counterValue(RecotapMetrics.pauseWaited, { operation: "measure.retry" })).toBe(1_500)
    }))

  it.effect("the milliseconds a request waited for the client-wide pause are counted", () =>
    Effect.gen(function*() {
      yield* measuredPause("measure.pause", Effect.succeed(1_250))
      yield* measuredPause("measure.pause", Effect.succeed(250))
      expect(yield* counterValue(RecotapMetrics.pauseWaited, { operation: "measure.pause" })).toBe(1_500)
    }))

  it.effect("no wait, no series: an operation that never paused shows no recotap.pause.waited", () =>
    Effect.gen(function*() {
      yield* measuredPause("measure.never-paused", Effect.succeed(0))
      yield* countRetry("measure.never-paused", "StatusCode", Duration.zero)
      expect(yield* seriesWith("recotap.pause.waited", "operation", "measure.never-paused")).toBe(0)
    }))

  it.effect("tags that join to the same text are still two series", () =>
    Effect.gen(function*() {
      yield* countRetry("measure.join-a", "bc", undefined)
      yield* countRetry("measure.join-ab", "c", undefined)
      expect(yield* counterValue(RecotapMetrics.retries, { operation: "measure.join-a", reason: "bc" })).toBe(1)
      expect(yield* counterValue(RecotapMetrics.retries, { operation: "measure.join-ab", reason: "c" })).toBe(1)
    }))
})

describe("countBulkOutcomes", () => {
  const outcome = (operation: string, tag: string) =>
    counterValue(RecotapMetrics.bulkOutcomes, { operation, outcome: tag })

  it.effect("each outcome counted under its tag", () =>
    Effect.gen(function*() {
      yield* countBulkOutcomes("measure.bulk", {
        total: 15,
        applied: 1,
        rejected: 2,
        invalid: 3,
        unavailable: 4,
        unknown: 5
      })
      const tags = ["Applied", "Rejected", "Invalid", "Unavailable", "Unknown"]
      expect(yield* Effect.forEach(tags, (tag) => outcome("measure.bulk", tag))).toEqual([1, 2, 3, 4, 5])
    }))

  it.effect("an outcome no item had shows no series", () =>
    Effect.gen(function*() {
      yield* countBulkOutcomes("measure.bulk-applied", {
        total: 3,
        applied: 3,
        rejected: 0,
        invalid: 0,
        unavailable: 0,
        unknown: 0
      })
      expect(yield* outcome("measure.bulk-applied", "Applied")).toBe(3)
      expect(yield* seriesWith("recotap.bulk.outcomes", "operation", "measure.bulk-applied")).toBe(1)
    }))
})

describe("countSyncRecords and countSyncRun", () => {
  it.effect("records handed over by kind, and the dead letters of the checkpoint key as a gauge", () =>
    Effect.gen(function*() {
      const { growth } = yield* grown({
        changed: counterValue(RecotapMetrics.syncRecords, { kind: "changed" }),
        malformed: counterValue(RecotapMetrics.syncRecords, { kind: "malformed" })
      }, countSyncRecords("measure-checkpoint", { changed: 7, malformed: 2, deadLetters: 5 }))
      expect(growth).toEqual({ changed: 7, malformed: 2 })
      const letters = yield* Metric.value(
        Metric.tagged(RecotapMetrics.syncDeadLetters, "checkpoint_key", "measure-checkpoint")
      )
      expect(letters.value).toBe(5)
    }))

  it.effect("a run counted as completed, failed or interrupted", () =>
    Effect.gen(function*() {
      const interrupted = Exit.interrupt(FiberId.none)
      const exits = [Exit.void, Exit.fail("no"), Exit.fail("no"), interrupted, interrupted, interrupted]
      const { growth } = yield* grown({
        completed: counterValue(RecotapMetrics.syncRuns, { result: "completed" }),
        failed: counterValue(RecotapMetrics.syncRuns, { result: "failed" }),
        interrupted: counterValue(RecotapMetrics.syncRuns, { result: "interrupted" })
      }, Effect.forEach(exits, countSyncRun, { discard: true }))
      expect(growth).toEqual({ completed: 1, failed: 2, interrupted: 3 })
    }))
})
