/**
 * `notProcessed` and `Unavailable` claim that a request certainly was not applied: they hold
 * only when every attempt of that request was certainly not processed. An earlier 500 or a
 * reset may have applied an idempotent write, whatever the later attempts answered.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { RecotapCrm } from "../src/index.js"
import { Fault } from "../src/simulator/index.js"
import { failureOf, onSim, successOf } from "./helpers.js"

const deal = { externalDealId: "d-1", name: "Deal" }

describe("a write whose first attempt may have been applied is never claimed unapplied", () => {
  const histories: ReadonlyArray<[string, ReadonlyArray<Fault>]> = [
    ["500, then 503, 503", [Fault.status(500), Fault.status(503), Fault.status(503)]],
    ["a reset, then 503, 429", [Fault.reset(), Fault.status(503), Fault.status(429)]],
    ["503, then 500, then 503", [Fault.status(503), Fault.status(500), Fault.status(503)]]
  ]
  for (const [name, faults] of histories) {
    it.effect(`deals.push after ${name}: Unknown, not Unavailable`, () =>
      Effect.gen(function*() {
        const { exit, sim } = yield* onSim((sim) => {
          sim.faults.script("POST /deals", ...faults)
          return Effect.flatMap(RecotapCrm, (crm) => crm.deals.push([deal]))
        })
        const outcome = successOf(exit).outcomes[0]!
        expect(outcome._tag).toBe("Unknown")
        expect(outcome._tag === "Unknown" && outcome.error.notProcessed).toBeUndefined()
        expect(sim.requests).toHaveLength(3)
      }))

    it.effect(`accounts.update after ${name}: a TransportError without notProcessed`, () =>
      Effect.gen(function*() {
        const { exit } = yield* onSim((sim) => {
          sim.seedAccounts([{ name: "Acme", domain: "acme.com", externalId: "crm-1" }])
          sim.faults.script("PUT /accounts/:id", ...faults)
          return Effect.flatMap(RecotapCrm, (crm) => crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
        })
        const error = failureOf(exit)
        expect(error).toMatchObject({ _tag: "TransportError", attempts: 3 })
        expect(error._tag === "TransportError" && error.notProcessed).toBeUndefined()
      }))
  }

  it.effect("an upserting accounts.push after a reset, then 503s: Unknown", () =>
    Effect.gen(function*() {
      const { exit } = yield* onSim(
        (sim) => {
          sim.faults.script("POST /accounts", Fault.reset(), Fault.status(503), Fault.status(503))
          return Effect.flatMap(
            RecotapCrm,
            (crm) => crm.accounts.push([{ name: "Acme", domain: "acme.com" }], { upsert: true })
          )
        },
        {},
        "external"
      )
      expect(successOf(exit).summary).toMatchObject({ unknown: 1, unavailable: 0 })
    }))

  it.effect("only 503s: Unavailable and notProcessed, as before", () =>
    Effect.gen(function*() {
      const { exit } = yield* onSim((sim) => {
        sim.faults.always("POST /deals", Fault.status(503)).always("PUT /accounts/:id", Fault.status(503))
        return Effect.flatMap(RecotapCrm, (crm) =>
          Effect.zip(
            crm.deals.push([deal]),
            Effect.flip(crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
          ))
      })
      const [deals, error] = successOf(exit)
      expect(deals.outcomes[0]).toMatchObject({ _tag: "Unavailable", error: { notProcessed: true, attempts: 3 } })
      expect(error).toMatchObject({ _tag: "TransportError", status: 503, notProcessed: true })
    }))

  it.effect("a deadline that passes after a 500 and a 503 does not claim notProcessed", () =>
    Effect.gen(function*() {
      const { exit } = yield* onSim((sim) => {
        sim.seedAccounts([{ name: "Acme", domain: "acme.com", externalId: "crm-1" }])
        sim.faults.script("PUT /accounts/:id", Fault.status(500)).always("PUT /accounts/:id", Fault.status(503))
        return Effect.flatMap(RecotapCrm, (crm) => crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
      }, { deadline: "3 seconds", retry: { maxRetries: 10, baseDelay: "1 second", maxDelay: "1 second" } })
      const error = failureOf(exit)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Timeout" })
      expect(error._tag === "TransportError" && error.notProcessed).toBeUndefined()
    }))

  it.effect("a deadline that passes after 503s only still says notProcessed", () =>
    Effect.gen(function*() {
      const { exit } = yield* onSim((sim) => {
        sim.faults.always("PUT /accounts/:id", Fault.status(503))
        return Effect.flatMap(RecotapCrm, (crm) => crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
      }, { deadline: "3 seconds", retry: { maxRetries: 10, baseDelay: "1 second", maxDelay: "1 second" } })
      expect(failureOf(exit)).toMatchObject({ _tag: "TransportError", reason: "Timeout", notProcessed: true })
    }))

  it.effect("a deal batch whose deadline passes after a 500 and a 503 is Unknown", () =>
    Effect.gen(function*() {
      const { exit } = yield* onSim((sim) => {
        sim.faults.script("POST /deals", Fault.status(500)).always("POST /deals", Fault.status(503))
        return Effect.flatMap(RecotapCrm, (crm) => crm.deals.push([deal]))
      }, { deadline: "3 seconds", retry: { maxRetries: 10, baseDelay: "1 second", maxDelay: "1 second" } })
      expect(successOf(exit).outcomes[0]?._tag).toBe("Unknown")
    }))
})
