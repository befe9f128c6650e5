import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { RecotapCrm } from "../../src/index.js"
import { Fault, RecotapSimulator, Simulator, SIMULATOR_ORIGIN } from "../../src/simulator/index.js"

const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())

/** Sends one request straight to the simulator. */
const send = (sim: Simulator, method: string, path: string, body?: unknown) =>
  sim.reply({
    method,
    url: new URL(`${SIMULATOR_ORIGIN}${sim.prefix}${path}`),
    headers: { "x-api-key": "sim-key", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? "" : JSON.stringify(body)
  })

const pushOne = { accounts: [{ externalId: "crm-1", name: "Acme", domain: "acme.com" }] }

/** Runs `program` against the real client over a fresh in-memory simulator prepared by `setup`. */
const withSim = <A, E>(setup: (sim: Simulator) => void, program: (sim: Simulator) => Effect.Effect<A, E, RecotapCrm>) =>
  Effect.gen(function*() {
    const sim = yield* RecotapSimulator
    sim.seedAccounts([{ name: "Acme", domain: "acme.com", externalId: "crm-1" }])
    setup(sim)
    return yield* program(sim)
  }).pipe(Effect.provide(RecotapSimulator.layerCrm({ config: { timeout: "10 seconds", retry: { maxRetries: 0 } } })))

describe("fault injection", () => {
  it.effect("a scripted status sequence, then normal answers", () =>
    withSim(
      (sim) => sim.faults.script("GET /accounts", Fault.status(503), Fault.status(500)),
      (sim) =>
        Effect.gen(function*() {
          expect(yield* Effect.flip(list)).toMatchObject({ _tag: "TransportError", status: 503 })
          expect(sim.faults.pending("GET /accounts")).toBe(1)
          expect(yield* Effect.flip(list)).toMatchObject({ _tag: "TransportError", status: 500 })
          expect((yield* list).data).toHaveLength(1)
        })
    ))

  it.effect("scripts are per route; `*` applies to every route", () =>
    withSim(
      (sim) => sim.faults.script("POST /deals", Fault.status(503)).script("*", Fault.status(502)),
      () =>
        Effect.gen(function*() {
          expect(yield* Effect.flip(list)).toMatchObject({ status: 502 })
          expect((yield* list).data).toHaveLength(1)
        })
    ))

  it.effect("a permanent fault lasts until cleared", () =>
    withSim(
      (sim) => sim.faults.always("GET /accounts", Fault.status(504)),
      (sim) =>
        Effect.gen(function*() {
          expect(yield* Effect.flip(list)).toMatchObject({ status: 504 })
          expect(yield* Effect.flip(list)).toMatchObject({ status: 504 })
          sim.faults.clear()
          expect((yield* list).data).toHaveLength(1)
        })
    ))

  it("429 with Retry-After in seconds and in HTTP-date form, without processing", () => {
    const sim = new Simulator()
    const at = new Date("2026-01-01T00:01:00Z")
    sim.faults.script("POST /accounts", Fault.rateLimited(7), Fault.rateLimited(at))
    const seconds = send(sim, "POST", "/accounts", pushOne)
    const date = send(sim, "POST", "/accounts", pushOne)
    expect(seconds).toMatchObject({ _tag: "Respond", status: 429, headers: { "retry-after": "7" } })
    expect(date).toMatchObject({
      _tag: "Respond",
      status: 429,
      headers: { "retry-after": "Thu, 01 Jan 2026 00:01:00 GMT" }
    })
    expect(sim.accounts()).toHaveLength(0)
  })

  it.effect("latency delays the answer, on the Effect clock", () =>
    withSim(
      (sim) => sim.faults.script("GET /accounts", Fault.latency(1_000)),
      () =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(list)
          yield* TestClock.adjust("999 millis")
          expect(fiber.unsafePoll()).toBeNull()
          yield* TestClock.adjust("1 millis")
          expect((yield* Fiber.join(fiber)).data).toHaveLength(1)
        })
    ))

  it.effect("latency beyond the client's timeout is a Timeout", () =>
    withSim(
      (sim) => sim.faults.script("GET /accounts", Fault.latency(60_000)),
      () =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(Effect.flip(list))
          yield* TestClock.adjust("10 seconds")
          expect(yield* Fiber.join(fiber)).toMatchObject({ _tag: "TransportError", reason: "Timeout" })
        })
    ))

  it.effect("a connection reset is a Transport error, and the write was not applied", () =>
    withSim(
      (sim) => sim.faults.script("GET /accounts", Fault.reset()),
      (sim) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(list)
          expect(error).toMatchObject({ _tag: "TransportError", reason: "Transport" })
          expect(error.message).toContain("ECONNRESET")
          sim.faults.script("POST /accounts", Fault.reset())
          expect(send(sim, "POST", "/accounts", { accounts: [{ externalId: "crm-2", name: "B", domain: "b.com" }] }))
            .toEqual({ _tag: "Reset", delayMillis: 0 })
          expect(sim.accounts().map((a) => a.domain)).toEqual(["acme.com"])
        })
    ))

  it.effect("a truncated body fails while reading, and the write was applied", () =>
    withSim(
      (sim) => sim.faults.script("GET /accounts", Fault.truncated()),
      (sim) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(list)
          expect(error).toMatchObject({ _tag: "TransportError", reason: "Transport", status: 200 })
          sim.faults.script("POST /accounts", Fault.truncated())
          const reply = send(sim, "POST", "/accounts", {
            accounts: [{ externalId: "crm-2", name: "B", domain: "b.com" }]
          })
          expect(reply._tag).toBe("Truncated")
          expect(sim.accounts().map((a) => a.domain)).toEqual(["acme.com", "b.com"])
        })
    ))

  it.effect("a malformed JSON body is a Decode error", () =>
    withSim(
      (sim) => sim.faults.script("GET /accounts", Fault.malformedJson()),
      () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(list)
          expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode", status: 200 })
          expect(error.message).toContain("not JSON")
        })
    ))

  it.effect("an HTML proxy page is a StatusCode error that names the page", () =>
    withSim(
      (sim) => sim.faults.script("GET /accounts", Fault.html(502)),
      () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(list)
          expect(error).toMatchObject({ _tag: "TransportError", reason: "StatusCode", status: 502 })
          expect(error.message).toContain("an HTML page: 502 Bad Gateway")
        })
    ))

  it("redirects to the same origin or to another one, without processing", () => {
    const sim = new Simulator()
    sim.faults.script("GET /accounts", Fault.redirect(), Fault.redirect("https://elsewhere.example", 302))
    const same = send(sim, "GET", "/accounts?limit=5")
    const other = send(sim, "GET", "/accounts?limit=5")
    expect(same).toMatchObject({
      status: 307,
      headers: { location: `${SIMULATOR_ORIGIN}/api/v1/crm/accounts?limit=5` }
    })
    expect(other).toMatchObject({
      status: 302,
      headers: { location: "https://elsewhere.example/api/v1/crm/accounts?limit=5" }
    })
    expect(send(sim, "GET", "/accounts")).toMatchObject({ status: 200 })
  })

  it.effect("an oversized body is still valid JSON, only larger", () =>
    withSim(
      (sim) => sim.faults.script("GET /accounts", Fault.oversized(1_000_000)),
      (sim) =>
        Effect.gen(function*() {
          sim.faults.script("GET /journey-stages", Fault.oversized(2_000))
          const reply = send(sim, "GET", "/journey-stages")
          expect(reply._tag === "Respond" && reply.body.length).toBe(2_000)
          expect((yield* list).data).toHaveLength(1)
        })
    ))

  it("faults come before authentication, as a proxy's would", () => {
    const sim = new Simulator()
    sim.faults.script("GET /accounts", Fault.status(503))
    const reply = sim.reply({
      method: "GET",
      url: new URL(`${SIMULATOR_ORIGIN}/api/v1/crm/accounts`),
      headers: {},
      body: ""
    })
    expect(reply).toMatchObject({ status: 503 })
  })
})
