/** salesActivities.push against the simulator: requests of 50, calls and emails, create-only, and the local checks. */
import { describe, expect, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import { type CallActivity, type EmailActivity, RecotapCrm, type SalesActivityInput } from "../src/index.js"
import { RecotapSimulator, type Simulator } from "../src/simulator/index.js"

const ROUTE = "POST /sales-activities"

type Call = typeof CallActivity.Type
type Email = typeof EmailActivity.Type

const contacts: Call["contacts"] = [{ email: "ann@acme.com", name: "Ann Lee", title: "VP Sales" }]

const common = (id: string) => ({
  externalActivityId: id,
  occurredAt: "2026-04-22T10:30:00Z",
  domain: "acme.com",
  ownerEmail: "rita@seller.com",
  contacts
})

/** A valid call. */
const call = (id: string, rest: Partial<Call> = {}): Call => ({ ...common(id), activityType: "call", ...rest })

/** A valid email. */
const email = (id: string, rest: Partial<Email> = {}): Email => ({ ...common(id), activityType: "email", ...rest })

/** The activities of each `POST /sales-activities` request. */
const sentBatches = (sim: Simulator) =>
  sim.requests
    .filter((r) => r.route === ROUTE)
    .map((r) => (r.body as { activities: ReadonlyArray<Record<string, unknown>> }).activities)

const errorOf = (outcome: { readonly _tag: string } | undefined) =>
  outcome !== undefined && "error" in outcome && typeof outcome.error === "string" ? outcome.error : undefined

describe("salesActivities.push", () => {
  it.effect("sends 101 activities in 3 requests of at most 50; calls and emails are created", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      const input = Array.from({ length: 101 }, (_, n): SalesActivityInput =>
        n % 2 === 0
          ? call(`a-${n}`, { callTitle: "Intro", durationMinutes: 12.5, outcome: "Connected", direction: "outbound" })
          : email(`a-${n}`, { subject: "Follow-up", openCount: 3, clickCount: 1 }))
      const result = yield* crm.salesActivities.push(input)

      expect(result.outcomes).toEqual(input.map((activity, index) => ({
        _tag: "Applied",
        index,
        input: activity,
        status: "created",
        result: { externalActivityId: activity.externalActivityId, status: "created" }
      })))
      expect(result.summary).toEqual({ total: 101, applied: 101, rejected: 0, invalid: 0, unavailable: 0, unknown: 0 })
      expect(sentBatches(sim).map((b) => b.length)).toEqual([50, 50, 1])
      expect(sim.activities()).toEqual(input)
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("a repeated externalActivityId is Rejected as failed, with Recotap's reason; the first one stays", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      const first = call("a-1", { subject: "First" })
      yield* crm.salesActivities.push([first])
      // Again in a later push, and twice within one request.
      const result = yield* crm.salesActivities.push([call("a-1", { subject: "Second" }), email("a-2"), email("a-2")])
      expect(result.outcomes).toMatchObject([
        {
          _tag: "Rejected",
          index: 0,
          status: "failed",
          error: "Activity with externalActivityId 'a-1' already exists"
        },
        { _tag: "Applied", index: 1, status: "created" },
        { _tag: "Rejected", index: 2, status: "failed", error: "Activity with externalActivityId 'a-2' already exists" }
      ])
      expect(result.summary).toEqual({ total: 3, applied: 1, rejected: 2, invalid: 0, unavailable: 0, unknown: 0 })
      expect(sim.activities()).toEqual([first, email("a-2")])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("fields of the other activity type are type errors, and Invalid at run time", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      // @ts-expect-error direction is a call-only field
      const emailWithDirection: SalesActivityInput = { ...common("e-1"), activityType: "email", direction: "inbound" }
      // @ts-expect-error openCount is an email-only field
      const callWithOpenCount: SalesActivityInput = { ...common("c-1"), activityType: "call", openCount: 2 }
      // @ts-expect-error callTitle is a call-only field
      const emailWithCallTitle: SalesActivityInput = { ...common("e-2"), activityType: "email", callTitle: "Intro" }

      const result = yield* crm.salesActivities.push([
        emailWithDirection,
        callWithOpenCount,
        emailWithCallTitle,
        call("ok")
      ])
      expect(result.outcomes.map((o) => [o._tag, o.index])).toEqual([["Invalid", 0], ["Invalid", 1], ["Invalid", 2], [
        "Applied",
        3
      ]])
      expect(errorOf(result.outcomes[0])).toContain("direction: is unexpected")
      expect(errorOf(result.outcomes[1])).toContain("openCount: is unexpected")
      expect(errorOf(result.outcomes[2])).toContain("callTitle: is unexpected")
      expect(sentBatches(sim).map((b) => b.map((a) => a["externalActivityId"]))).toEqual([["ok"]])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  const invalid: ReadonlyArray<readonly [string, unknown, string]> = [
    [
      "an activity type other than call or email",
      { ...common("x"), activityType: "meeting" },
      `activityType: Expected "call" | "email", actual "meeting"`
    ],
    ["no contacts", call("x", { contacts: [] as unknown as Call["contacts"] }), "contacts.0: is missing"],
    [
      "contacts without any email",
      call("x", { contacts: [{ name: "Ann Lee" }, { phone: "+1 555 0100" }] }),
      "contacts: at least one contact needs an email"
    ],
    [
      "a contact with an invalid email",
      call("x", { contacts: [{ email: "ann at acme" }] }),
      "contacts.0.email: must be an email"
    ],
    ["a blank externalActivityId", call(" "), "externalActivityId: must not be empty"],
    [
      "a non-ISO occurredAt",
      email("x", { occurredAt: "yesterday" }),
      "occurredAt: must be a valid ISO 8601 date string"
    ],
    ["a blank domain", email("x", { domain: "" }), "domain: must not be empty"],
    ["an invalid ownerEmail", call("x", { ownerEmail: "rita" }), "ownerEmail: must be an email"],
    [
      "an invalid direction",
      { ...call("x"), direction: "sideways" },
      `direction: Expected "inbound" | "outbound", actual "sideways"`
    ],
    [
      "a negative call duration",
      call("x", { durationMinutes: -1 }),
      "durationMinutes: Expected a non-negative number, actual -1"
    ],
    ["a fractional open count", email("x", { openCount: 1.5 }), "openCount: Expected an integer, actual 1.5"]
  ]

  for (const [name, activity, message] of invalid) {
    it.effect(`${name} is Invalid and never sent`, () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        const crm = yield* RecotapCrm
        const result = yield* crm.salesActivities.push([activity as SalesActivityInput, email("ok")])
        expect(result.outcomes).toMatchObject([{ _tag: "Invalid", index: 0 }, { _tag: "Applied", index: 1 }])
        expect(result.outcomes[0]?.input).toBe(activity)
        expect(errorOf(result.outcomes[0])).toContain(message)
        expect(sentBatches(sim).map((b) => b.map((a) => a["externalActivityId"]))).toEqual([["ok"]])
      }).pipe(Effect.provide(RecotapSimulator.layerCrm())))
  }

  it.effect("sends occurredAt given as a Date or a DateTime as ISO 8601", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      const result = yield* crm.salesActivities.push([
        call("d-1", { occurredAt: new Date("2026-04-22T10:30:00Z") }),
        email("d-2", { occurredAt: DateTime.unsafeMake("2026-04-23T08:15:30.250Z") }),
        email("d-3", { occurredAt: "2026-04-24T09:00:00+02:00" })
      ])
      expect(result.summary.applied).toBe(3)
      expect(sentBatches(sim).flat().map((a) => a["occurredAt"])).toEqual([
        "2026-04-22T10:30:00.000Z",
        "2026-04-23T08:15:30.250Z",
        "2026-04-24T09:00:00+02:00"
      ])
      expect(sim.activities().map((a) => a["occurredAt"])).toEqual([
        "2026-04-22T10:30:00.000Z",
        "2026-04-23T08:15:30.250Z",
        "2026-04-24T09:00:00+02:00"
      ])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("a refused key fails the whole call with InvalidApiKey", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.revokeKey("sim-key")
      const crm = yield* RecotapCrm
      expect(yield* Effect.flip(crm.salesActivities.push([call("a-1")]))).toMatchObject({ _tag: "InvalidApiKey" })
      expect(sim.activities()).toEqual([])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))
})
