/**
 * The metrics (`RecotapMetrics`), read as an operator's exporter reads them: requests by
 * operation and status (`none` without an answer), their durations, retries, time paused by a
 * 429, bulk outcomes by tag, sync runs by result, records handed over, dead letters kept. Each
 * check reads a metric before and after, so that it holds whatever else ran first.
 */
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as AccountSyncJob from "../src/AccountSyncJob.js"
import { RecotapCrm, RecotapMetrics } from "../src/index.js"
import { Fault, RecotapSimulator } from "../src/simulator/index.js"
import { counterValue, grown, SECRET } from "./helpers.js"

const timings = (operation: string) =>
  Effect.map(Metric.value(Metric.tagged(RecotapMetrics.requestDuration, "operation", operation)), (s) => ({
    count: s.count,
    sum: s.sum
  }))

const onSim = (config = {}) =>
  Layer.merge(
    RecotapSimulator.layerCrm({ keys: [SECRET], config: { timeout: "5 seconds", ...config } }),
    KeyValueStore.layerMemory
  )

const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
const segments = Effect.flatMap(RecotapCrm, (crm) => crm.segments.list())

describe("request metrics", () => {
  it.effect("a 429 then a 200: each request counted by status, the retry by reason, the pause waited, both timed", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.script("GET /accounts", Fault.rateLimited(2))
      const before = yield* timings("accounts.list")
      const { exit, growth } = yield* grown({
        answered429: counterValue(RecotapMetrics.requests, { operation: "accounts.list", status: "429" }),
        answered200: counterValue(RecotapMetrics.requests, { operation: "accounts.list", status: "200" }),
        retried: counterValue(RecotapMetrics.retries, { operation: "accounts.list", reason: "StatusCode" }),
        waited: counterValue(RecotapMetrics.pauseWaited, { operation: "accounts.list" })
      }, list)
      expect(exit._tag).toBe("Success")
      expect(growth).toEqual({ answered429: 1, answered200: 1, retried: 1, waited: growth.waited })
      // The retry waited out `Retry-After: 2` (the clock moves in steps of 250 ms).
      expect(growth.waited).toBeGreaterThanOrEqual(1_750)
      expect(growth.waited).toBeLessThanOrEqual(2_250)
      const after = yield* timings("accounts.list")
      expect(after.count - before.count).toBe(2)
      // Each request's own time, not the pause between them: within the run's 2.25 s of clock.
      expect(after.sum - before.sum).toBeGreaterThanOrEqual(0)
      expect(after.sum - before.sum).toBeLessThanOrEqual(2_250)
    }).pipe(Effect.provide(onSim())))

  it.effect("a retry after a 503 without Retry-After is counted; its backoff is no pause waited", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.script("GET /journey-stages", Fault.status(503))
      const { exit, growth } = yield* grown({
        retried: counterValue(RecotapMetrics.retries, { operation: "journeyStages.list", reason: "StatusCode" }),
        waited: counterValue(RecotapMetrics.pauseWaited, { operation: "journeyStages.list" })
      }, Effect.flatMap(RecotapCrm, (crm) => crm.journeyStages.list()))
      expect(exit._tag).toBe("Success")
      expect(growth).toEqual({ retried: 1, waited: 0 })
    }).pipe(Effect.provide(onSim())))

  it.effect("a call after another's 429: the time it waited for the client-wide pause is counted", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.script("GET /accounts", Fault.rateLimited(2))
      const failed = yield* Effect.exit(list)
      expect(failed._tag).toBe("Failure")
      const { exit, growth } = yield* grown({
        waited: counterValue(RecotapMetrics.pauseWaited, { operation: "segments.list" })
      }, segments)
      expect(exit._tag).toBe("Success")
      expect(growth.waited).toBeGreaterThanOrEqual(1_750)
      expect(growth.waited).toBeLessThanOrEqual(2_000)
    }).pipe(Effect.provide(onSim({ retry: { maxRetries: 0 } }))))

  it.effect("a request that gets no answer is counted with status none, and timed to its timeout", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.script("GET /segments", Fault.latency(60_000))
      const before = yield* timings("segments.list")
      const { exit, growth } = yield* grown({
        unanswered: counterValue(RecotapMetrics.requests, { operation: "segments.list", status: "none" }),
        retried: counterValue(RecotapMetrics.retries, { operation: "segments.list", reason: "Timeout" })
      }, segments)
      expect(exit._tag).toBe("Failure")
      expect(growth).toEqual({ unanswered: 1, retried: 0 })
      const after = yield* timings("segments.list")
      expect(after.count - before.count).toBe(1)
      expect(after.sum - before.sum).toBeGreaterThanOrEqual(5_000)
    }).pipe(Effect.provide(onSim({ retry: { maxRetries: 0 } }))))

  it.effect("a refused key is counted by its status (401); its text never becomes a tag", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.revokeKey(SECRET)
      const { exit, growth } = yield* grown({
        refused: counterValue(RecotapMetrics.requests, { operation: "accounts.list", status: "401" })
      }, list)
      expect(exit._tag).toBe("Failure")
      expect(growth).toEqual({ refused: 1 })
      const pairs = yield* Metric.snapshot
      const tags = pairs.flatMap((pair) => pair.metricKey.tags.map((tag) => `${tag.key}=${tag.value}`))
      expect(tags.join("\n")).not.toContain(SECRET)
    }).pipe(Effect.provide(onSim())))
})

describe("bulk metrics", () => {
  it.effect("each item's outcome is counted by tag, under the operation", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const outcome = (tag: string) =>
        counterValue(RecotapMetrics.bulkOutcomes, { operation: "accounts.push", outcome: tag })
      const { exit, growth } = yield* grown(
        { applied: outcome("Applied"), invalid: outcome("Invalid"), unknown: outcome("Unknown") },
        crm.accounts.push([
          { externalId: "crm-1", name: "Acme", domain: "acme.com" },
          { externalId: "crm-2", name: "Globex", domain: "globex.com" },
          { externalId: "crm-3", name: "", domain: "blank-name.com" }
        ])
      )
      expect(exit._tag).toBe("Success")
      expect(growth).toEqual({ applied: 2, invalid: 1, unknown: 0 })
    }).pipe(Effect.provide(onSim())))
})

describe("sync metrics", () => {
  it.effect("a completed run: counted, its records by kind, its dead letters as a gauge; a failed run counted", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.seedAccounts([
        { name: "Acme", domain: "acme.com" },
        { name: "Globex", domain: "globex.com" },
        { name: "Initech", domain: "initech.com" }
      ])
      sim.advance("1 minute")
      const run = AccountSyncJob.runOnce({ onAccount: () => Effect.void })
      const { exit, growth } = yield* grown({
        completed: counterValue(RecotapMetrics.syncRuns, { result: "completed" }),
        failed: counterValue(RecotapMetrics.syncRuns, { result: "failed" }),
        changed: counterValue(RecotapMetrics.syncRecords, { kind: "changed" })
      }, run)
      expect(exit._tag).toBe("Success")
      expect(growth).toEqual({ completed: 1, failed: 0, changed: 3 })
      const letters = yield* Metric.value(
        Metric.tagged(RecotapMetrics.syncDeadLetters, "checkpoint_key", AccountSyncJob.DEFAULT_CHECKPOINT_KEY)
      )
      expect(letters.value).toBe(0)

      sim.faults.always("GET /accounts", Fault.status(400))
      const failedRun = yield* grown({ failed: counterValue(RecotapMetrics.syncRuns, { result: "failed" }) }, run)
      expect(failedRun.exit._tag).toBe("Failure")
      expect(failedRun.growth).toEqual({ failed: 1 })
    }).pipe(Effect.provide(onSim())))
})
