/** Odd servers and stuck sources: nothing hangs, nothing loops, nothing is reported wrongly. */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ApiKey, type DealInput, RecotapConfig, RecotapCrm } from "../src/index.js"
import { parseRetryAfter } from "../src/internal/pause.js"
import { Fault, RecotapSimulator } from "../src/simulator/index.js"
import { activity, crmWith, envelope, errorEnvelope, fakeHttp, settle } from "./helpers.js"

const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
const deal = (n: number): DealInput => ({ externalDealId: `d-${n}`, name: `Deal ${n}` })

describe("a key source that never answers", () => {
  const stuckKey = (config: Parameters<typeof RecotapConfig.layer>[0]) => {
    const http = fakeHttp(() => envelope({ data: [], nextCursor: null, hasNextPage: false }))
    const layer = RecotapCrm.layer.pipe(
      Layer.provide(
        Layer.mergeAll(http.layer, ApiKey.layerEffect(Effect.never), Layer.orDie(RecotapConfig.layer(config)))
      )
    )
    return { layer, sent: http.sent }
  }

  it.effect("is bounded by the attempt timeout: MissingApiKey, nothing sent", () => {
    const { layer, sent } = stuckKey({ timeout: "2 seconds" })
    return Effect.gen(function*() {
      const exit = yield* settle(list)
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error).toMatchObject({
        _tag: "MissingApiKey",
        reason: "SourceFailed"
      })
      expect(sent).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("and by the deadline, which covers it", () => {
    const { layer } = stuckKey({ deadline: "1 second" })
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(list))
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toMatchObject({
        _tag: "TransportError",
        reason: "Timeout",
        notProcessed: true,
        attempts: 0
      })
    }).pipe(Effect.provide(layer))
  })
})

describe("paging that would never end", () => {
  it.effect("cursors that cycle (A, B, A) fail instead of looping", () => {
    let n = 0
    const { layer, sent } = crmWith(() =>
      envelope({ data: [], nextCursor: ["A", "B"][n++ % 2], hasNextPage: true, syncTimestamp: "2026-01-01T00:00:00Z" })
    )
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(Stream.runDrain(crm.accounts.stream()))
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode" })
      expect(error.message).toContain(`earlier cursor "A"`)
      expect(sent).toHaveLength(3)
    }).pipe(Effect.provide(layer))
  })
})

describe("cycles longer than the cursors kept exactly", () => {
  it.effect("a cycle of 40 cursors is caught within a few times its length, in bounded memory", () => {
    let n = 0
    const { layer, sent } = crmWith(() =>
      envelope({ data: [], nextCursor: `c${n++ % 40}`, hasNextPage: true, syncTimestamp: "2026-01-01T00:00:00Z" })
    )
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(Stream.runDrain(crm.accounts.pages()))
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode" })
      expect(error.message).toContain("earlier cursor")
      expect(sent.length).toBeGreaterThan(40)
      expect(sent.length).toBeLessThanOrEqual(3 * 40)
    }).pipe(Effect.provide(layer))
  })
})

describe("answers in shapes the docs only hint at", () => {
  it.effect("nested class-validator errors are flattened to the item's own message", () => {
    const { layer } = crmWith(() =>
      errorEnvelope(400, {
        message: "Bad Request",
        data: [{
          property: "deals",
          children: [{
            property: "1",
            children: [{ property: "ownerEmail", constraints: { isEmail: "ownerEmail must be an email" } }]
          }]
        }]
      })
    )
    return Effect.gen(function*() {
      const result = yield* Effect.flatMap(RecotapCrm, (crm) => crm.deals.push([deal(0), deal(1)]))
      expect(result.outcomes[1]).toMatchObject({
        _tag: "Rejected",
        status: "refused",
        error: "ownerEmail must be an email"
      })
      expect(result.outcomes[0]).toMatchObject({
        _tag: "Rejected",
        error: expect.stringContaining("deals.1.ownerEmail")
      })
    }).pipe(Effect.provide(layer))
  })

  it.effect("null fields in per-item results are fine; an unreadable entry costs only its own item", () => {
    const { layer } = crmWith(() =>
      envelope({
        results: [
          { externalDealId: "d-0", status: "upserted", error: null },
          { externalDealId: "d-1", status: 42 },
          { externalDealId: null, status: "upserted", error: null }
        ]
      })
    )
    return Effect.gen(function*() {
      const result = yield* Effect.flatMap(RecotapCrm, (crm) => crm.deals.push([deal(0), deal(1), deal(2)]))
      expect(result.outcomes.map((o) => o._tag)).toEqual(["Applied", "Unknown", "Applied"])
      expect(result.outcomes[1]?._tag === "Unknown" && result.outcomes[1].error.message).toContain("unreadable")
    }).pipe(Effect.provide(layer))
  })

  it("a Retry-After that is neither seconds nor an HTTP date is ignored", () => {
    expect(parseRetryAfter("7", 0)).toEqual(Option.some(7_000))
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:00:05 GMT", 0)).toEqual(Option.some(5_000))
    for (const bogus of ["1.5", "-1", "soon", ""]) expect(parseRetryAfter(bogus, 0)).toEqual(Option.none())
    // Surrounding white space is not part of the value; Date.parse reads "A 2026" or "J 5", which are no HTTP dates.
    expect(parseRetryAfter(" 7 ", 0)).toEqual(Option.some(7_000))
    for (const notADate of ["A 2026", "J 5"]) expect(parseRetryAfter(notADate, 0)).toEqual(Option.none())
  })
})

describe("deadlines and bulk outcomes", () => {
  it.effect("a deadline that passes between attempts refused before processing: Unavailable", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.always("POST /sales-activities", Fault.status(503))
      const exit = yield* settle(Effect.flatMap(RecotapCrm, (crm) => crm.salesActivities.push([activity(1)])))
      const outcome = Exit.isSuccess(exit) ? exit.value.outcomes[0] : undefined
      expect(outcome).toMatchObject({ _tag: "Unavailable", error: { reason: "Timeout", notProcessed: true } })
      expect(sim.activities()).toEqual([])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm({ config: { deadline: "600 millis" } }))))

  it.effect("a deadline that passes while a create-only request is in flight: Unknown", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.always("POST /sales-activities", Fault.latency(5_000))
      const exit = yield* settle(Effect.flatMap(RecotapCrm, (crm) => crm.salesActivities.push([activity(1)])))
      expect(Exit.isSuccess(exit) ? exit.value.outcomes[0]?._tag : undefined).toBe("Unknown")
    }).pipe(Effect.provide(RecotapSimulator.layerCrm({ config: { deadline: "1 second" } }))))

  it.effect("a domain mapped twice in one call is Invalid: the last mapping would silently win", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.seedAccounts([{ name: "Acme", domain: "acme.com" }])
      const result = yield* Effect.flatMap(RecotapCrm, (crm) =>
        crm.accounts.mapExternalIds([
          { domain: "acme.com", externalId: "first" },
          { domain: "https://www.acme.com", externalId: "second" }
        ]))
      expect(result.outcomes.map((o) => o._tag)).toEqual(["Applied", "Invalid"])
      expect(sim.account("acme.com").externalId).toBe("first")
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))
})

describe("a broken Retry-After", () => {
  it.effect("cannot pause the client for more than an hour", () => {
    let calls = 0
    const { layer, sent } = crmWith(
      () => {
        calls += 1
        if (calls > 1) return envelope({ data: [], nextCursor: null, hasNextPage: false })
        const response = errorEnvelope(429, { message: "Too Many Requests" })
        response.headers.set("retry-after", "1000000000")
        return response
      },
      "k",
      {}
    )
    return Effect.gen(function*() {
      yield* Effect.flip(list)
      const during = yield* Effect.flip(list)
      expect(during).toMatchObject({
        _tag: "TransportError",
        status: 429,
        retryAfterMillis: 3_600_000,
        notProcessed: true
      })
      yield* TestClock.adjust("1 hour")
      yield* list
      expect(sent).toHaveLength(2)
    }).pipe(Effect.provide(layer))
  })
})
