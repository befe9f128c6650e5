/**
 * "Valid here" means "valid there": the server validates emails and dates with class-validator,
 * that is the `validator` package with default options. One item the server would refuse gets
 * its whole request (up to 100 deals, 50 activities) refused with a 400; one the client refused
 * that the server accepts could never be sent. The verdicts below are the server's.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import isEmailModule from "validator/lib/isEmail.js"
import isISO8601Module from "validator/lib/isISO8601.js"
import { RecotapCrm } from "../src/index.js"
import { activity, crmWith, envelope } from "./helpers.js"

/** [input, accepted by the server] */
const EMAILS: ReadonlyArray<readonly [string, boolean]> = [
  ["rep@us.com", true],
  ["first.last@example.co.uk", true],
  ["user+tag@example.com", true],
  ["a@b.co", true],
  ["UPPER@EXAMPLE.COM", true],
  ["x_y-z@sub.domain.io", true],
  ["\"quoted name\"@example.com", true],
  ["üñî@example.com", true],
  ["a@b.c", false],
  ["a..b@x.com", false],
  ["foo@bar.com.", false],
  ["a@[1.2.3.4]", false],
  ["a@1.2.3.4", false],
  [".a@x.com", false],
  ["a.@x.com", false],
  ["a@x", false],
  ["a b@x.com", false],
  ["a@x..com", false],
  ["a@-x.com", false],
  ["@x.com", false],
  ["a@", false],
  ["Name <a@x.com>", false],
  ["a@x_y.com", false]
]

const DATES: ReadonlyArray<readonly [string, boolean]> = [
  ["2026-04-22T10:30:00Z", true],
  ["2026-04-22T10:30:00.000Z", true],
  ["2026-04-22T10:30:00.123456Z", true],
  ["2026-04-22T10:30:00+05:30", true],
  ["2026-04-22T10:30:00+05", true],
  ["2026-04-22T10:30:00z", true],
  ["2026-04-22 10:30:00", true],
  ["2026-04-22T10:30", true],
  ["2026-04-22", true],
  ["2026-04", true],
  ["2026", true],
  ["20260422", true],
  ["2026-W17", true],
  ["2026-112", true],
  ["2026-02-30", true],
  ["2026-04-22T24:00:00Z", false],
  ["2026-13-01", false],
  ["2026-04-32", false],
  ["22/04/2026", false],
  ["April 22, 2026", false],
  ["2026-04-22T10:30:00 Z", false],
  ["2026-04-22T10:60:00Z", false],
  ["", false],
  ["now", false]
]

describe("the server's verdicts, as a table", () => {
  it("are validator's, with class-validator's default options", () => {
    expect(EMAILS.length).toBeGreaterThanOrEqual(20)
    expect(DATES.length).toBeGreaterThanOrEqual(20)
    for (const [email, accepted] of EMAILS) expect([email, isEmailModule.default(email)]).toEqual([email, accepted])
    for (const [date, accepted] of DATES) expect([date, isISO8601Module.default(date)]).toEqual([date, accepted])
  })
})

/** Pushes one deal per input through the client; returns which were sent (the rest are `Invalid`). */
const sentVerdicts = <A>(inputs: ReadonlyArray<A>, deal: (input: A, i: number) => Record<string, unknown>) =>
  Effect.gen(function*() {
    const { layer } = crmWith(() =>
      envelope({ results: inputs.map((_, i) => ({ externalDealId: `d-${i}`, status: "upserted" })) })
    )
    const crm = yield* Effect.provide(RecotapCrm, layer)
    const result = yield* crm.deals.push(
      inputs.map((input, i) => ({ externalDealId: `d-${i}`, name: "Deal", ...deal(input, i) }))
    )
    return result.outcomes.map((o) => o._tag !== "Invalid")
  })

describe("the client agrees with the server", () => {
  it.effect("on emails (a deal's ownerEmail)", () =>
    Effect.gen(function*() {
      const verdicts = yield* sentVerdicts(EMAILS, ([ownerEmail]) => ({ ownerEmail }))
      expect(EMAILS.map(([email], i) => [email, verdicts[i]])).toEqual(
        EMAILS.map(([email, accepted]) => [email, accepted])
      )
    }))

  it.effect("on dates (a deal's startDate and closedDate)", () =>
    Effect.gen(function*() {
      const starts = yield* sentVerdicts(DATES, ([startDate]) => ({ startDate }))
      const closes = yield* sentVerdicts(DATES, ([closedDate]) => ({ closedDate }))
      const expected = DATES.map(([date, accepted]) => [date, accepted])
      expect(DATES.map(([date], i) => [date, starts[i]])).toEqual(expected)
      expect(DATES.map(([date], i) => [date, closes[i]])).toEqual(expected)
    }))

  it.effect("on a sales activity's occurredAt and ownerEmail, sent as given", () =>
    Effect.gen(function*() {
      const { layer, sent } = crmWith(() => envelope({ results: [{ externalActivityId: "act-1", status: "created" }] }))
      const crm = yield* Effect.provide(RecotapCrm, layer)
      const result = yield* crm.salesActivities.push([
        { ...activity(1), occurredAt: "2026-04-22 10:30:00", ownerEmail: "rep@us.co" },
        { ...activity(2), occurredAt: "2026-04-22T24:00:00Z" },
        { ...activity(3), ownerEmail: "rep@us.c" }
      ])
      expect(result.outcomes.map((o) => o._tag)).toEqual(["Applied", "Invalid", "Invalid"])
      expect(sent).toHaveLength(1)
    }))
})
