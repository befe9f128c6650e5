/**
 * The bulk engine: matching answers to items, refusals, concurrency, items never sent (no key,
 * a silent key source, a schema failure), and the one-outcome-per-item law.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { type AccountInput, ApiKey, type DealPipelineInput, RecotapCrm } from "../src/index.js"
import { Fault, RecotapSimulator } from "../src/simulator/index.js"
import {
  crmWith,
  crmWithKeyLayer,
  envelope,
  errorEnvelope,
  failureOf,
  settle,
  singleAttempt,
  successOf
} from "./helpers.js"

const deal = (n: number) => ({ externalDealId: `deal-${n}`, name: `Deal ${n}` })
const pushDeals = (count: number) =>
  Effect.flatMap(RecotapCrm, (crm) => crm.deals.push(Array.from({ length: count }, (_, i) => deal(i))))

describe("matching Recotap's answer to the items", () => {
  it.effect("by key when the results come in another order; Unknown when one is missing or its status is new", () => {
    const { layer } = crmWith(() =>
      envelope({
        results: [
          { externalDealId: "deal-2", status: "upserted" },
          { externalDealId: "deal-0", status: "upserted" },
          { externalDealId: "deal-3", status: "queued" }
        ],
        summary: { total: 4, upserted: 2, failed: 0 }
      })
    )
    return Effect.gen(function*() {
      const result = yield* pushDeals(4)
      expect(result.outcomes.map((o) => o._tag)).toEqual(["Applied", "Unknown", "Applied", "Unknown"])
      expect(result.outcomes[1]?._tag === "Unknown" && result.outcomes[1].error.message).toContain(
        "no result for this item"
      )
      expect(result.outcomes[3]?._tag === "Unknown" && result.outcomes[3].error.message).toContain("queued")
      expect(result.outcomes[2]).toMatchObject({ index: 2, result: { externalDealId: "deal-2" } })
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 400 with violations refuses its batch, naming each item's own problem", () => {
    const { layer } = crmWith(() =>
      errorEnvelope(400, {
        message: "Bad Request",
        data: [{ property: "deals.1.ownerEmail", constraints: { isEmail: "ownerEmail must be an email" } }]
      })
    )
    return Effect.gen(function*() {
      const result = yield* pushDeals(3)
      expect(result.outcomes.map((o) => o._tag === "Rejected" && o.status)).toEqual(["refused", "refused", "refused"])
      expect(result.outcomes[1]).toMatchObject({ error: "ownerEmail must be an email" })
      expect(result.outcomes[0]).toMatchObject({ error: expect.stringContaining("deals.1.ownerEmail") })
    }).pipe(Effect.provide(layer))
  })

  it.effect("an accounts.push entry of an odd shape is read by the schema: one it refuses is Unknown, naming why", () => {
    const { layer } = crmWith(() =>
      envelope({
        results: [
          { externalId: "crm-0", rtp_aid: "rtp-0", domain: "acme.com", status: "created" },
          { externalId: "crm-1", rtp_aid: 42, domain: "globex.com", status: "created" }
        ]
      })
    )
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const result = yield* crm.accounts.push([
        { externalId: "crm-0", name: "Acme", domain: "acme.com" },
        { externalId: "crm-1", name: "Globex", domain: "globex.com" }
      ])
      expect(result.outcomes[0]).toMatchObject({ _tag: "Applied", result: { rtp_aid: "rtp-0" } })
      const odd = result.outcomes[1]
      expect(odd?._tag).toBe("Unknown")
      if (odd?._tag !== "Unknown") return
      expect(odd.error).toMatchObject({
        reason: "Decode",
        method: "POST",
        url: "https://eapi.recotap.com/api/v1/crm/accounts"
      })
      expect(odd.error.message).toContain("no readable result for this item (1 unreadable")
      expect(odd.error.message).toContain("rtp_aid")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 400 naming several problems of one item gives that item all of them", () => {
    const { layer } = crmWith(() =>
      errorEnvelope(400, {
        message: "Bad Request",
        data: [{
          property: "deals.0.ownerEmail",
          constraints: { isEmail: "ownerEmail must be an email", maxLength: "ownerEmail is too long" }
        }]
      })
    )
    return Effect.gen(function*() {
      const result = yield* pushDeals(1)
      expect(result.outcomes[0]).toMatchObject({ error: "ownerEmail must be an email; ownerEmail is too long" })
    }).pipe(Effect.provide(layer))
  })

  it.effect("a body that does not decode makes its batch Unknown", () => {
    const { layer } = crmWith(() => envelope({ results: "nope" }))
    return Effect.gen(function*() {
      const result = yield* pushDeals(2)
      expect(result.summary).toMatchObject({ unknown: 2 })
      expect(result.outcomes[0]?._tag === "Unknown" && result.outcomes[0].error.reason).toBe("Decode")
    }).pipe(Effect.provide(layer))
  })
})

describe("refusals", () => {
  it.effect("a bare 400 refuses only its own request: later requests are still sent", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.script("POST /deals", Fault.status(400))
      const result = yield* Effect.flatMap(RecotapCrm, (crm) =>
        crm.deals.push(Array.from({ length: 150 }, (_, i) => deal(i))))
      expect(sim.requests).toHaveLength(2)
      expect(result.summary).toMatchObject({ rejected: 100, applied: 50 })
    }).pipe(Effect.provide(RecotapSimulator.layerCrm({ config: singleAttempt }))))

  it.effect("a pipeline ID repeated within one call is Invalid, so that its request is not refused whole", () =>
    Effect.gen(function*() {
      const pipeline = (id: string): DealPipelineInput => ({
        pipelineId: id,
        pipelineLabel: id,
        stages: [{ stageId: "s", stageLabel: "S" }]
      })
      const result = yield* Effect.flatMap(
        RecotapCrm,
        (crm) => crm.dealStages.push([pipeline("a"), pipeline("b"), pipeline("a")])
      )
      expect(result.outcomes.map((o) => o._tag)).toEqual(["Applied", "Applied", "Invalid"])
      expect(result.outcomes[2]).toMatchObject({ error: "\"a\" repeats item #0 of this call" })
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))
})

describe("options", () => {
  it.effect("invalid options make every item Invalid, and nothing is sent", () => {
    const { layer, sent } = crmWith(() => envelope({ results: [] }))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const zero = yield* crm.deals.push([deal(1)], { concurrency: 0 })
      const fraction = yield* crm.deals.push([deal(1)], { concurrency: 1.5 })
      const blank = yield* crm.accounts.push([{ externalId: "a", name: "A", domain: "a.com" }], { segmentId: "" })
      expect(zero.outcomes[0]).toMatchObject({
        _tag: "Invalid",
        error: "options.concurrency must be a positive integer"
      })
      expect(fraction.outcomes[0]).toMatchObject({
        _tag: "Invalid",
        error: "options.concurrency must be a positive integer"
      })
      expect(blank.outcomes[0]).toMatchObject({ _tag: "Invalid", error: "options.segmentId must not be blank" })
      expect(sent).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("sends at most `concurrency` requests at once, and keeps outcomes in input order", () => {
    let inFlight = 0
    let most = 0
    const { layer } = crmWith(() =>
      Effect.gen(function*() {
        inFlight += 1
        most = Math.max(most, inFlight)
        yield* Effect.sleep("1 second")
        inFlight -= 1
        return envelope({ results: [] })
      })
    )
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(
        Effect.flatMap(
          RecotapCrm,
          (crm) => crm.deals.push(Array.from({ length: 450 }, (_, i) => deal(i)), { concurrency: 2 })
        )
      )
      for (let i = 0; i < 5; i++) yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(fiber)
      expect(most).toBe(2)
      expect(result.outcomes.map((o) => o.index)).toEqual(Array.from({ length: 450 }, (_, i) => i))
    }).pipe(Effect.provide(layer))
  })

  it.effect("takes any iterable, such as a generator", () => {
    const { layer, sent } = crmWith(() => envelope({ results: [{ externalDealId: "deal-0", status: "upserted" }] }))
    function* deals() {
      yield deal(0)
    }
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expect((yield* crm.deals.push(deals())).summary.applied).toBe(1)
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })
})

// Items of three kinds (valid, invalid, duplicate of an earlier one) and a script of faults for
// the requests, so that every kind of outcome appears.
const itemPlan = FastCheck.constantFrom("valid", "valid", "valid", "invalid", "duplicate")
const faultPlan = FastCheck.constantFrom(
  undefined,
  Fault.status(503),
  Fault.reset(),
  Fault.truncated(),
  Fault.status(400)
)

describe("the one-outcome-per-item law", () => {
  it.effect.prop(
    "every input gets exactly one outcome, in order, consistent with what Recotap stored",
    [
      FastCheck.array(itemPlan, { maxLength: 260 }),
      FastCheck.array(faultPlan, { maxLength: 4 }),
      FastCheck.integer({ min: 1, max: 3 })
    ],
    ([plans, faults, concurrency]) =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        const crm = yield* RecotapCrm
        for (const fault of faults) {
          sim.faults.script("POST /accounts", fault ?? Fault.latency(0))
        }
        const inputs: Array<AccountInput> = plans.map((plan, i) =>
          plan === "invalid"
            ? { externalId: `crm-${i}`, name: "", domain: `d${i}.com` }
            : plan === "duplicate" && i > 0
            ? { externalId: "crm-0", name: `Dup ${i}`, domain: `dup${i}.com` }
            : { externalId: `crm-${i}`, name: `Company ${i}`, domain: `d${i}.com` }
        )
        const result = yield* crm.accounts.push(inputs, { concurrency })

        expect(result.outcomes).toHaveLength(inputs.length)
        result.outcomes.forEach((outcome, i) => {
          expect(outcome.index).toBe(i)
          expect(outcome.input).toBe(inputs[i])
        })
        const { applied, invalid, rejected, total, unavailable, unknown } = result.summary
        expect(applied + rejected + invalid + unavailable + unknown).toBe(total)
        expect(total).toBe(inputs.length)
        const stored = new Set(sim.accounts().map((a) => a.domain))
        for (const outcome of result.outcomes) {
          const domain = (outcome.input as AccountInput).domain
          if (outcome._tag === "Applied") expect(stored.has(domain)).toBe(true)
          if (outcome._tag !== "Applied" && outcome._tag !== "Unknown") expect(stored.has(domain)).toBe(false)
          if (outcome._tag === "Invalid") expect(plans[outcome.index]).toBe("invalid")
        }
      }).pipe(Effect.provide(RecotapSimulator.layerCrm({ config: singleAttempt }))),
    { fastCheck: { numRuns: 40 } }
  )
})

describe("items whose request was never sent", () => {
  const applied = () => envelope({ results: [] })
  const keys: ReadonlyArray<[string, Layer.Layer<ApiKey, unknown>, string, string]> = [
    ["no key configured", ApiKey.layerEffect(Effect.succeed(Option.none())), "MissingApiKey", "NotConfigured"],
    ["a blank key", ApiKey.layer(Redacted.make(" ")), "MissingApiKey", "Blank"],
    ["a key that cannot be a header value", ApiKey.layer(Redacted.make("rk\n")), "InvalidApiKey", "NotAHeaderValue"],
    ["a key source that fails", ApiKey.layerEffect(Effect.fail("vault sealed")), "MissingApiKey", "SourceFailed"],
    ["a key source that does not answer in time", ApiKey.layerEffect(Effect.never), "MissingApiKey", "SourceFailed"]
  ]
  for (const [name, key, tag, reason] of keys) {
    it.effect(`${name}: the call fails with ${tag} (${reason}), nothing sent, no item Unknown`, () => {
      const { layer, sent } = crmWithKeyLayer(applied, key, { timeout: "2 seconds" })
      return Effect.gen(function*() {
        expect(failureOf(yield* settle(pushDeals(250)))).toMatchObject({ _tag: tag, reason })
        expect(sent).toHaveLength(0)
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("a deadline that passes while the key source is silent: every item Unavailable, no attempt made", () => {
    const { layer, sent } = crmWithKeyLayer(applied, ApiKey.layerEffect(Effect.never), { deadline: "1 second" })
    return Effect.gen(function*() {
      const result = successOf(yield* settle(pushDeals(250)))
      expect(result.summary).toMatchObject({ total: 250, unavailable: 250 })
      expect(result.outcomes[249]).toMatchObject({
        _tag: "Unavailable",
        error: { reason: "Timeout", notProcessed: true, attempts: 0 }
      })
      expect(sent).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("an item that fails its schema is Invalid, and only it is left out of the request", () => {
    const { layer, sent } = crmWith(() => envelope({ results: [{ externalDealId: "deal-0", status: "upserted" }] }))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const result = yield* crm.deals.push([deal(0), { externalDealId: "", name: "Nameless" }])
      expect(result.outcomes.map((o) => o._tag)).toEqual(["Applied", "Invalid"])
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })
})
