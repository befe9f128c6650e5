/** Retries, Retry-After, write safety, per-call options, deadlines and cancellation. */
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ApiKey, RecotapCallOptions, RecotapCrm } from "../src/index.js"
import { Fault, RecotapSimulator } from "../src/simulator/index.js"
import {
  activity,
  crmWith,
  envelope,
  failureOf,
  onSim,
  recordingLogger,
  recordingTracer,
  retryEvents,
  settle
} from "./helpers.js"

const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())

describe("what is retried", () => {
  it.effect("a read succeeds on the 3rd attempt after two 503s", () =>
    Effect.gen(function*() {
      const { exit, sim } = yield* onSim((sim) => {
        sim.faults.script("GET /accounts", Fault.status(503), Fault.status(503))
        return list
      })
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(sim.requests).toHaveLength(3)
    }))

  it.effect("gives up after 1 + maxRetries attempts, and says how many", () =>
    Effect.gen(function*() {
      const { exit, sim } = yield* onSim((sim) => {
        sim.faults.always("GET /accounts", Fault.status(503))
        return list
      })
      const error = failureOf(exit)
      expect(error).toMatchObject({ _tag: "TransportError", status: 503, attempts: 3 })
      expect(error.message).toContain("after 3 attempts")
      expect(sim.requests).toHaveLength(3)
    }))

  const retried: ReadonlyArray<[string, Fault]> = [
    ["408", Fault.status(408)],
    ["429", Fault.status(429)],
    ["500", Fault.status(500)],
    ["502", Fault.status(502)],
    ["503", Fault.status(503)],
    ["504", Fault.status(504)],
    ["an HTML 502 page", Fault.html(502)],
    ["a connection reset", Fault.reset()],
    ["a timeout", Fault.latency(60_000)],
    ["a truncated body", Fault.truncated()]
  ]
  for (const [name, fault] of retried) {
    it.effect(`a read is retried after ${name}`, () =>
      Effect.gen(function*() {
        const { exit, sim } = yield* onSim((sim) => {
          sim.faults.script("GET /accounts", fault)
          return list
        }, { timeout: "5 seconds" })
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(sim.requests).toHaveLength(2)
      }))
  }

  const notRetried: ReadonlyArray<[string, Fault, string]> = [
    ["400", Fault.status(400), "TransportError"],
    ["404", Fault.status(404), "TransportError"],
    ["501", Fault.status(501), "TransportError"],
    ["a body that is not JSON", Fault.malformedJson(), "TransportError"]
  ]
  for (const [name, fault, tag] of notRetried) {
    it.effect(`a read is not retried after ${name}`, () =>
      Effect.gen(function*() {
        const { exit, sim } = yield* onSim((sim) => {
          sim.faults.script("GET /accounts", fault)
          return list
        })
        expect(failureOf(exit)).toMatchObject({ _tag: tag })
        expect(sim.requests).toHaveLength(1)
      }))
  }

  it.effect("a refused key is not retried", () =>
    Effect.gen(function*() {
      const { exit, sim } = yield* onSim((sim) => {
        sim.revokeKey("sim-key")
        return list
      })
      expect(failureOf(exit)).toMatchObject({ _tag: "InvalidApiKey" })
      expect(sim.requests).toHaveLength(1)
    }))
})

describe("how long it waits", () => {
  it.effect("exponential backoff with jitter: 250–500 ms, then 500–1000 ms, capped by maxDelay", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      yield* onSim((sim) => {
        sim.faults.script("GET /accounts", Fault.status(503), Fault.status(503), Fault.status(503), Fault.status(503))
        return list
      }, { retry: { maxRetries: 4, baseDelay: "500 millis", maxDelay: "1500 millis" } }).pipe(Effect.withTracer(tracer))
      const delays = retryEvents(spans).map((e) => e.delayMs)
      expect(delays).toHaveLength(4)
      const bounds = [[250, 500], [500, 1000], [750, 1500], [750, 1500]] as const
      delays.forEach((delay, i) => {
        expect(delay).toBeGreaterThanOrEqual(bounds[i]![0])
        expect(delay).toBeLessThanOrEqual(bounds[i]![1])
      })
    }))

  it.effect("honours Retry-After in seconds, exactly", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.script("GET /accounts", Fault.rateLimited(7))
      const fiber = yield* Effect.fork(list)
      yield* TestClock.adjust("6999 millis")
      expect(sim.requests).toHaveLength(1)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      expect(sim.requests).toHaveLength(2)
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("honours Retry-After as an HTTP date", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-03-01T12:00:00Z"))
      const sim = yield* RecotapSimulator
      sim.faults.script("GET /accounts", Fault.rateLimited(new Date("2026-03-01T12:00:05Z")))
      const fiber = yield* Effect.fork(list)
      yield* TestClock.adjust("4999 millis")
      expect(sim.requests).toHaveLength(1)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      expect(sim.requests).toHaveLength(2)
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("a Retry-After beyond the cap fails at once, saying when to come back", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-03-01T12:00:00Z"))
      const { exit, sim } = yield* onSim((sim) => {
        sim.faults.script("GET /accounts", Fault.rateLimited(120))
        return list
      })
      const error = failureOf(exit)
      expect(error).toMatchObject({ _tag: "TransportError", status: 429, retryAfterMillis: 120_000, attempts: 1 })
      expect(error.message).toContain("2026-03-01T12:02:00.000Z")
      expect(error.message).toContain("come back")
      expect(sim.requests).toHaveLength(1)
    }))
})

describe("write safety", () => {
  // Create-only: sent again only when the request provably was not processed.
  const createOnly: ReadonlyArray<[string, Fault, number, string]> = [
    ["503 (refused before processing)", Fault.status(503), 2, "Applied"],
    ["429 (refused before processing)", Fault.rateLimited(1), 2, "Applied"],
    ["a connection reset (maybe processed)", Fault.reset(), 1, "Unknown"],
    ["a timeout (maybe processed)", Fault.latency(60_000), 1, "Unknown"],
    ["a 500 (maybe processed)", Fault.status(500), 1, "Unknown"],
    ["a truncated answer (processed)", Fault.truncated(), 1, "Unknown"]
  ]
  for (const [name, fault, requests, outcome] of createOnly) {
    it.effect(`a create-only write after ${name}: ${requests} request(s), ${outcome}`, () =>
      Effect.gen(function*() {
        const { exit, sim } = yield* onSim((sim) => {
          sim.faults.script("POST /sales-activities", fault)
          return Effect.flatMap(RecotapCrm, (crm) => crm.salesActivities.push([activity(1), activity(2)]))
        }, { timeout: "5 seconds" })
        expect(sim.requests).toHaveLength(requests)
        const result = Exit.getOrElse(exit, () => undefined)
        expect(result?.outcomes.map((o) => o._tag)).toEqual([outcome, outcome])
      }))
  }

  it.effect("a create-only write is retried when the connection was refused: it was never sent", () => {
    let calls = 0
    const { layer, sent } = crmWith(
      () => {
        calls += 1
        return calls === 1
          ? Effect.fail(
            Object.assign(new TypeError("fetch failed"), {
              cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })
            })
          )
          : envelope({ results: [{ externalActivityId: "act-1", status: "created" }] })
      },
      "k",
      {}
    )
    return Effect.gen(function*() {
      const exit = yield* settle(Effect.flatMap(RecotapCrm, (crm) => crm.salesActivities.push([activity(1)])))
      expect(sent).toHaveLength(2)
      expect(Exit.getOrElse(exit, () => undefined)?.outcomes[0]?._tag).toBe("Applied")
    }).pipe(Effect.provide(layer))
  })

  it.effect("upserts are retried after any transient failure: accounts with upsert, deals", () =>
    Effect.gen(function*() {
      const { exit, sim } = yield* onSim(
        (sim) => {
          sim.faults.script("POST /accounts", Fault.reset()).script("POST /deals", Fault.status(500))
          return Effect.flatMap(RecotapCrm, (crm) =>
            Effect.zip(
              crm.accounts.push([{ externalId: "crm-1", name: "Acme", domain: "acme.com" }], { upsert: true }),
              crm.deals.push([{ externalDealId: "d-1", name: "Deal" }])
            ))
        },
        {},
        "external"
      )
      const [accounts, deals] = Exit.getOrElse(exit, () => {
        throw new Error("failed")
      })
      expect(accounts.summary.applied).toBe(1)
      expect(deals.summary.applied).toBe(1)
      expect(sim.requests).toHaveLength(4)
    }))

  it.effect("plain account pushes are create-only: a reset leaves them Unknown", () =>
    Effect.gen(function*() {
      const { exit, sim } = yield* onSim((sim) => {
        sim.faults.script("POST /accounts", Fault.reset())
        return Effect.flatMap(RecotapCrm, (crm) =>
          crm.accounts.push([{ externalId: "crm-1", name: "Acme", domain: "acme.com" }]))
      })
      expect(
        Exit.getOrElse(exit, () =>
          undefined)?.summary.unknown
      ).toBe(1)
      expect(sim.requests).toHaveLength(1)
    }))
})

describe("settings per client and per call", () => {
  it.effect("maxRetries 0 in the client's settings: one attempt", () =>
    Effect.gen(function*() {
      const { exit, sim } = yield* onSim((sim) => {
        sim.faults.script("GET /accounts", Fault.status(503))
        return list
      }, { retry: { maxRetries: 0 } })
      expect(failureOf(exit)).toMatchObject({ status: 503, attempts: 1 })
      expect(sim.requests).toHaveLength(1)
    }))

  it.effect("RecotapCallOptions overrides them for one call, or one stream", () =>
    Effect.gen(function*() {
      const { exit, sim } = yield* onSim((sim) => {
        sim.faults.always("GET /accounts", Fault.status(503))
        return Effect.gen(function*() {
          const crm = yield* RecotapCrm
          const once = yield* Effect.flip(
            crm.accounts.list().pipe(Effect.provideService(RecotapCallOptions, { retry: { maxRetries: 0 } }))
          )
          const fiveTimes = yield* Effect.flip(
            Stream.runDrain(
              crm.accounts.stream().pipe(Stream.provideService(RecotapCallOptions, { retry: { maxRetries: 4 } }))
            )
          )
          return [once, fiveTimes] as const
        })
      })
      const [once, fiveTimes] = Exit.getOrElse(exit, () => {
        throw new Error("failed")
      })
      expect(once).toMatchObject({ _tag: "TransportError", attempts: 1 })
      expect(fiveTimes).toMatchObject({ _tag: "TransportError", attempts: 5 })
      expect(sim.requests).toHaveLength(6)
    }))
})

describe("deadlines and cancellation", () => {
  it.effect("an overall deadline bounds a call, retries included", () =>
    Effect.gen(function*() {
      const { exit, sim } = yield* onSim((sim) => {
        sim.faults.always("GET /accounts", Fault.status(503))
        return list
      }, { deadline: "2 seconds", retry: { maxRetries: 10, baseDelay: "1 second", maxDelay: "1 second" } })
      const error = failureOf(exit)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Timeout" })
      expect(error.message).toContain("deadline of 2s")
      expect(error).toMatchObject({ attempts: sim.requests.length })
      expect(sim.requests.length).toBeGreaterThanOrEqual(2)
      expect(sim.requests.length).toBeLessThanOrEqual(5)
    }))

  it.effect("for a stream, the deadline applies to each page", () =>
    Effect.gen(function*() {
      const { exit, sim } = yield* onSim((sim) => {
        sim.seedAccounts(
          Array.from({ length: 6 }, (_, i) => ({ name: `C${i}`, domain: `c${i}.com`, externalId: `e${i}` }))
        )
        sim.faults.always("GET /accounts", Fault.latency(1_500))
        return Stream.runCollect(
          Effect.flatMap(RecotapCrm, (crm) => Effect.succeed(crm.accounts.stream({ limit: 2 }))).pipe(Stream.unwrap)
        )
      }, { deadline: "2 seconds" })
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(sim.requests).toHaveLength(3)
    }))

  it.effect("interrupting a call aborts its request", () => {
    let signal: AbortSignal | undefined
    const client = HttpClient.make((_request, _url, abort) => {
      signal = abort
      return Effect.never
    })
    const layer = RecotapCrm.layer.pipe(
      Layer.provide(Layer.merge(Layer.succeed(HttpClient.HttpClient, client), ApiKey.layer(Redacted.make("k"))))
    )
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(list)
      yield* TestClock.adjust("1 second")
      expect(signal?.aborted).toBe(false)
      yield* Fiber.interrupt(fiber)
      expect(signal?.aborted).toBe(true)
    }).pipe(Effect.provide(layer))
  })
})

describe("every attempt is visible", () => {
  it.effect("a span event and a debug log line per retry, with attempt, reason and delay", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      const logs = recordingLogger()
      yield* onSim((sim) => {
        sim.faults.script("GET /accounts", Fault.status(503), Fault.reset())
        return list
      }).pipe(Effect.withTracer(tracer), Effect.provide(logs.layer), Logger.withMinimumLogLevel(LogLevel.Debug))
      expect(retryEvents(spans).map((e) => [e.attempt, e.reason])).toEqual([[1, "StatusCode"], [2, "Transport"]])
      const retryLines = logs.lines.filter((line) => line.includes("retrying") && line.startsWith("timestamp"))
      expect(retryLines).toHaveLength(2)
      expect(retryLines[0]).toContain("attempt=1")
      expect(retryLines[0]).toMatch(/delayMs=\d+/)
    }))
})
