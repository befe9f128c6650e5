/** Writing accounts: push (bulk), update, external-ID mapping, unmapped listing; against the simulator. */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type AccountInput, type RecotapConfigOptions, RecotapCrm } from "../src/index.js"
import { Fault, RecotapSimulator, type Simulator } from "../src/simulator/index.js"
import { singleAttempt } from "./helpers.js"

const accounts = (count: number, from = 0): Array<AccountInput> =>
  Array.from({ length: count }, (_, i) => ({
    externalId: `crm-${from + i}`,
    name: `Company ${from + i}`,
    domain: `https://www.company${from + i}.com/`
  }))

const pushes = (sim: Simulator) => sim.requests.filter((r) => r.route === "POST /accounts")
const sentCount = (sim: Simulator) => pushes(sim).map((r) => (r.body as { accounts: Array<unknown> }).accounts.length)

const withCrm = <A, E>(
  program: (sim: Simulator, crm: RecotapCrm["Type"]) => Effect.Effect<A, E>,
  config: RecotapConfigOptions = {}
) =>
  Effect.gen(function*() {
    return yield* program(yield* RecotapSimulator, yield* RecotapCrm)
  }).pipe(Effect.provide(RecotapSimulator.layerCrm({ config })))

describe("accounts.push", () => {
  it.effect("splits 250 accounts into requests of 100, 100 and 50, and reports each in order", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        const input = accounts(250)
        const result = yield* crm.accounts.push(input)
        expect(sentCount(sim)).toEqual([100, 100, 50])
        expect(result.summary).toEqual({
          total: 250,
          applied: 250,
          rejected: 0,
          invalid: 0,
          unavailable: 0,
          unknown: 0
        })
        result.outcomes.forEach((outcome, i) => {
          expect(outcome).toMatchObject({ _tag: "Applied", index: i, status: "created", input: input[i] })
        })
        expect(result.outcomes[7]).toMatchObject({ result: { externalId: "crm-7", domain: "company7.com" } })
        expect(sim.accounts()).toHaveLength(250)
        expect(pushes(sim).every((r) => r.contentType === "application/json")).toBe(true)
      })
    ))

  it.effect("sends nothing for no accounts", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        const result = yield* crm.accounts.push([])
        expect(result).toEqual({
          outcomes: [],
          summary: { total: 0, applied: 0, rejected: 0, invalid: 0, unavailable: 0, unknown: 0 }
        })
        expect(sim.requests).toHaveLength(0)
      })
    ))

  it.effect("reports invalid items without sinking the valid ones of their batch", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        const input = [
          ...accounts(2),
          { externalId: "crm-x", name: "No domain", domain: " " },
          { externalId: "crm-y", name: "Extra", domain: "y.com", website: "y.com" } as AccountInput,
          { externalId: "crm-z", name: "Bad value", domain: "z.com", customFields: { A_C: { nested: true } } } as never,
          ...accounts(1, 2)
        ]
        const result = yield* crm.accounts.push(input)
        expect(result.outcomes.map((o) => o._tag)).toEqual([
          "Applied",
          "Applied",
          "Invalid",
          "Invalid",
          "Invalid",
          "Applied"
        ])
        const reasons = result.outcomes.flatMap((o) => (o._tag === "Invalid" ? [o.error] : []))
        expect(reasons[0]).toContain("domain")
        expect(reasons[1]).toContain("website")
        expect(reasons[2]).toContain("customFields")
        expect(sentCount(sim)).toEqual([3])
      })
    ))

  it.effect("reports Recotap's per-item failures with its text", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        sim.seedCustomFields([{ label: "Source", labelType: "singleLineText" }])
        yield* crm.accounts.push(accounts(2))
        const again = yield* crm.accounts.push([
          { ...accounts(1)[0]!, name: "Renamed" },
          { externalId: "crm-9", name: "Unknown field", domain: "nine.com", customFields: { NOPE_C: 1 } },
          { externalId: "crm-8", name: "Known field", domain: "eight.com", customFields: { SOURCE_C: "event" } }
        ])
        expect(again.outcomes.map((o) => [o._tag, "status" in o ? o.status : ""])).toEqual([
          ["Rejected", "failed"],
          ["Rejected", "failed"],
          ["Applied", "created"]
        ])
        expect(again.outcomes[0]).toMatchObject({ error: "Account with externalId 'crm-0' already exists" })
        expect(again.outcomes[1]).toMatchObject({
          error: expect.stringContaining("Custom field key(s) not found: NOPE_C")
        })
      })
    ))

  it.effect("upsert is refused locally in the CRM revision, which does not document it: nothing is sent", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        const result = yield* crm.accounts.push(accounts(2), { upsert: true })
        expect(result.outcomes.map((o) => o._tag)).toEqual(["Invalid", "Invalid"])
        expect(result.outcomes[0]).toMatchObject({ error: expect.stringContaining("External revision") })
        expect(sim.requests).toHaveLength(0)
      })
    ))

  it.effect("adds pushed accounts to a segment", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        sim.seedSegments([{ segmentId: "seg-001", name: "Q2 Target Accounts" }])
        yield* crm.accounts.push(accounts(3), { segmentId: "seg-001" })
        expect(sim.segments()[0]?.members).toEqual(["company0.com", "company1.com", "company2.com"])
      })
    ))

  it.effect("stops after a request refused as a whole: a segment that accepts no members", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        sim.seedSegments([{ segmentId: "abc", name: "Archived", status: "archived" }])
        const result = yield* crm.accounts.push(accounts(250), { segmentId: "abc" })
        expect(pushes(sim)).toHaveLength(1)
        expect(result.summary).toMatchObject({ total: 250, rejected: 250 })
        expect(result.outcomes[0]).toMatchObject({
          _tag: "Rejected",
          status: "refused",
          error: expect.stringContaining("Segment 'abc' is not active or draft and cannot accept new members")
        })
        expect(result.outcomes[249]).toMatchObject({ status: "refused", error: expect.stringContaining("not sent") })
        expect(sim.accounts()).toHaveLength(0)
      })
    ))

  it.effect("a batch lost in transport is Unknown, only that batch; one refused with 503 is Unavailable", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        sim.faults.script("POST /accounts", Fault.latency(0), Fault.status(503), Fault.truncated())
        const result = yield* crm.accounts.push(accounts(300))
        const kinds = result.outcomes.map((o) => (o._tag === "Rejected" ? o.status : o._tag))
        expect(new Set(kinds.slice(0, 100))).toEqual(new Set(["Applied"]))
        // A 503 is answered before processing: certainly not applied, safe to resend.
        expect(new Set(kinds.slice(100, 200))).toEqual(new Set(["Unavailable"]))
        // The truncated answer came after processing: applied, but the client cannot know.
        expect(new Set(kinds.slice(200, 300))).toEqual(new Set(["Unknown"]))
        const unknown = result.outcomes[250]
        expect(unknown?._tag === "Unknown" && unknown.error).toMatchObject({
          _tag: "TransportError",
          reason: "Transport"
        })
        expect(sim.accounts()).toHaveLength(200)
        expect(sim.accounts().at(-1)?.externalId).toBe("crm-299")
      }), singleAttempt))

  it.effect("fails as a whole only when the key is refused", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        sim.revokeKey("sim-key")
        const error = yield* Effect.flip(crm.accounts.push(accounts(3)))
        expect(error._tag).toBe("InvalidApiKey")
      })
    ))
})

describe("accounts.update", () => {
  it.effect("merges custom fields into one account", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        sim.seedCustomFields([
          { label: "Crm Stage", labelType: "singleLineText" },
          { label: "Renewal Date", labelType: "date" }
        ])
        sim.seedAccounts([{
          name: "Acme",
          domain: "acme.com",
          externalId: "crm/1",
          customFields: { CRM_STAGE_C: "POC" }
        }])
        yield* crm.accounts.update({ externalId: "crm/1" }, { customFields: { RENEWAL_DATE_C: "2027-01-01" } })
        expect(sim.account("crm/1").customFields).toEqual({ CRM_STAGE_C: "POC", RENEWAL_DATE_C: "2027-01-01" })
        const put = sim.requests.at(-1)
        expect(put?.url).toBe("https://simulator.recotap.invalid/api/v1/crm/accounts/crm%2F1")
        expect(put?.body).toEqual({ customFields: { RENEWAL_DATE_C: "2027-01-01" } })
      })
    ))

  it.effect("NotFound for an unknown account; BadRequest from the server for an unknown key", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        sim.seedAccounts([{ name: "Acme", domain: "acme.com", externalId: "crm-1" }])
        const missing = yield* Effect.flip(crm.accounts.update({ externalId: "crm-404" }, { customFields: {} }))
        expect(missing).toMatchObject({
          _tag: "NotFound",
          customMessage: "Account with externalId 'crm-404' not found"
        })
        const unknownKey = yield* Effect.flip(
          crm.accounts.update({ externalId: "crm-1" }, { customFields: { NOPE_C: 1 } })
        )
        expect(unknownKey).toMatchObject({ _tag: "BadRequest", origin: "server" })
        expect(unknownKey.message).toContain("Custom field key(s) not found: NOPE_C")
      })
    ))

  it.effect("invalid input is a BadRequest from the client, and nothing is sent", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        const blankId = yield* Effect.flip(crm.accounts.update({ externalId: " " }, { customFields: {} }))
        expect(blankId).toMatchObject({ _tag: "BadRequest", origin: "client" })
        expect(blankId.message).toContain("externalId")
        const extra = yield* Effect.flip(
          crm.accounts.update({ externalId: "crm-1" }, { customFields: {}, domain: "x" } as never)
        )
        expect(extra.message).toContain("domain")
        expect(sim.requests).toHaveLength(0)
      })
    ))
})

describe("accounts.mapExternalIds and listUnmapped", () => {
  it.effect("lists accounts without external ID, maps them, reports unknown domains", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        sim.seedAccounts([
          { name: "Acme", domain: "acme.com" },
          { name: "Globex", domain: "globex.com" },
          { name: "Mapped", domain: "mapped.com", externalId: "crm-0" }
        ])
        expect(yield* crm.accounts.listUnmapped()).toEqual([
          { name: "Acme", domain: "acme.com" },
          { name: "Globex", domain: "globex.com" }
        ])
        expect(yield* crm.accounts.listUnmapped({ limit: 1 })).toHaveLength(1)
        const result = yield* crm.accounts.mapExternalIds([
          { domain: "https://www.acme.com", externalId: "crm-1" },
          { domain: "unknown.com", externalId: "crm-2" },
          { domain: "globex.com", externalId: "crm-3" }
        ])
        expect(result.outcomes.map((o) => [o._tag, "status" in o ? o.status : ""])).toEqual([
          ["Applied", "updated"],
          ["Rejected", "notFound"],
          ["Applied", "updated"]
        ])
        expect(sim.account("acme.com").externalId).toBe("crm-1")
        expect(yield* crm.accounts.listUnmapped()).toEqual([])
      })
    ))

  it.effect("sends 100 mappings per request", () =>
    withCrm((sim, crm) =>
      Effect.gen(function*() {
        const mappings = Array.from({ length: 101 }, (_, i) => ({ domain: `d${i}.com`, externalId: `e${i}` }))
        const result = yield* crm.accounts.mapExternalIds(mappings)
        expect(sim.requests.map((r) => (r.body as { mappings: Array<unknown> }).mappings.length)).toEqual([100, 1])
        expect(result.summary).toMatchObject({ total: 101, rejected: 101 })
      })
    ))
})
