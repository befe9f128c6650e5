/** deals.push against the simulator: batching, upserts, dates on the wire, local checks and partial failures. */
import { describe, expect, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import { Bulk, type BulkOutcome, type DealInput, type DealResult, RecotapCrm } from "../src/index.js"
import { Fault, RecotapSimulator, type Simulator } from "../src/simulator/index.js"
import { singleAttempt } from "./helpers.js"

const ROUTE = "POST /deals"

/** A valid deal. */
const deal = (n: number, rest: Partial<DealInput> = {}): DealInput => ({
  externalDealId: `deal-${n}`,
  name: `Deal ${n}`,
  amount: 1_000 + n,
  ...rest
})

const deals = (count: number) => Array.from({ length: count }, (_, n) => deal(n))

/** The `POST /deals` requests the simulator received, as the lists of deals they carried. */
const sentBatches = (sim: Simulator) =>
  sim.requests.filter((r) => r.route === ROUTE).map((r) =>
    (r.body as { deals: ReadonlyArray<Record<string, unknown>> }).deals
  )

const applied = (input: DealInput, index: number): BulkOutcome<DealInput, DealResult> => ({
  _tag: "Applied",
  index,
  input,
  status: "upserted",
  result: { externalDealId: input.externalDealId, status: "upserted" }
})

describe("deals.push", () => {
  it.effect("sends 250 deals in 3 requests and reports one upserted outcome per deal, in input order", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      const input = deals(250)
      const result = yield* crm.deals.push(input)

      expect(result.outcomes).toEqual(input.map(applied))
      result.outcomes.forEach((outcome, i) => expect(outcome.input).toBe(input[i]))
      expect(result.summary).toEqual({ total: 250, applied: 250, rejected: 0, invalid: 0, unavailable: 0, unknown: 0 })

      const batches = sentBatches(sim)
      expect(batches.map((b) => b.length)).toEqual([100, 100, 50])
      expect(batches.flat().map((d) => d["externalDealId"])).toEqual(input.map((d) => d.externalDealId))
      expect(sim.requests.every((r) => r.contentType?.includes("application/json"))).toBe(true)
      expect(sim.deals()).toHaveLength(250)
      expect(sim.deals()[7]).toEqual({ externalDealId: "deal-7", name: "Deal 7", amount: 1_007, linkedAccounts: [] })
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("with concurrency, outcomes still come in input order", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      const input = deals(450)
      const result = yield* crm.deals.push(input, { concurrency: 3 })
      expect(result.outcomes).toEqual(input.map(applied))
      expect(sentBatches(sim).map((b) => b.length)).toEqual([100, 100, 100, 100, 50])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("pushing an externalDealId again updates the deal instead of adding one", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      const first = yield* crm.deals.push([deal(1, { amount: 100, stageLabel: "Discovery" })])
      const second = yield* crm.deals.push([deal(1, { amount: 250, stageLabel: "Closed Won" })])
      expect([first.outcomes[0], second.outcomes[0]]).toMatchObject([
        { _tag: "Applied", status: "upserted" },
        { _tag: "Applied", status: "upserted" }
      ])
      expect(sim.deals()).toHaveLength(1)
      expect(sim.deals()[0]).toMatchObject({ externalDealId: "deal-1", amount: 250, stageLabel: "Closed Won" })
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("sends every documented field, and links associated accounts by their domain", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const [acme] = sim.seedAccounts([{ name: "Acme", domain: "acme.com", externalId: "crm-1" }])
      const crm = yield* RecotapCrm
      const full = deal(1, {
        stageId: "s-won",
        stageLabel: "Closed Won",
        pipelineId: "p-smb",
        pipelineLabel: "SMB",
        ownerName: "Rita Rep",
        ownerEmail: "rita@seller.com",
        ownerId: "u-7",
        dealCurrencyCode: "EUR",
        associatedAccounts: [{ domain: "https://www.Acme.com/pricing", name: "Acme" }, {
          externalId: "crm-404",
          domain: "nowhere.io"
        }]
      })
      const result = yield* crm.deals.push([full])
      expect(result.outcomes).toEqual([applied(full, 0)])
      expect(sentBatches(sim)).toEqual([[full]])
      // An unmatched domain leaves the account unlinked, the deal is still stored.
      expect(sim.deals()).toEqual([{ ...full, linkedAccounts: [acme!.rtp_aid] }])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("sends Date, DateTime and ISO string dates as ISO 8601", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      const table: ReadonlyArray<readonly [NonNullable<DealInput["startDate"]>, string]> = [
        [new Date("2026-04-22T10:30:00Z"), "2026-04-22T10:30:00.000Z"],
        [DateTime.unsafeMake("2026-06-30T00:00:00Z"), "2026-06-30T00:00:00.000Z"],
        [
          DateTime.unsafeMakeZoned(new Date("2026-07-01T08:00:00Z"), { timeZone: "Europe/Paris" }),
          "2026-07-01T08:00:00.000Z"
        ],
        ["2026-04-22", "2026-04-22"],
        ["2026-05-01T09:00:00+02:00", "2026-05-01T09:00:00+02:00"]
      ]
      const result = yield* crm.deals.push(table.map(([date], n) => deal(n, { startDate: date, closedDate: date })))
      expect(result.summary.applied).toBe(table.length)
      expect(sentBatches(sim).flat().map((d) => [d["startDate"], d["closedDate"]])).toEqual(
        table.map(([, sent]) => [sent, sent])
      )
      expect(sim.deals().map((d) => d["closedDate"])).toEqual(table.map(([, sent]) => sent))
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("invalid deals are Invalid, named by field, and never sent; the valid ones of the batch are applied", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      const invalid: ReadonlyArray<readonly [DealInput, string]> = [
        [deal(1, { externalDealId: "  " }), "externalDealId: must not be empty"],
        [deal(2, { name: "" }), "name: must not be empty"],
        [deal(3, { ownerEmail: "rita at seller" }), "ownerEmail: must be an email"],
        [deal(4, { startDate: "22/04/2026" }), "startDate: must be a valid ISO 8601 date string"],
        [deal(5, { closedDate: "next week" }), "closedDate: must be a valid ISO 8601 date string"],
        [deal(6, { startDate: new Date("not a date") }), "startDate: Expected string | Instant, actual Invalid Date"],
        [deal(7, { amount: Number.NaN }), "amount: Expected a finite number, actual NaN"],
        [{ ...deal(8), closeDate: "2026-06-30" } as DealInput, "closeDate: is unexpected"],
        [
          deal(9, { associatedAccounts: [{ domain: "acme.com", website: "acme.com" } as { domain: string }] }),
          "associatedAccounts.0.website: is unexpected"
        ]
      ]
      // Valid deals around and between the invalid ones.
      const input = [deal(0), ...invalid.flatMap(([bad], i) => [bad, deal(100 + i)])]
      const result = yield* crm.deals.push(input)

      expect(result.summary).toEqual({ total: 19, applied: 10, rejected: 0, invalid: 9, unavailable: 0, unknown: 0 })
      expect(result.outcomes.map((o) => [o._tag, o.index])).toEqual(
        input.map((_, i) => [i % 2 === 0 ? "Applied" : "Invalid", i])
      )
      invalid.forEach(([bad, message], i) => {
        const outcome = result.outcomes[2 * i + 1]
        expect(outcome).toMatchObject({ _tag: "Invalid", index: 2 * i + 1 })
        expect(outcome?.input).toBe(bad)
        expect(outcome?._tag === "Invalid" && outcome.error).toContain(message)
      })
      const valid = input.filter((_, i) => i % 2 === 0).map((d) => d.externalDealId)
      expect(sentBatches(sim).map((b) => b.map((d) => d["externalDealId"]))).toEqual([valid])
      expect(sim.deals().map((d) => d["externalDealId"])).toEqual(valid)
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("nothing to push sends nothing: no deals, or only invalid ones", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      expect(yield* crm.deals.push([])).toEqual({
        outcomes: [],
        summary: { total: 0, applied: 0, rejected: 0, invalid: 0, unavailable: 0, unknown: 0 }
      })
      const onlyInvalid = yield* crm.deals.push([deal(1, { externalDealId: "" })])
      expect(onlyInvalid.summary).toEqual({ total: 1, applied: 0, rejected: 0, invalid: 1, unavailable: 0, unknown: 0 })
      expect(sim.requests).toEqual([])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("an invalid concurrency makes every deal Invalid, and nothing is sent", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      const result = yield* crm.deals.push(deals(3), { concurrency: 0 })
      expect(result.outcomes.map((o) => o._tag === "Invalid" && o.error)).toEqual(
        Array(3).fill("options.concurrency must be a positive integer")
      )
      expect(sim.requests).toEqual([])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  // The 2nd request fails; `latency(0)` lets the 1st through untouched.
  const transportFailures = [
    { name: "a connection reset", fault: Fault.reset(), reason: "Transport", status: undefined, stored: false },
    // Processed, then cut short: the deals were upserted though the answer was lost.
    { name: "a truncated answer", fault: Fault.truncated(), reason: "Transport", status: 200, stored: true },
    { name: "a malformed answer", fault: Fault.malformedJson(), reason: "Decode", status: 200, stored: true }
  ] as const

  for (const { fault, name, reason, status, stored } of transportFailures) {
    it.effect(`${name} on the 2nd request makes exactly that batch Unknown; the others are applied`, () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        sim.faults.script(ROUTE, Fault.latency(0), fault)
        const crm = yield* RecotapCrm
        const input = deals(250)
        const result = yield* crm.deals.push(input)

        expect(result.summary).toEqual({
          total: 250,
          applied: 150,
          rejected: 0,
          invalid: 0,
          unavailable: 0,
          unknown: 100
        })
        result.outcomes.forEach((outcome, i) => {
          if (i >= 100 && i < 200) {
            expect(outcome).toMatchObject({ _tag: "Unknown", index: i, error: { _tag: "TransportError", reason } })
            expect(outcome._tag === "Unknown" && outcome.error.status).toBe(status)
            expect(outcome.input).toBe(input[i])
          } else {
            expect(outcome).toEqual(applied(input[i]!, i))
          }
        })
        expect(Bulk.unknownInputs(result)).toEqual(input.slice(100, 200))
        expect(sentBatches(sim).map((b) => b.length)).toEqual([100, 100, 50])
        expect(sim.deals()).toHaveLength(stored ? 250 : 150)

        // Deals are upserts: resending the unknown ones is safe.
        const resent = yield* crm.deals.push(Bulk.unknownInputs(result))
        expect(resent.summary).toEqual({
          total: 100,
          applied: 100,
          rejected: 0,
          invalid: 0,
          unavailable: 0,
          unknown: 0
        })
        expect(sim.deals()).toHaveLength(250)
      }).pipe(Effect.provide(RecotapSimulator.layerCrm({ config: singleAttempt }))))
  }

  it.effect("a 503 on the 2nd request: that batch is Unavailable (never processed), the others applied", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.script(ROUTE, Fault.latency(0), Fault.status(503))
      const crm = yield* RecotapCrm
      const input = deals(250)
      const result = yield* crm.deals.push(input)

      expect(result.summary).toEqual({
        total: 250,
        applied: 150,
        rejected: 0,
        invalid: 0,
        unavailable: 100,
        unknown: 0
      })
      expect(result.outcomes[150]).toMatchObject({
        _tag: "Unavailable",
        error: { _tag: "TransportError", status: 503 }
      })
      expect(Bulk.unavailableInputs(result)).toEqual(input.slice(100, 200))
      expect(sim.deals()).toHaveLength(150)
    }).pipe(Effect.provide(RecotapSimulator.layerCrm({ config: singleAttempt }))))

  it.effect("a refused key fails the whole call with InvalidApiKey", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.revokeKey("sim-key")
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(crm.deals.push(deals(250)))
      expect(error).toMatchObject({ _tag: "InvalidApiKey", reason: "RejectedByServer", method: "POST" })
      expect(error.message).toContain("Invalid API key")
      // It stops at the first refusal.
      expect(sentBatches(sim)).toHaveLength(1)
      expect(sim.deals()).toEqual([])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))
})
