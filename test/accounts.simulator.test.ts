/** The accounts reads against the simulator: paging, delta sync and filters as the service does them. */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { type AccountSyncEvent, RecotapCrm } from "../src/index.js"
import { RecotapSimulator, type Simulator } from "../src/simulator/index.js"
import { pastReadLag, SIM_PROFILES } from "./helpers.js"

const seed = (sim: Simulator, count: number) =>
  sim.seedAccounts(
    Array.from(
      { length: count },
      (_, i) => ({ name: `Company ${i}`, domain: `company${i}.com`, externalId: `crm-${i}` })
    )
  )

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

const changedDomains = (events: ReadonlyArray<AccountSyncEvent>) =>
  events.flatMap((e) => (e._tag === "Changed" ? [e.account.domain] : []))

const checkpointOf = (events: ReadonlyArray<AccountSyncEvent>) => {
  const last = events.at(-1)
  if (last?._tag !== "Completed") throw new Error("the sync did not complete")
  return last.checkpoint
}

for (const profile of SIM_PROFILES) {
  describe(`accounts against the simulator (${profile} profile)`, () => {
    it.effect("streams every account exactly once across pages, though the last page keeps its cursor", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 23)
        const crm = yield* RecotapCrm
        const domains = (yield* collect(crm.accounts.stream({ limit: 5 }))).map((a) => a.domain)
        expect(domains).toEqual(Array.from({ length: 23 }, (_, i) => `company${i}.com`))
        expect(sim.requests).toHaveLength(5)
        const last = yield* crm.accounts.list({ limit: 5, cursor: sim.accounts()[19]!.rtp_aid })
        expect(last).toMatchObject({ hasNextPage: false, nextCursor: sim.accounts()[22]!.rtp_aid })
      }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile }))))

    it.effect("a delta sync from the checkpoint returns only what changed since", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 8)
        const crm = yield* RecotapCrm
        const first = yield* collect(crm.accounts.sync({ limit: 3 }))
        expect(changedDomains(first)).toHaveLength(8)

        // From the checkpoint exactly (no overlap window: see test/syncOverlap.test.ts for the default).
        const nothing = yield* collect(crm.accounts.sync({ lastSync: checkpointOf(first), overlap: 0 }))
        expect(changedDomains(nothing)).toEqual([])

        sim.advance("1 day")
        sim.setScores("company2.com", { rtp_account_score: 71, rtp_journey_stage: "Consideration" })
        sim.setScores("company6.com", { rtp_account_score: 12 })
        pastReadLag(sim)
        const second = yield* collect(crm.accounts.sync({ lastSync: checkpointOf(nothing), limit: 1, overlap: 0 }))
        expect(changedDomains(second)).toEqual(["company2.com", "company6.com"])
        expect(second[0]).toMatchObject({ account: { rtp_account_score: 71, rtp_journey_stage: "Consideration" } })
        expect(DateTime.greaterThan(checkpointOf(second), checkpointOf(nothing))).toBe(true)
      }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile }))))

    it.effect("an account updated while a sync runs is picked up by the next sync", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 6)
        sim.advance("1 hour") // the seeds lie before any overlap window
        const crm = yield* RecotapCrm
        // company0 is on the first page; it is re-scored after that page was read.
        const first = yield* collect(
          crm.accounts.sync({ limit: 2 }).pipe(
            Stream.tap((event) =>
              Effect.sync(() => {
                if (event._tag === "Changed" && event.account.domain === "company3.com") {
                  sim.setScores("company0.com", { rtp_account_score: 50 })
                }
              })
            )
          )
        )
        expect(changedDomains(first)).toHaveLength(6)
        pastReadLag(sim)
        // Observed: the write falls in the second of the first page's syncTimestamp, which the service
        // compares by the second, so only the default overlap window catches it; the reference needs none.
        const overlap = profile === "reference" ? { overlap: 0 } : {}
        const next = yield* collect(crm.accounts.sync({ lastSync: checkpointOf(first), ...overlap }))
        expect(changedDomains(next)).toEqual(["company0.com"])
      }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile }))))

    it.effect("filters by domains, normalised by the service", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 4)
        const crm = yield* RecotapCrm
        const page = yield* crm.accounts.list({
          domains: ["https://www.Company1.com/about", "company3.com", "nope.com"]
        })
        expect(page.data.map((a) => a.domain)).toEqual(["company1.com", "company3.com"])
      }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, revision: "external" }))))

    it.effect("reads fresh accounts as not yet scored, and scores once Recotap computed them", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        sim.seedAccounts([{ name: "Acme", domain: "acme.com", externalId: "crm-1" }])
        const crm = yield* RecotapCrm
        expect((yield* crm.accounts.list()).data[0]).toMatchObject({ rtp_account_score: 0, rtp_journey_stage: "" })
        sim.setScores("acme.com", { rtp_account_score: 104, rtp_journey_stage: "Customer", rtp_g2_intent_score: 9 })
        pastReadLag(sim)
        expect((yield* crm.accounts.list()).data[0]).toMatchObject({
          rtp_account_score: 104,
          rtp_journey_stage: "Customer",
          rtp_g2_intent_score: 9
        })
      }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile }))))

    it.effect("a revoked key is refused with InvalidApiKey, in the profile's 401 wording", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        sim.revokeKey("sim-key")
        const crm = yield* RecotapCrm
        const error = yield* Effect.flip(crm.accounts.list())
        expect(error).toMatchObject({ _tag: "InvalidApiKey", reason: "RejectedByServer" })
        expect(error.message).toContain(profile === "reference" ? "Invalid API key" : "Unauthorized access")
      }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile }))))

    it.effect("the live 401 wording is an InvalidApiKey too", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        sim.revokeKey("sim-key")
        const crm = yield* RecotapCrm
        expect((yield* Effect.flip(crm.accounts.list())).message).toContain("Unauthorized access")
      }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile, unauthorized: "live" }))))
  })
}
