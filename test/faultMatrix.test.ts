/**
 * Every fault the simulator can inject, against a read, an upsert write and a create-only
 * write: the expected outcome, no call that hangs, every bulk item reported, and the key in
 * none of the errors, outcomes, spans or logs produced along the way.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Inspectable from "effect/Inspectable"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as TestClock from "effect/TestClock"
import { type DealInput, RecotapCrm, type SalesActivityInput } from "../src/index.js"
import { Fault, RecotapSimulator } from "../src/simulator/index.js"
import { activity, recordingLogger, recordingTracer, SECRET, settle } from "./helpers.js"

const NOW = Date.parse("2026-03-01T12:00:00Z")

/** What a read ends with: success after `requests` requests, or the error's tag and reason. */
type ReadExpectation = { readonly requests: number } | { readonly tag: string; readonly reason?: string }
/** The outcome of every item of the batch hit by the fault. */
type BatchExpectation = "Applied" | "Unknown" | "Unavailable"

interface Row {
  readonly name: string
  readonly faults: ReadonlyArray<Fault>
  readonly read: ReadExpectation
  readonly upsert: BatchExpectation
  readonly createOnly: BatchExpectation
  /** The other batch, after the hit one (default: applied). */
  readonly rest?: BatchExpectation
}

const rows: ReadonlyArray<Row> = [
  { name: "one 503", faults: [Fault.status(503)], read: { requests: 2 }, upsert: "Applied", createOnly: "Applied" },
  { name: "one 500", faults: [Fault.status(500)], read: { requests: 2 }, upsert: "Applied", createOnly: "Unknown" },
  {
    name: "three 503s",
    faults: [Fault.status(503), Fault.status(503), Fault.status(503)],
    read: { tag: "TransportError", reason: "StatusCode" },
    upsert: "Unavailable",
    createOnly: "Unavailable"
  },
  {
    name: "429, Retry-After: 2",
    faults: [Fault.rateLimited(2)],
    read: { requests: 2 },
    upsert: "Applied",
    createOnly: "Applied"
  },
  {
    name: "429, Retry-After as a date 2 s ahead",
    faults: [Fault.rateLimited(new Date(NOW + 2_000))],
    read: { requests: 2 },
    upsert: "Applied",
    createOnly: "Applied"
  },
  {
    name: "429, Retry-After beyond the cap",
    faults: [Fault.rateLimited(300)],
    read: { tag: "TransportError", reason: "StatusCode" },
    upsert: "Unavailable",
    createOnly: "Unavailable",
    // Recotap asked the whole client to pause for 5 minutes: the next request is not sent either.
    rest: "Unavailable"
  },
  {
    name: "latency beyond the timeout",
    faults: [Fault.latency(60_000)],
    read: { requests: 2 },
    upsert: "Applied",
    createOnly: "Unknown"
  },
  {
    name: "a connection reset",
    faults: [Fault.reset()],
    read: { requests: 2 },
    upsert: "Applied",
    createOnly: "Unknown"
  },
  {
    name: "a truncated body",
    faults: [Fault.truncated()],
    read: { requests: 2 },
    upsert: "Applied",
    createOnly: "Unknown"
  },
  {
    name: "a body that is not JSON",
    faults: [Fault.malformedJson()],
    read: { tag: "TransportError", reason: "Decode" },
    upsert: "Unknown",
    createOnly: "Unknown"
  },
  {
    name: "an HTML proxy page",
    faults: [Fault.html(502)],
    read: { requests: 2 },
    upsert: "Applied",
    createOnly: "Unknown"
  },
  {
    name: "a redirect to another origin",
    faults: [Fault.redirect("https://elsewhere.example")],
    read: { tag: "TransportError", reason: "Redirect" },
    upsert: "Unknown",
    createOnly: "Unknown"
  },
  {
    name: "a same-origin redirect",
    faults: [Fault.redirect()],
    read: { requests: 2 },
    upsert: "Applied",
    createOnly: "Applied"
  },
  {
    name: "an oversized body",
    faults: [Fault.oversized(2_000_000)],
    read: { tag: "TransportError", reason: "Decode" },
    upsert: "Unknown",
    createOnly: "Unknown"
  }
]

const deals: ReadonlyArray<DealInput> = Array.from(
  { length: 150 },
  (_, i) => ({ externalDealId: `d-${i}`, name: `Deal ${i}` })
)
const activities: ReadonlyArray<SalesActivityInput> = Array.from({ length: 60 }, (_, i) => activity(i))

const stringify = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? String(v) : v)) ?? ""

/** Runs `program` with the fault scripted on `route`, records everything it printed, and hunts for the key. */
const run = <A, E>(route: string, faults: ReadonlyArray<Fault>, program: Effect.Effect<A, E, RecotapCrm>) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(NOW)
    const sim = yield* RecotapSimulator
    sim.faults.script(route, ...faults)
    const { spans, tracer } = yield* recordingTracer
    const logs = recordingLogger()
    const exit = yield* settle(program, "250 millis").pipe(
      Effect.withTracer(tracer),
      Effect.provide(logs.layer),
      Logger.withMinimumLogLevel(LogLevel.All)
    )
    const printed = [
      String(exit),
      stringify(exit),
      Inspectable.format(exit),
      ...spans.flatMap((s) => [...s.attributes.values()].map(String)),
      ...spans.map((s) => stringify((s as unknown as { events?: unknown }).events)),
      ...logs.lines
    ].join("\n")
    expect(printed).not.toContain(SECRET)
    expect(sim.requests.filter((r) => r.origin !== "https://simulator.recotap.invalid")).toEqual([])
    return { exit, sim }
  }).pipe(
    Effect.provide(
      RecotapSimulator.layerCrm({ keys: [SECRET], config: { timeout: "5 seconds", maxResponseBytes: 1_000_000 } })
    )
  )

type Outcome = { readonly _tag: string; readonly index: number }

const expectBatches = (
  exit: Exit.Exit<{ readonly outcomes: ReadonlyArray<Outcome> }, unknown>,
  total: number,
  perRequest: number,
  hit: BatchExpectation,
  rest: BatchExpectation = "Applied"
) => {
  expect(Exit.isSuccess(exit)).toBe(true)
  const outcomes = Exit.isSuccess(exit) ? exit.value.outcomes : []
  expect(outcomes.map((o) => o.index)).toEqual(Array.from({ length: total }, (_, i) => i))
  expect(new Set(outcomes.slice(0, perRequest).map((o) => o._tag))).toEqual(new Set([hit]))
  expect(new Set(outcomes.slice(perRequest).map((o) => o._tag))).toEqual(new Set([rest]))
}

describe("the fault matrix", () => {
  for (const row of rows) {
    describe(row.name, () => {
      it.effect("a read", () =>
        Effect.gen(function*() {
          const { exit, sim } = yield* run(
            "GET /accounts",
            row.faults,
            Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
          )
          if ("requests" in row.read) {
            expect(Exit.isSuccess(exit)).toBe(true)
            expect(sim.requests).toHaveLength(row.read.requests)
          } else {
            expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error).toMatchObject({
              _tag: row.read.tag,
              reason: row.read.reason
            })
          }
        }))

      it.effect(`an upsert write (deals): the hit batch is ${row.upsert}, the other applied`, () =>
        Effect.gen(function*() {
          const { exit } = yield* run(
            "POST /deals",
            row.faults,
            Effect.flatMap(RecotapCrm, (crm) => crm.deals.push(deals))
          )
          expectBatches(exit, 150, 100, row.upsert, row.rest)
        }))

      it.effect(`a create-only write (sales activities): the hit batch is ${row.createOnly}, the other applied`, () =>
        Effect.gen(function*() {
          const { exit } = yield* run(
            "POST /sales-activities",
            row.faults,
            Effect.flatMap(RecotapCrm, (crm) => crm.salesActivities.push(activities))
          )
          expectBatches(exit, 60, 50, row.createOnly, row.rest)
        }))
    })
  }
})
