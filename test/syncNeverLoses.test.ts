/**
 * A delta sync never loses a change, against the simulator's live-like profile: random creates
 * and updates, at and around second boundaries, with a read lag of 0–3 s, interleaved with
 * repeated sync runs. After a final run past the lag, the last version delivered of every account
 * is the server's: none lost, none stale. Both for `AccountSyncJob` (checkpoint and memory in a
 * store) and for `accounts.sync` with a checkpoint kept by hand.
 */
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import type * as DateTime from "effect/DateTime"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as AccountSyncJob from "../src/AccountSyncJob.js"
import { type Account, RecotapCrm } from "../src/index.js"
import { RecotapSimulator } from "../src/simulator/index.js"

/** One step of a scenario. */
type Step =
  | { readonly _tag: "Create" }
  | { readonly _tag: "Update"; readonly target: number; readonly score: number }
  | { readonly _tag: "Advance"; readonly millis: number }
  /** To the next whole second, plus or minus a few milliseconds: where whole-second times bite. */
  | { readonly _tag: "ToSecondBoundary"; readonly offset: number }
  | { readonly _tag: "Sync" }

const step: FastCheck.Arbitrary<Step> = FastCheck.oneof(
  FastCheck.constant<Step>({ _tag: "Create" }),
  FastCheck.record({
    _tag: FastCheck.constant("Update" as const),
    target: FastCheck.nat(),
    score: FastCheck.integer({ min: 1, max: 100 })
  }),
  FastCheck.record({ _tag: FastCheck.constant("Advance" as const), millis: FastCheck.integer({ min: 1, max: 2500 }) }),
  FastCheck.record({
    _tag: FastCheck.constant("ToSecondBoundary" as const),
    offset: FastCheck.integer({ min: -3, max: 3 })
  }),
  FastCheck.constant<Step>({ _tag: "Sync" })
)

const scenario = FastCheck.record({
  lag: FastCheck.integer({ min: 0, max: 3000 }),
  steps: FastCheck.array(step, { minLength: 1, maxLength: 60 })
})

/** How a sync is run: each run hands every changed account to `deliver`. */
type Syncer = (
  deliver: (account: Account) => void,
  overlap: Duration.DurationInput | undefined
) => Effect.Effect<Effect.Effect<void, unknown, RecotapCrm | KeyValueStore.KeyValueStore>>

/** `AccountSyncJob.runOnce`: its checkpoint and what it delivered kept in the store. */
const viaJob: Syncer = (deliver, overlap) =>
  Effect.succeed(
    Effect.asVoid(AccountSyncJob.runOnce({
      onAccount: (account) => Effect.sync(() => deliver(account)),
      ...(overlap === undefined ? {} : { overlap })
    }))
  )

/** `accounts.sync`, the checkpoint of each completed run kept by hand. */
const viaSync: Syncer = (deliver, overlap) =>
  Effect.sync(() => {
    let checkpoint: DateTime.Utc | undefined
    return Effect.flatMap(RecotapCrm, (crm) =>
      Stream.runForEach(
        crm.accounts.sync({
          ...(checkpoint === undefined ? {} : { lastSync: checkpoint }),
          ...(overlap === undefined ? {} : { overlap })
        }),
        (event) =>
          Effect.sync(() => {
            if (event._tag === "Changed") deliver(event.account)
            if (event._tag === "Completed") checkpoint = event.checkpoint
          })
      ))
  })

/**
 * Plays the steps on a fresh simulator with the live-like profile, syncing where they say and
 * once more past the lag; answers the accounts whose last delivered version is not the server's.
 */
const play = (
  syncer: Syncer,
  { lag, steps }: { readonly lag: number; readonly steps: ReadonlyArray<Step> },
  overlap?: Duration.DurationInput
) =>
  Effect.gen(function*() {
    const sim = yield* RecotapSimulator
    const crm = yield* RecotapCrm
    const delivered = new Map<string, Account>()
    const run = yield* syncer((account) => delivered.set(account.rtp_aid, account), overlap)
    let created = 0
    yield* run // the service has started: from here on every write is readable only after the lag
    for (const s of steps) {
      switch (s._tag) {
        case "Create":
          sim.seedAccounts([{
            name: `Company ${created}`,
            domain: `company${created}.com`,
            externalId: `crm-${created}`
          }])
          created++
          break
        case "Update":
          if (created > 0) sim.setScores(`company${s.target % created}.com`, { rtp_account_score: s.score })
          break
        case "Advance":
          sim.advance(s.millis)
          break
        case "ToSecondBoundary": {
          const now = sim.now().getTime()
          const next = Math.ceil((now + 1) / 1000) * 1000 + s.offset
          if (next > now) sim.advance(next - now)
          break
        }
        case "Sync":
          yield* run
      }
    }
    sim.advance(lag + 1000)
    yield* run

    const server = Chunk.toReadonlyArray(yield* Stream.runCollect(crm.accounts.stream()))
    expect(server).toHaveLength(created)
    return server.filter((account) => {
      const last = delivered.get(account.rtp_aid)
      return last === undefined || JSON.stringify(last) !== JSON.stringify(account)
    }).map((account) => account.domain)
  }).pipe(
    Effect.provide(
      Layer.merge(RecotapSimulator.layerCrm({ profile: "observed", readLagMillis: lag }), KeyValueStore.layerMemory)
    )
  )

describe("a delta sync never loses a change at the live service's edges", () => {
  for (const [name, syncer] of [["AccountSyncJob", viaJob], ["accounts.sync", viaSync]] as const) {
    it(`${name}: after a final run past the lag, every account's last delivered version is the server's`, async () => {
      await FastCheck.assert(
        FastCheck.asyncProperty(scenario, async (plan) => {
          const stale = await Effect.runPromise(play(syncer, plan))
          expect(stale).toEqual([])
        }),
        { numRuns: 60 }
      )
    }, 60_000)
  }

  it("the same scenarios lose changes when a sync asks from its checkpoint exactly (the test can fail)", async () => {
    // A write in the same second as a checkpoint, after that sync read it; and a write readable
    // only after the lag. Both are lost without the overlap window, delivered with it.
    const plan = {
      lag: 1500,
      steps: [
        { _tag: "Create" },
        { _tag: "Sync" },
        { _tag: "Create" },
        { _tag: "Advance", millis: 200 },
        { _tag: "Sync" },
        { _tag: "Advance", millis: 2000 },
        { _tag: "Sync" }
      ] satisfies ReadonlyArray<Step>
    }
    for (const syncer of [viaJob, viaSync]) {
      expect(await Effect.runPromise(play(syncer, plan, 0))).not.toEqual([])
      expect(await Effect.runPromise(play(syncer, plan))).toEqual([])
    }
  })
})
