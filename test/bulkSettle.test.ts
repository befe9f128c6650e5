/**
 * Bulk writes that settle, against the simulator: faults before and after the write was applied,
 * reconciliation by read-back (accounts, deal stages) and by resend (activities, deals, upserts,
 * mappings), waits on the TestClock, and what is left when the rounds run out.
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as BulkSettle from "../src/BulkSettle.js"
import { type AccountInput, type DealInput, type DealPipelineInput, RecotapConfig, RecotapCrm } from "../src/index.js"
import { Fault, RecotapSimulator, type Simulator } from "../src/simulator/index.js"
import { SIMULATOR_ORIGIN } from "../src/simulator/SimulatorHttpClient.js"
import { activity, SIM_PROFILES, singleAttempt, successOf } from "./helpers.js"

const withEnv = (env: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromJson(env))

/** A scripted fault that changes nothing: the request at its place in the script goes through. */
const pass = Fault.latency(0)

/**
 * Runs a settling write to its end, moving the TestClock to each wait's end and the simulator's clock
 * by as much: the service's time passes with the client's, no more (a read lag outlasting a wait shows).
 */
const drive = <A, E>(effect: Effect.Effect<A, E, RecotapCrm>) =>
  Effect.gen(function*() {
    const sim = yield* RecotapSimulator
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < 3000 && Option.isNone(yield* fiber.poll); i++) {
      const now = yield* TestClock.currentTimeMillis
      const wakeUps = [...yield* TestClock.sleeps()].filter((at) => at > now)
      const step = wakeUps.length === 0 ? 1 : Math.min(...wakeUps) - now
      sim.advance(`${step} millis`)
      yield* TestClock.adjust(step)
    }
    return successOf(yield* Fiber.await(fiber))
  })

/** Lets forked fibers run until `done` holds (at most 1,000 yields). */
const until = (done: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1_000 && !done(); i++) yield* Effect.yieldNow()
    expect(done()).toBe(true)
  })

/** The requests to a route. */
const requestsTo = (sim: Simulator, route: string) => sim.requests.filter((request) => request.route === route)

/** Every item sent to a bulk route, over all its requests. */
const itemsSent = <A>(sim: Simulator, route: string, field: string): ReadonlyArray<A> =>
  requestsTo(sim, route).flatMap((request) => (request.body as Record<string, ReadonlyArray<A>>)[field] ?? [])

const account = (n: number): AccountInput => ({
  externalId: `crm-${n}`,
  name: `Company ${n}`,
  domain: `co${n}.example`
})

const pipeline = (id: string, label = `Pipeline ${id}`): DealPipelineInput => ({
  pipelineId: id,
  pipelineLabel: label,
  stages: [{ stageId: "open", stageLabel: "Open" }, { stageId: "won", stageLabel: "Won" }]
})

const deal = (n: number): DealInput => ({ externalDealId: `d-${n}`, name: `Deal ${n}` })

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

const tags = (outcomes: ReadonlyArray<{ readonly _tag: string }>) => outcomes.map((outcome) => outcome._tag)

for (const profile of SIM_PROFILES) {
  describe(`BulkSettle on the simulator (${profile} profile)`, () => {
    const referenceOnly = profile === "reference" ? it.effect : it.effect.skip

    describe("settleAccountPush (CRM revision: read back by a delta read)", () => {
      it.effect(
        "2,000 accounts through faults before and after apply: each settles, once, as Recotap holds it",
        () =>
          Effect.gen(function*() {
            const sim = yield* RecotapSimulator
            sim.seedAccounts([{ name: "Taken Inc", domain: "taken.example", externalId: "crm-taken" }])
            const input: Array<AccountInput> = Array.from({ length: 2000 }, (_, n) => account(n))
            // In the third request (valid items 200-299): its domain is someone else's account.
            input.splice(250, 0, { externalId: "crm-clash", name: "Clash", domain: "https://www.Taken.example/about" })
            input.splice(1000, 0, { name: "No ID", domain: "noid.example" }) // the CRM revision needs externalId
            input.splice(1500, 0, { externalId: "crm-blank", name: " ", domain: "blank.example" })
            sim.faults.script(
              "POST /accounts",
              Fault.truncated(), // request 1: applied, the answer cut short
              pass,
              Fault.reset(), // request 3: not applied, but Unknown to a create-only write
              pass,
              Fault.malformedJson(), // request 5: applied, the answer unreadable
              Fault.status(503), // request 6: not processed: Unavailable
              Fault.status(500), // request 7: not applied, Unknown
              Fault.rateLimited(5), // request 8: not processed: Unavailable, come back in 5 s
              Fault.latency(60_000) // request 9: applied, answered after the 30 s timeout: Unknown
            )

            const result = yield* drive(BulkSettle.settleAccountPush(input))

            expect(result.summary).toEqual({
              total: 2003,
              applied: 2000,
              rejected: 1,
              invalid: 2,
              unavailable: 0,
              unknown: 0,
              rounds: 2,
              reconciled: 300,
              resent: 400,
              settled: true
            })
            expect(result.outcomes.map((outcome) => outcome.index)).toEqual(input.map((_, i) => i))
            const at = (position: number) => result.outcomes[position]

            // Requests 1, 5 and 9 (input positions 0-99, 400-499, 800-899): applied, the answer lost.
            // Proven by the read-back, not sent again.
            for (const position of [0, 99, 400, 499, 800, 899]) {
              expect(at(position)).toMatchObject({
                _tag: "Applied",
                status: "created",
                reconciled: true,
                result: undefined,
                sends: 1,
                rounds: 2,
                evidence: expect.stringContaining(`domain ${input[position]!.domain}`),
                history: [{ _tag: "Sent", round: 1, outcome: "Unknown" }, {
                  _tag: "ReadBack",
                  round: 2,
                  found: "Applied"
                }]
              })
            }
            // Requests 3 and 7: not applied, read back as absent, sent again.
            for (const position of [200, 299, 600, 699]) {
              expect(at(position)).toMatchObject({
                _tag: "Applied",
                reconciled: false,
                sends: 2,
                history: [
                  { _tag: "Sent", round: 1, outcome: "Unknown" },
                  { _tag: "ReadBack", round: 2, found: "Absent" },
                  { _tag: "Sent", round: 2, outcome: "Applied" }
                ]
              })
            }
            // Requests 6 and 8: certainly not processed, sent again after the wait, without a read-back.
            for (const position of [500, 599, 700, 799]) {
              expect(at(position)).toMatchObject({
                _tag: "Applied",
                sends: 2,
                history: [{ _tag: "Sent", round: 1, outcome: "Unavailable" }, {
                  _tag: "Sent",
                  round: 2,
                  outcome: "Applied"
                }]
              })
            }
            const byId = new Map(
              result.outcomes.map((outcome) => [(outcome.input as AccountInput).externalId, outcome])
            )
            // Untouched requests: applied at once.
            expect(byId.get("crm-100")).toMatchObject({ _tag: "Applied", reconciled: false, sends: 1, rounds: 1 })
            // The read-back showed another account under its domain: sent again, and Recotap's refusal is final.
            expect(byId.get("crm-clash")).toMatchObject({
              _tag: "Rejected",
              status: "failed",
              error: expect.stringContaining("Account with domain 'taken.example' already exists"),
              sends: 2,
              history: [
                { _tag: "Sent", round: 1, outcome: "Unknown" },
                { _tag: "ReadBack", round: 2, found: "Conflict" },
                { _tag: "Sent", round: 2, outcome: "Rejected" }
              ]
            })
            // Invalid items: never sent.
            expect(result.outcomes[1000]).toMatchObject({ _tag: "Invalid", sends: 0, history: [] })
            expect(result.outcomes[1500]).toMatchObject({ _tag: "Invalid", sends: 0, history: [] })
            const sent = itemsSent<AccountInput>(sim, "POST /accounts", "accounts")
            expect(sent.filter((a) => a.domain === "noid.example" || a.domain === "blank.example")).toEqual([])
            expect(sent).toHaveLength(2001 + 400)
            expect(requestsTo(sim, "POST /accounts")).toHaveLength(21 + 4)
            // The reconciled items were sent once: never a second create.
            const sends = new Map<string, number>()
            for (const a of sent) sends.set(a.externalId!, (sends.get(a.externalId!) ?? 0) + 1)
            for (const position of [...range(0, 100), ...range(400, 500), ...range(800, 900)]) {
              expect(sends.get(input[position]!.externalId!)).toBe(1)
            }
            // The read-back was a delta read from just before the write.
            expect(requestsTo(sim, "GET /accounts").some((r) => new URL(r.url).searchParams.has("lastSync"))).toBe(true)

            // Recotap holds exactly one account per domain: every valid one, and the one that was there.
            const held = sim.accounts()
            expect(held).toHaveLength(2001)
            expect(new Set(held.map((a) => a.domain)).size).toBe(2001)
            expect(held.filter((a) => a.domain === "taken.example")).toMatchObject([{ externalId: "crm-taken" }])
            // Each Applied account is held as it was pushed.
            for (const outcome of result.outcomes) {
              if (outcome._tag !== "Applied") continue
              const pushed = outcome.input
              expect(sim.account(pushed.externalId!)).toMatchObject({ domain: pushed.domain, name: pushed.name })
            }
            expect(new Set(held.map((a) => a.externalId))).toEqual(
              new Set(["crm-taken", ...Array.from({ length: 2000 }, (_, n) => `crm-${n}`)])
            )
          }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt }))),
        20_000
      )

      // Reference-only: pins each step with reads that show a write at once; under a lagging read the steps
      // differ (the end of this file shows a lagging read settling without a false refusal).
      referenceOnly(
        "a failed read-back leaves the items unknown, unsent; the next round reads again",
        () =>
          Effect.gen(function*() {
            const sim = yield* RecotapSimulator
            sim.faults.script("POST /accounts", Fault.truncated())
            // The checkpoint read goes through; the first read-back fails.
            sim.faults.script("GET /accounts", pass, Fault.status(500))
            const result = yield* drive(
              BulkSettle.settleAccountPush([account(1), account(2)], { backoff: "10 millis" })
            )

            expect(result.summary).toMatchObject({ applied: 2, reconciled: 2, rounds: 1, settled: true })
            expect(result.outcomes[0]).toMatchObject({
              sends: 1,
              rounds: 3,
              history: [
                { _tag: "Sent", round: 1, outcome: "Unknown" },
                { _tag: "ReadBack", round: 2, found: "ReadFailed" },
                { _tag: "ReadBack", round: 3, found: "Applied" }
              ]
            })
            expect(requestsTo(sim, "POST /accounts")).toHaveLength(1)
          }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt })))
      )

      // The refusal's words decide nothing: whatever it says, only the read-back tells.
      for (const refusal of ["Account with externalId 'crm-1' already exists", "Unable to process this account"]) {
        // Reference-only: pins each step with reads that show a write at once; under a lagging read the steps
        // differ (the end of this file shows a lagging read settling without a false refusal).
        referenceOnly(
          `a resend refused after an unknown outcome ("${refusal}") is read back, not reported Rejected`,
          () =>
            Effect.gen(function*() {
              const sim = yield* RecotapSimulator
              // Round 1 is reset (not applied); round 2's resend meets the account (as if round 1's request had
              // been applied late) and is refused.
              sim.faults.script("POST /accounts", Fault.reset())
              let lateApply = true
              sim.failItems("POST /accounts", () => {
                if (!lateApply) return undefined
                lateApply = false
                sim.seedAccounts([{ name: "company 1", domain: "CO1.example", externalId: "crm-1" }])
                return refusal
              })
              const result = yield* drive(BulkSettle.settleAccountPush([account(1)], { backoff: "10 millis" }))

              expect(result.outcomes[0]).toMatchObject({
                _tag: "Applied",
                reconciled: true,
                sends: 2,
                history: [
                  { _tag: "Sent", round: 1, outcome: "Unknown" },
                  { _tag: "ReadBack", round: 2, found: "Absent" },
                  { _tag: "Sent", round: 2, outcome: "Rejected" },
                  { _tag: "ReadBack", round: 3, found: "Applied" }
                ]
              })
              expect(sim.accounts()).toHaveLength(1)
            }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt })))
        )
      }

      it.effect("when the rounds run out with the read-back failing: Unknown, sent once, never Applied", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          sim.faults.always("POST /accounts", Fault.truncated()).always("GET /accounts", Fault.status(500))
          const result = yield* drive(
            BulkSettle.settleAccountPush([account(1), account(2)], { maxRounds: 3, backoff: "10 millis" })
          )

          expect(result.summary).toMatchObject({ applied: 0, unknown: 2, settled: false, reconciled: 0 })
          expect(result.outcomes[0]).toMatchObject({ _tag: "Unknown", sends: 1, error: { _tag: "TransportError" } })
          expect(result.outcomes[0]?.history.map((step) => step._tag === "ReadBack" && step.found)).toEqual([
            false,
            "ReadFailed",
            "ReadFailed",
            "ReadFailed"
          ])
          expect(BulkSettle.unsettledInputs(result)).toEqual([account(1), account(2)])
          // Recotap did apply them: unproven, they are not claimed.
          expect(sim.accounts()).toHaveLength(2)
          expect(requestsTo(sim, "POST /accounts")).toHaveLength(1)
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt }))))
    })

    describe("settleAccountPush (External revision)", () => {
      const input = Array.from(
        { length: 150 },
        (_, n) => ({ name: `Company ${n}`, domain: `https://www.co${n}.example/` })
      )

      it.effect("reads back by domain, 100 domains a request, without a delta read", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          sim.faults.script("POST /accounts", Fault.truncated(), Fault.reset())
          const result = yield* drive(BulkSettle.settleAccountPush(input))

          expect(result.summary).toMatchObject({ applied: 150, reconciled: 100, resent: 50, settled: true })
          const reads = requestsTo(sim, "GET /accounts").map((r) => new URL(r.url).searchParams)
          expect(reads.map((params) => JSON.parse(params.get("domains") ?? "[]").length)).toEqual([100, 50])
          expect(reads.some((params) => params.has("lastSync"))).toBe(false)
          expect(new Set(sim.accounts().map((a) => a.domain)).size).toBe(150)
          expect(sim.accounts()).toHaveLength(150)
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, revision: "external", config: singleAttempt }))))

      // Reference-only: pins each step with reads that show a write at once; under a lagging read the steps
      // differ (the end of this file shows a lagging read settling without a false refusal).
      referenceOnly(
        "a failed read of 100 domains leaves only those unknown, read again next round",
        () =>
          Effect.gen(function*() {
            const sim = yield* RecotapSimulator
            sim.faults.script("POST /accounts", Fault.truncated(), Fault.reset())
            sim.faults.script("GET /accounts", Fault.status(500))
            const result = yield* drive(BulkSettle.settleAccountPush(input, { backoff: "10 millis" }))

            expect(result.summary).toMatchObject({ applied: 150, reconciled: 100, resent: 50, settled: true })
            expect(result.outcomes[0]?.history).toMatchObject([
              { _tag: "Sent", round: 1, outcome: "Unknown" },
              { _tag: "ReadBack", round: 2, found: "ReadFailed" },
              { _tag: "ReadBack", round: 3, found: "Applied" }
            ])
            expect(result.outcomes[100]?.history).toMatchObject([
              { _tag: "Sent", round: 1, outcome: "Unknown" },
              { _tag: "ReadBack", round: 2, found: "Absent" },
              { _tag: "Sent", round: 2, outcome: "Applied" }
            ])
            expect(sim.accounts()).toHaveLength(150)
          }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, revision: "external", config: singleAttempt })))
      )

      it.effect("the revision is the client's own: built by RecotapCrm.layerConfig, no RecotapConfig in context", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          const crm = yield* RecotapCrm
          // The settings live inside the client's layer: the context holds only the defaults (CRM).
          expect((yield* RecotapConfig).revision).toBe("crm")
          expect(crm.revision).toBe("external")
          sim.faults.script("POST /accounts", Fault.truncated(), Fault.reset())
          const result = yield* drive(BulkSettle.settleAccountPush(input))

          expect(result.summary).toMatchObject({ applied: 150, reconciled: 100, resent: 50, settled: true })
          const reads = requestsTo(sim, "GET /accounts").map((r) => new URL(r.url).searchParams)
          expect(reads.map((params) => JSON.parse(params.get("domains") ?? "[]").length)).toEqual([100, 50])
          expect(reads.some((params) => params.has("lastSync"))).toBe(false)
          expect(sim.accounts()).toHaveLength(150)
        }).pipe(
          Effect.provide(
            RecotapCrm.layerConfig().pipe(Layer.provideMerge(RecotapSimulator.layer({ profile, revision: "external" })))
          ),
          Effect.provide(withEnv({
            RECOTAP_API_KEY: "sim-key",
            RECOTAP_REVISION: "external",
            RECOTAP_BASE_URL: `${SIMULATOR_ORIGIN}/api/v1`,
            RECOTAP_MAX_RETRIES: "0"
          }))
        ))

      it.effect("an upsert is sent again, without a read-back", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          sim.faults.script("POST /accounts", Fault.truncated())
          const result = yield* drive(BulkSettle.settleAccountPush(input.slice(0, 3), { upsert: true }))

          expect(tags(result.outcomes)).toEqual(["Applied", "Applied", "Applied"])
          expect(result.outcomes[0]).toMatchObject({ status: "updated", reconciled: false, sends: 2 })
          expect(requestsTo(sim, "GET /accounts")).toEqual([])
          expect(sim.accounts()).toHaveLength(3)
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, revision: "external", config: singleAttempt }))))
    })

    describe("settleSalesActivities (create-only, no read endpoint: a refused resend leaves it Unknown)", () => {
      it.effect("faults before and after apply: a refusal saying 'already exists' proves nothing, the item stays Unknown", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          // An activity that exists before: refused on its first send, which is final.
          yield* BulkSettle.settleSalesActivities([activity(999)])
          sim.clearRequests()
          sim.faults.script(
            "POST /sales-activities",
            Fault.truncated(), // request 1: applied, answer lost
            Fault.reset(), // request 2: not applied
            Fault.malformedJson() // request 3: applied, answer unreadable
          )
          const input = [...Array.from({ length: 160 }, (_, n) => activity(n)), activity(999)]
          const result = yield* drive(BulkSettle.settleSalesActivities(input))

          expect(result.summary).toMatchObject({
            total: 161,
            applied: 60,
            rejected: 1,
            unknown: 100,
            reconciled: 0,
            resent: 150,
            rounds: 2,
            settled: false
          })
          // Applied by request 1 or 3, the answer lost; the resend refused as a duplicate. Without a
          // read endpoint, nothing tells this apart from an activity someone else created: Unknown.
          for (const n of [0, 49, 100, 149]) {
            expect(result.outcomes[n]).toMatchObject({
              _tag: "Unknown",
              error: { _tag: "TransportError" },
              reason: expect.stringContaining(`Activity with externalActivityId 'act-${n}' already exists`),
              sends: 2,
              history: [{ _tag: "Sent", round: 1, outcome: "Unknown" }, { _tag: "Sent", round: 2, outcome: "Rejected" }]
            })
            expect(result.outcomes[n]?._tag === "Unknown" && result.outcomes[n].reason).toContain(
              "there is no endpoint to read sales activities back"
            )
          }
          expect(result.outcomes[50]).toMatchObject({
            _tag: "Applied",
            reconciled: false,
            result: { status: "created" }
          })
          expect(result.outcomes[150]).toMatchObject({ _tag: "Applied", reconciled: false, sends: 1 })
          expect(result.outcomes[160]).toMatchObject({
            _tag: "Rejected",
            status: "failed",
            error: "Activity with externalActivityId 'act-999' already exists",
            sends: 1
          })
          expect(BulkSettle.unsettledInputs(result)).toHaveLength(100)

          const ids = sim.activities().map((a) => a["externalActivityId"])
          expect(ids).toHaveLength(161)
          expect(new Set(ids).size).toBe(161)
          expect(requestsTo(sim, "POST /sales-activities")).toHaveLength(4 + 3)
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt }))))

      it.effect("a resend refused in any words stays Unknown; not sent a third time", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          sim.faults.script("POST /sales-activities", Fault.reset())
          sim.failItems("POST /sales-activities", () => "Activity could not be processed")
          const result = yield* drive(BulkSettle.settleSalesActivities([activity(1)], { backoff: "10 millis" }))

          expect(result.outcomes[0]).toMatchObject({
            _tag: "Unknown",
            sends: 2,
            reason: expect.stringContaining("refused (failed: Activity could not be processed)")
          })
          expect(requestsTo(sim, "POST /sales-activities")).toHaveLength(2)
          expect(sim.activities()).toEqual([])
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt }))))

      it.effect("when every answer is lost, the rounds run out: Unknown, never Applied", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          sim.faults.always("POST /sales-activities", Fault.truncated())
          const result = yield* drive(
            BulkSettle.settleSalesActivities([activity(1), activity(2)], { maxRounds: 3, backoff: "10 millis" })
          )

          expect(result.summary).toMatchObject({ applied: 0, unknown: 2, rounds: 3, settled: false })
          expect(result.outcomes[0]).toMatchObject({
            _tag: "Unknown",
            sends: 3,
            reason: expect.stringContaining("a send whose answer was lost may have applied it")
          })
          expect(sim.activities()).toHaveLength(2)
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt }))))
    })

    describe("settleDealStages (create-only, all or nothing: read back with dealStages.list())", () => {
      it.effect("faults before and after apply, and a request refused for one existing pipeline", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          yield* BulkSettle.settleDealStages([pipeline("p-42", "Someone else's")])
          sim.faults.script("POST /deal-stages", Fault.truncated(), Fault.reset())
          const input = Array.from({ length: 45 }, (_, n) => pipeline(`p-${String(n).padStart(2, "0")}`))
          const result = yield* drive(BulkSettle.settleDealStages(input))

          expect(result.summary).toMatchObject({
            applied: 44,
            rejected: 1,
            reconciled: 20,
            resent: 24,
            rounds: 2,
            settled: true
          })
          // Created, the answer cut short: listed by dealStages.list(), not sent again.
          expect(result.outcomes[0]).toMatchObject({
            _tag: "Applied",
            reconciled: true,
            sends: 1,
            evidence: expect.stringContaining("\"Pipeline p-00\" with stages [open, won]")
          })
          // Not created (reset): absent from the list, sent again.
          expect(result.outcomes[20]).toMatchObject({
            _tag: "Applied",
            reconciled: false,
            history: [
              { _tag: "Sent", outcome: "Unknown" },
              { _tag: "ReadBack", found: "Absent" },
              { _tag: "Sent", outcome: "Applied" }
            ]
          })
          // The existing pipeline is refused; the others of its request are sent again without it.
          expect(result.outcomes[42]).toMatchObject({
            _tag: "Rejected",
            status: "refused",
            error: expect.stringContaining("Pipeline(s) already exist: p-42")
          })
          expect(result.outcomes[40]).toMatchObject({
            _tag: "Applied",
            sends: 2,
            history: [{ _tag: "Sent", outcome: "Rejected" }, { _tag: "Sent", outcome: "Applied" }]
          })
          expect(sim.pipelines()).toHaveLength(45)
          expect(sim.pipelines().find((p) => p.pipelineId === "p-42")?.pipelineLabel).toBe("Someone else's")
          expect(requestsTo(sim, "GET /deal-stages")).toHaveLength(1)
          const sent = itemsSent<DealPipelineInput>(sim, "POST /deal-stages", "pipelines").map((p) => p.pipelineId)
          expect(sent.filter((id) => id === "p-00")).toHaveLength(1)
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt }))))

      it.effect("a pipeline listed with other stages after an unknown outcome: not ours, Recotap's refusal is final", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          const crm = yield* RecotapCrm
          sim.faults.script("POST /deal-stages", Fault.reset())
          const fiber = yield* Effect.fork(BulkSettle.settleDealStages([pipeline("p-1")], { backoff: "10 seconds" }))
          yield* until(() => requestsTo(sim, "POST /deal-stages").length === 1)
          // Someone else registers p-1 while the fate of our request is unknown.
          yield* crm.dealStages.push([{ ...pipeline("p-1"), stages: [{ stageId: "other", stageLabel: "Other" }] }])
          yield* TestClock.adjust("10 seconds")
          const result = yield* Fiber.join(fiber)

          expect(result.outcomes[0]).toMatchObject({
            _tag: "Rejected",
            status: "refused",
            error: expect.stringContaining("Pipeline(s) already exist: p-1"),
            history: [
              { _tag: "Sent", round: 1, outcome: "Unknown" },
              { _tag: "ReadBack", round: 2, found: "Conflict", detail: expect.stringContaining("stages [other]") },
              { _tag: "Sent", round: 2, outcome: "Rejected" }
            ]
          })
          expect(sim.pipelines()).toMatchObject([{ pipelineId: "p-1", stages: [{ stageId: "other" }] }])
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt }))))
    })

    describe("a refusal never proves an apply: a read-back does, where the API has one", () => {
      /** An answer served in place of the real one, the request not processed: a stale or odd read. */
      const served = (data: unknown) =>
        Fault.status(200, JSON.stringify({ statusCode: 200, timestamp: "2026-01-01T00:00:00.000Z", path: "/", data }))
      const noAccounts = served({
        data: [],
        nextCursor: null,
        hasNextPage: false,
        syncTimestamp: "2026-01-01T00:00:00Z"
      })
      const steps = (outcome: { readonly history: ReadonlyArray<BulkSettle.SettleStep> } | undefined) =>
        outcome?.history.map((step) => (step._tag === "Sent" ? `Sent ${step.outcome}` : `ReadBack ${step.found}`))
      const options = { backoff: "10 millis" } as const
      /** Sent, its answer lost; read back as absent; sent again and refused; then read back again: `found`. */
      const refusedThenRead = (...found: ReadonlyArray<string>) => [
        "Sent Unknown",
        "ReadBack Absent",
        "Sent Rejected",
        ...found.map((f) => `ReadBack ${f}`)
      ]

      describe("accounts, CRM revision (read back by a delta read, which finds the externalId)", () => {
        const crmSim = RecotapSimulator.layerCrm({ profile, config: singleAttempt })

        // Reference-only: pins each step with reads that show a write at once; under a lagging read the steps
        // differ (the end of this file shows a lagging read settling without a false refusal).
        referenceOnly(
          "applied, its answer lost, a stale read, the resend refused 'already exists': read back, Applied",
          () =>
            Effect.gen(function*() {
              const sim = yield* RecotapSimulator
              sim.faults.script("POST /accounts", Fault.truncated())
              // Round 1's checkpoint goes through; round 2's read-back is stale (it misses the account).
              sim.faults.script("GET /accounts", pass, noAccounts)
              const result = yield* drive(BulkSettle.settleAccountPush([account(1)], options))

              expect(steps(result.outcomes[0])).toEqual(refusedThenRead("Applied"))
              expect(result.outcomes[0]).toMatchObject({
                _tag: "Applied",
                reconciled: true,
                sends: 2,
                evidence: expect.stringContaining("externalId \"crm-1\"")
              })
              const pushes = requestsTo(sim, "POST /accounts")
              expect(pushes).toHaveLength(2)
              const reads = requestsTo(sim, "GET /accounts").map((r) => new URL(r.url).searchParams)
              expect(reads.at(-1)?.has("lastSync")).toBe(true)
              expect(sim.accounts()).toHaveLength(1)
            }).pipe(Effect.provide(crmSim))
        )

        it.effect("a resend refused 'already exists' that the read-back does not find: Unknown (the read may lag), not sent again", () =>
          Effect.gen(function*() {
            const sim = yield* RecotapSimulator
            sim.faults.script("POST /accounts", Fault.reset())
            sim.failItems("POST /accounts", () => "Account with externalId 'crm-1' already exists")
            const result = yield* drive(BulkSettle.settleAccountPush([account(1)], options))

            const history = steps(result.outcomes[0]) ?? []
            expect(history.slice(0, 4)).toEqual(refusedThenRead("Absent"))
            expect(history.slice(4).every((step) => step === "ReadBack Absent")).toBe(true)
            expect(result.outcomes[0]).toMatchObject({
              _tag: "Unknown",
              sends: 2,
              reason: expect.stringContaining("may lag behind the earlier send")
            })
            expect(result.outcomes[0]!._tag === "Unknown" && result.outcomes[0]!.reason).toContain(
              "Account with externalId 'crm-1' already exists"
            )
            expect(sim.accounts()).toEqual([])
          }).pipe(Effect.provide(crmSim)))

        it.effect("when the read-back cannot confirm it, the account stays Unknown, with the reason", () =>
          Effect.gen(function*() {
            const sim = yield* RecotapSimulator
            sim.faults.script("POST /accounts", Fault.truncated())
            sim.faults.script("GET /accounts", pass, noAccounts).always("GET /accounts", Fault.status(500))
            const result = yield* drive(BulkSettle.settleAccountPush([account(1)], { ...options, maxRounds: 3 }))

            expect(steps(result.outcomes[0])).toEqual(refusedThenRead("ReadFailed", "ReadFailed"))
            expect(result.outcomes[0]).toMatchObject({
              _tag: "Unknown",
              sends: 2,
              error: { _tag: "TransportError", reason: "Transport" },
              reason: expect.stringMatching(
                /^no read-back could tell whether it was applied: the read-back failed: .*500/
              )
            })
            expect(result.summary).toMatchObject({ applied: 0, unknown: 1, settled: false })
            // Recotap does hold it: unproven, it is not claimed.
            expect(sim.accounts()).toHaveLength(1)
          }).pipe(Effect.provide(crmSim)))
      })

      describe("accounts, External revision (read back by GET /accounts?domains=...)", () => {
        const externalSim = RecotapSimulator.layerCrm({ profile, revision: "external", config: singleAttempt })
        const input: AccountInput = { name: "Company 1", domain: "https://www.CO1.example/" }

        // Reference-only: pins each step with reads that show a write at once; under a lagging read the steps
        // differ (the end of this file shows a lagging read settling without a false refusal).
        referenceOnly(
          "applied, its answer lost, a stale read, the resend refused 'already exists': read back, Applied",
          () =>
            Effect.gen(function*() {
              const sim = yield* RecotapSimulator
              sim.faults.script("POST /accounts", Fault.truncated())
              sim.faults.script("GET /accounts", noAccounts)
              const result = yield* drive(BulkSettle.settleAccountPush([input], options))

              expect(steps(result.outcomes[0])).toEqual(refusedThenRead("Applied"))
              expect(result.outcomes[0]).toMatchObject({
                _tag: "Applied",
                reconciled: true,
                evidence: expect.stringContaining("domain co1.example")
              })
              const reads = requestsTo(sim, "GET /accounts").map((r) => new URL(r.url).searchParams.get("domains"))
              expect(reads).toEqual(["[\"co1.example\"]", "[\"co1.example\"]"])
              expect(sim.accounts()).toHaveLength(1)
            }).pipe(Effect.provide(externalSim))
        )

        // Reference-only: pins each step with reads that show a write at once; under a lagging read the steps
        // differ (the end of this file shows a lagging read settling without a false refusal).
        referenceOnly(
          "the resend refused because another account holds the domain: the refusal stands",
          () =>
            Effect.gen(function*() {
              const sim = yield* RecotapSimulator
              sim.faults.script("POST /accounts", Fault.reset())
              let first = true
              sim.failItems("POST /accounts", () => {
                // Someone else takes the domain just before the resend; the service then refuses it itself.
                if (first) sim.seedAccounts([{ name: "Someone Else", domain: "co1.example" }])
                first = false
                return undefined
              })
              const result = yield* drive(BulkSettle.settleAccountPush([input], options))

              expect(steps(result.outcomes[0])).toEqual(refusedThenRead("Conflict"))
              expect(result.outcomes[0]).toMatchObject({
                _tag: "Rejected",
                error: expect.stringContaining("Account with domain 'co1.example' already exists")
              })
              expect(sim.accounts()).toMatchObject([{ name: "Someone Else" }])
            }).pipe(Effect.provide(externalSim))
        )

        it.effect("an account under its domain that cannot be read: Unknown, with the reason", () =>
          Effect.gen(function*() {
            const sim = yield* RecotapSimulator
            sim.faults.script("POST /accounts", Fault.truncated())
            sim.faults.always(
              "GET /accounts",
              served({
                data: [{ domain: "co1.example", name: null, rtp_aid: "a1" }],
                nextCursor: null,
                hasNextPage: false
              })
            )
            const result = yield* drive(BulkSettle.settleAccountPush([input], { ...options, maxRounds: 2 }))

            expect(steps(result.outcomes[0])).toEqual(["Sent Unknown", "ReadBack Unreadable", "ReadBack Unreadable"])
            expect(result.outcomes[0]).toMatchObject({
              _tag: "Unknown",
              sends: 1,
              reason: expect.stringMatching(
                /Recotap holds an account under its key (that|whose name) could not be read/
              )
            })
          }).pipe(Effect.provide(externalSim)))
      })

      describe("deal stages (read back with dealStages.list(), readable pipelines only)", () => {
        const crmSim = RecotapSimulator.layerCrm({ profile, config: singleAttempt })

        it.effect("created, its answer lost, a stale list, the resend refused with a 409: read back, Applied", () =>
          Effect.gen(function*() {
            const sim = yield* RecotapSimulator
            sim.faults.script("POST /deal-stages", Fault.truncated())
            sim.faults.script("GET /deal-stages", Fault.status(200, "[]"))
            const result = yield* drive(BulkSettle.settleDealStages([pipeline("p-1")], options))

            expect(steps(result.outcomes[0])).toEqual(refusedThenRead("Applied"))
            expect(result.outcomes[0]).toMatchObject({ _tag: "Applied", reconciled: true, sends: 2 })
            expect(sim.pipelines()).toHaveLength(1)
          }).pipe(Effect.provide(crmSim)))

        it.effect("a 409 naming it when the list does not hold it: Unknown (the list may lag), not sent again", () =>
          Effect.gen(function*() {
            const sim = yield* RecotapSimulator
            const conflict = JSON.stringify({
              statusCode: 409,
              message: "Conflict",
              customMessage: "Pipeline(s) already exist: p-1. Use the update endpoint to modify existing pipelines."
            })
            sim.faults.script("POST /deal-stages", Fault.reset(), Fault.status(409, conflict))
            const result = yield* drive(BulkSettle.settleDealStages([pipeline("p-1")], options))

            const history = steps(result.outcomes[0]) ?? []
            expect(history.slice(0, 4)).toEqual(refusedThenRead("Absent"))
            expect(history.slice(4).every((step) => step === "ReadBack Absent")).toBe(true)
            expect(result.outcomes[0]).toMatchObject({
              _tag: "Unknown",
              sends: 2,
              reason: expect.stringContaining("Pipeline(s) already exist: p-1")
            })
            expect(sim.pipelines()).toEqual([])
          }).pipe(Effect.provide(crmSim)))

        it.effect("listed only in a shape that cannot be read: Unknown, with the reason, not sent again", () =>
          Effect.gen(function*() {
            const sim = yield* RecotapSimulator
            sim.faults.script("POST /deal-stages", Fault.truncated())
            sim.faults.always(
              "GET /deal-stages",
              Fault.status(200, JSON.stringify([{ id: "p-1", label: "Pipeline p-1" }]))
            )
            const result = yield* drive(BulkSettle.settleDealStages([pipeline("p-1")], { ...options, maxRounds: 2 }))

            expect(steps(result.outcomes[0])).toEqual(["Sent Unknown", "ReadBack Unreadable", "ReadBack Unreadable"])
            expect(result.outcomes[0]).toMatchObject({
              _tag: "Unknown",
              sends: 1,
              reason: expect.stringContaining("may be it and cannot be read as a pipeline (#0: pipelineId: is missing")
            })
            expect(requestsTo(sim, "POST /deal-stages")).toHaveLength(1)
          }).pipe(Effect.provide(crmSim)))

        it.effect("an item of another shape that names another pipeline does not hide an absent one", () =>
          Effect.gen(function*() {
            const sim = yield* RecotapSimulator
            sim.faults.script("POST /deal-stages", Fault.reset())
            sim.faults.script(
              "GET /deal-stages",
              Fault.status(200, JSON.stringify([{ pipelineId: "p-9", stages: "?" }]))
            )
            const result = yield* drive(BulkSettle.settleDealStages([pipeline("p-1")], options))

            expect(steps(result.outcomes[0])).toEqual(["Sent Unknown", "ReadBack Absent", "Sent Applied"])
            expect(sim.pipelines()).toMatchObject([{ pipelineId: "p-1" }])
          }).pipe(Effect.provide(crmSim)))
      })

      describe("deals and mappings (no read-back: a refused resend leaves the item Unknown)", () => {
        it.effect("a deal whose answer was lost and whose resend is refused stays Unknown", () =>
          Effect.gen(function*() {
            const sim = yield* RecotapSimulator
            sim.faults.script("POST /deals", Fault.truncated())
            let sends = 0
            sim.failItems("POST /deals", () => (sends++ === 0 ? undefined : "Deal could not be processed"))
            const result = yield* drive(BulkSettle.settleDeals([deal(1)], options))

            expect(steps(result.outcomes[0])).toEqual(["Sent Unknown", "Sent Rejected"])
            expect(result.outcomes[0]).toMatchObject({
              _tag: "Unknown",
              reason: expect.stringContaining("there is no endpoint to read deals back")
            })
            expect(sim.deals()).toHaveLength(1)
          }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt }))))

        it.effect("a mapping whose answer was lost and whose resend is refused as a whole stays Unknown", () =>
          Effect.gen(function*() {
            const sim = yield* RecotapSimulator
            sim.seedAccounts([{ name: "Acme", domain: "acme.com" }])
            sim.faults.script("PATCH /accounts/external-ids", Fault.truncated(), Fault.status(400))
            const result = yield* drive(
              BulkSettle.settleExternalIdMappings([{ domain: "acme.com", externalId: "crm-acme" }], options)
            )

            expect(steps(result.outcomes[0])).toEqual(["Sent Unknown", "Sent Rejected"])
            expect(result.outcomes[0]).toMatchObject({
              _tag: "Unknown",
              reason: expect.stringContaining("refused (refused: ")
            })
            expect(sim.account("acme.com").externalId).toBe("crm-acme")
          }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt }))))
      })
    })

    describe("settleDeals, settleExternalIdMappings (upserts: an unknown item is sent again)", () => {
      it.effect("Unavailable with Retry-After: sent again after exactly that wait", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          // Beyond the client's own cap (60 s): the batch comes back Unavailable at once, with the wait.
          sim.faults.script("POST /deals", Fault.rateLimited(120))
          const fiber = yield* Effect.fork(BulkSettle.settleDeals([deal(1), deal(2)]))
          yield* until(() => requestsTo(sim, "POST /deals").length === 1)
          yield* TestClock.adjust("119 seconds")
          expect(requestsTo(sim, "POST /deals")).toHaveLength(1)
          expect(Option.isNone(yield* fiber.poll)).toBe(true)
          yield* TestClock.adjust("1 second")
          const result = yield* Fiber.join(fiber)

          expect(requestsTo(sim, "POST /deals")).toHaveLength(2)
          expect(result.summary).toMatchObject({ applied: 2, rounds: 2, settled: true })
          expect(result.outcomes[0]).toMatchObject({
            _tag: "Applied",
            status: "upserted",
            history: [{ _tag: "Sent", round: 1, outcome: "Unavailable" }, {
              _tag: "Sent",
              round: 2,
              outcome: "Applied"
            }]
          })
          expect(sim.deals()).toHaveLength(2)
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile }))))

      it.effect("a Retry-After beyond maxWait ends the settling: Unavailable, with when to come back", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          sim.faults.script("POST /deals", Fault.rateLimited(600))
          const result = yield* BulkSettle.settleDeals([deal(1)])

          expect(result.summary).toMatchObject({ unavailable: 1, rounds: 1, settled: false })
          expect(result.outcomes[0]).toMatchObject({
            _tag: "Unavailable",
            sends: 1,
            error: { retryAfterMillis: 600_000 }
          })
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile }))))

      it.effect("when the rounds run out: Unavailable if never processed, Unknown if a send may have applied it", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          sim.faults.always("POST /deals", Fault.status(503))
          const never = yield* drive(BulkSettle.settleDeals([deal(1)], { maxRounds: 3, backoff: "10 millis" }))
          expect(never.outcomes[0]).toMatchObject({ _tag: "Unavailable", sends: 3, error: { notProcessed: true } })

          sim.faults.clear().script("POST /deals", Fault.status(500)).always("POST /deals", Fault.status(503))
          const maybe = yield* drive(BulkSettle.settleDeals([deal(2)], { maxRounds: 3, backoff: "10 millis" }))
          expect(maybe.outcomes[0]).toMatchObject({ _tag: "Unknown", sends: 3, error: { status: 500 } })
          expect(maybe.outcomes[0]?.history.map((step) => step._tag === "Sent" && step.outcome)).toEqual([
            "Unknown",
            "Unavailable",
            "Unavailable"
          ])
          expect(maybe.summary).toMatchObject({ applied: 0, settled: false })
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt }))))

      it.effect("deals and mappings whose answer was lost are sent again and settle", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          sim.seedAccounts([{ name: "Acme", domain: "acme.com" }, { name: "Globex", domain: "globex.com" }])
          sim.faults.script("POST /deals", Fault.malformedJson()).script(
            "PATCH /accounts/external-ids",
            Fault.truncated()
          )
          const deals = yield* drive(BulkSettle.settleDeals([deal(1), deal(2)]))
          const mappings = yield* drive(BulkSettle.settleExternalIdMappings([
            { domain: "acme.com", externalId: "crm-acme" },
            { domain: "globex.com", externalId: "crm-globex" },
            { domain: "nowhere.example", externalId: "crm-none" }
          ]))

          expect(deals.outcomes.map((o) => [o._tag, o.sends])).toEqual([["Applied", 2], ["Applied", 2]])
          expect(mappings.outcomes.map((o) => o._tag === "Rejected" ? o.status : o._tag)).toEqual([
            "Applied",
            "Applied",
            "notFound"
          ])
          expect(sim.account("acme.com").externalId).toBe("crm-acme")
          expect(sim.deals()).toHaveLength(2)
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt }))))
    })

    describe("options", () => {
      it.effect("invalid options make every item Invalid, and nothing is sent", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          const result = yield* BulkSettle.settleDeals([deal(1), deal(2)], { maxRounds: 0 })
          expect(tags(result.outcomes)).toEqual(["Invalid", "Invalid"])
          expect(result.outcomes[0]).toMatchObject({ error: "options.maxRounds must be a positive integer", sends: 0 })
          const late = yield* BulkSettle.settleDeals([deal(1)], { backoff: "soon" as never })
          expect(late.outcomes[0]?._tag).toBe("Invalid")
          expect(sim.requests).toEqual([])
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile }))))

      it.effect("the key's failures are the only failures", () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          sim.revokeKey("sim-key")
          const error = yield* Effect.flip(BulkSettle.settleDeals([deal(1)]))
          expect(error._tag).toBe("InvalidApiKey")
        }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, config: singleAttempt }))))
    })
  })
}

describe("BulkSettle against a read model that lags writes (observed profile)", () => {
  it.effect(
    "an account applied but answered too late is never reported Rejected: Applied once the read shows it, or Unknown",
    () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        const input: Array<AccountInput> = Array.from({ length: 150 }, (_, n) => ({
          name: `Company ${n}`,
          domain: `co${n}.example`
        }))
        // The first request (items 0-99) is applied, its answer cut short; every read lags 3 s, longer than the backoff.
        sim.faults.script("POST /accounts", Fault.truncated())
        const result = yield* drive(BulkSettle.settleAccountPush(input, { backoff: "100 millis", maxRounds: 8 }))

        const held = new Set(sim.accounts().map((account) => account.domain))
        expect(held.size).toBe(150)
        const wronglyRefused = result.outcomes.filter((o) => o._tag === "Rejected" && held.has(o.input.domain))
        expect(wronglyRefused).toEqual([])
        // Reading back past the lag proves them applied; none is claimed more than that.
        expect(result.outcomes.every((o) => o._tag === "Applied" || o._tag === "Unknown")).toBe(true)
        expect(result.outcomes.filter((o) => o._tag === "Applied").length).toBeGreaterThanOrEqual(50)
      }).pipe(
        Effect.provide(
          RecotapSimulator.layerCrm({
            profile: "observed",
            readLagMillis: 3000,
            revision: "external",
            config: singleAttempt
          })
        )
      ),
    20_000
  )
})
