/**
 * The durable delta sync (`AccountSyncJob`): the checkpoint kept in a `KeyValueStore`, moved on
 * only once every change was handled; at-least-once delivery across failures and interruptions;
 * malformed records that never hold the checkpoint back; the job on a schedule, one run at a
 * time, going on after what may pass and ending on what will not; a span and a log line per run.
 */
import * as PlatformError from "@effect/platform/Error"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import type * as Tracer from "effect/Tracer"
import * as AccountSyncJob from "../src/AccountSyncJob.js"
import type { Account, MalformedAccount, ReadError, RecotapCrm } from "../src/index.js"
import {
  Fault,
  type Profile,
  RecotapSimulator,
  type Simulator,
  type SimulatorCrmOptions
} from "../src/simulator/index.js"
import {
  account,
  crmWith,
  envelope,
  logRecords,
  pastReadLag,
  recordingLogger,
  recordingTracer,
  type SentRequest,
  SIM_PROFILES
} from "./helpers.js"

const KEY = AccountSyncJob.DEFAULT_CHECKPOINT_KEY

/** The real client over a fresh simulator of that profile, and a fresh in-memory store. */
const onSim = (profile: Profile, options: SimulatorCrmOptions = {}) =>
  Layer.merge(RecotapSimulator.layerCrm({ profile, ...options }), KeyValueStore.layerMemory)

const seed = (sim: Simulator, count: number) =>
  sim.seedAccounts(
    Array.from(
      { length: count },
      (_, i) => ({ name: `Company ${i}`, domain: `company${i}.com`, externalId: `crm-${i}` })
    )
  )

/** Re-scores these accounts an hour later, as Recotap's scheduled scoring does; the next run comes past the read lag. */
const rescore = (sim: Simulator, ...domains: ReadonlyArray<string>) => {
  sim.advance("1 hour")
  for (const domain of domains) sim.setScores(domain, { rtp_account_score: 77 })
  pastReadLag(sim)
}

/** The stored checkpoint text, if any. */
const stored = (key = KEY) => Effect.flatMap(KeyValueStore.KeyValueStore, (store) => store.get(key))

/** The `lastSync` of each `GET /accounts` the simulator received (`null` without one). */
const lastSyncs = (sim: Simulator) =>
  sim.requests.filter((r) => r.route === "GET /accounts").map((r) => new URL(r.url).searchParams.get("lastSync"))

/** A handler that records the domains it is given. */
const recorder = () => {
  const domains: Array<string> = []
  return { domains, onAccount: (a: Account) => Effect.sync(() => void domains.push(a.domain)) }
}

/** Lets other fibers and real promises (response bodies) run until `condition` holds. */
const waitFor = <E, R>(condition: Effect.Effect<boolean, E, R>, what: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 2000; i++) {
      if (yield* condition) return
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 0)))
    }
    return yield* Effect.dieMessage(`timed out waiting for ${what}`)
  })

/** Lets other fibers and real promises run for a while. */
const letOthersRun = Effect.forEach(
  Array.from({ length: 20 }),
  () => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 0))),
  { discard: true }
)

/** Waits until some fiber sleeps until exactly `duration` from now (the schedule's wait, a slow handler). */
const waitForSleep = (duration: Duration.DurationInput) =>
  waitFor(
    Effect.gen(function*() {
      const now = yield* TestClock.currentTimeMillis
      const sleeps = yield* TestClock.sleeps()
      return [...sleeps].includes(now + Duration.toMillis(duration))
    }),
    `a sleep of ${Duration.format(duration)}`
  )

class Boom extends Data.TaggedError("Boom")<{ readonly domain: string }> {}

for (const profile of SIM_PROFILES) {
  describe(`AccountSyncJob.runOnce (${profile} profile)`, () => {
    it.effect("a first run syncs everything and stores the checkpoint; the next one only what changed since", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 5)
        const seen = recorder()

        const first = yield* AccountSyncJob.runOnce({ onAccount: seen.onAccount, limit: 2 })
        expect(seen.domains).toEqual(["company0.com", "company1.com", "company2.com", "company3.com", "company4.com"])
        expect(first).toMatchObject({ changed: 5, malformed: 0, previousCheckpoint: Option.none() })
        // Stored as ISO 8601 (that it is the first page's server time: see the tests with a fake server below).
        expect(yield* stored()).toEqual(Option.some(DateTime.formatIso(first.checkpoint)))

        rescore(sim, "company1.com", "company3.com")
        seen.domains.length = 0
        const second = yield* AccountSyncJob.runOnce({ onAccount: seen.onAccount, limit: 2 })
        // The accounts read again in the overlap, unchanged, are not handed over again.
        expect(seen.domains).toEqual(["company1.com", "company3.com"])
        expect(second).toMatchObject({ changed: 2, alreadyDelivered: 3 })
        expect(second.previousCheckpoint).toEqual(Option.some(first.checkpoint))
        expect(DateTime.greaterThan(second.checkpoint, first.checkpoint)).toBe(true)
        expect(yield* stored()).toEqual(Option.some(DateTime.formatIso(second.checkpoint)))
        // Three pages without lastSync, then three from the stored checkpoint minus the two-minute overlap.
        const reachedBack = DateTime.formatIso(DateTime.subtractDuration(first.checkpoint, "2 minutes"))
        expect(lastSyncs(sim)).toEqual([null, null, null, reachedBack, reachedBack, reachedBack])

        // Nothing changed: nothing handed over, the checkpoint still moves on.
        seen.domains.length = 0
        const third = yield* AccountSyncJob.runOnce({ onAccount: seen.onAccount })
        expect(seen.domains).toEqual([])
        expect(third.changed).toBe(0)
        expect(yield* stored()).toEqual(Option.some(DateTime.formatIso(third.checkpoint)))
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("keeps its checkpoint under the key given, apart from other jobs", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 2)
        const run = yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void, checkpointKey: "crm-a/checkpoint" })
        expect(yield* stored("crm-a/checkpoint")).toEqual(Option.some(DateTime.formatIso(run.checkpoint)))
        expect(yield* stored()).toEqual(Option.none())
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("a handler failing on the 3rd account fails the run with its error and keeps the old checkpoint", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 6)
        const first = yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void })
        const before = yield* stored()

        rescore(sim, "company0.com", "company1.com", "company2.com", "company3.com", "company4.com")
        const seen: Array<string> = []
        const error = yield* Effect.flip(AccountSyncJob.runOnce({
          limit: 2,
          onAccount: (a) =>
            Effect.suspend(() => {
              seen.push(a.domain)
              return seen.length === 3 ? Effect.fail(new Boom({ domain: a.domain })) : Effect.void
            })
        }))
        expect(error).toEqual(new Boom({ domain: "company2.com" }))
        expect(seen).toEqual(["company0.com", "company1.com", "company2.com"])
        expect(yield* stored()).toEqual(before)

        // The next run starts from the old checkpoint: every change again, those handled before included.
        const again = recorder()
        const next = yield* AccountSyncJob.runOnce({ onAccount: again.onAccount })
        expect(again.domains).toEqual(["company0.com", "company1.com", "company2.com", "company3.com", "company4.com"])
        expect(next.previousCheckpoint).toEqual(Option.some(first.checkpoint))
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("a first run that fails stores no checkpoint: the next one is a full sync again", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 3)
        yield* Effect.flip(AccountSyncJob.runOnce({
          onAccount: (a) => a.domain === "company2.com" ? Effect.fail(new Boom({ domain: a.domain })) : Effect.void
        }))
        expect(yield* stored()).toEqual(Option.none())
        const seen = recorder()
        yield* AccountSyncJob.runOnce({ onAccount: seen.onAccount })
        expect(seen.domains).toHaveLength(3)
        expect(lastSyncs(sim)).toEqual([null, null])
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("a run interrupted halfway keeps the old checkpoint; the next run delivers those changes again", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 5)
        yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void })
        const before = yield* stored()

        rescore(sim, "company0.com", "company1.com", "company2.com", "company3.com")
        const seen: Array<string> = []
        const fiber = yield* Effect.fork(AccountSyncJob.runOnce({
          limit: 2,
          onAccount: (a) =>
            Effect.suspend(() => {
              seen.push(a.domain)
              return seen.length === 3 ? Effect.never : Effect.void
            })
        }))
        yield* waitFor(Effect.sync(() => seen.length === 3), "the 3rd account")
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(yield* stored()).toEqual(before)

        const again = recorder()
        yield* AccountSyncJob.runOnce({ onAccount: again.onAccount })
        expect(again.domains).toEqual(["company0.com", "company1.com", "company2.com", "company3.com"])
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("an interruption while the checkpoint is written waits for the write: no half-written checkpoint", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 2)
        const memory = yield* KeyValueStore.KeyValueStore
        // A store whose writes take a second.
        const slow = KeyValueStore.make({
          ...memory,
          set: (key, value) => Effect.zipRight(Effect.sleep("1 second"), memory.set(key, value))
        })
        const fiber = yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void }).pipe(
          Effect.provideService(KeyValueStore.KeyValueStore, slow),
          Effect.fork
        )
        yield* waitForSleep("1 second")
        const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
        // Its state first (what it delivered lately), then the checkpoint: each write goes through.
        for (let write = 0; write < 2; write++) {
          yield* TestClock.adjust("1 second")
          if (write === 0) yield* waitForSleep("1 second")
        }
        yield* Fiber.join(interrupting)
        expect(Option.isSome(yield* memory.get(KEY))).toBe(true)
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("onPage receives the changed accounts page by page, and no empty page", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 5)
        const pages: Array<ReadonlyArray<string>> = []
        const onPage = (accounts: ReadonlyArray<Account>) =>
          Effect.sync(() => void pages.push(accounts.map((a) => a.domain)))

        const first = yield* AccountSyncJob.runOnce({ onPage, limit: 2 })
        expect(pages).toEqual([
          ["company0.com", "company1.com"],
          ["company2.com", "company3.com"],
          ["company4.com"]
        ])
        expect(first.changed).toBe(5)
        expect(yield* stored()).toEqual(Option.some(DateTime.formatIso(first.checkpoint)))

        pages.length = 0
        yield* AccountSyncJob.runOnce({ onPage, limit: 2 })
        expect(pages).toEqual([])

        rescore(sim, "company4.com")
        yield* AccountSyncJob.runOnce({ onPage, limit: 2 })
        expect(pages).toEqual([["company4.com"]])
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("a page handler that fails keeps the old checkpoint; its page comes again", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 4)
        const pages: Array<ReadonlyArray<string>> = []
        let calls = 0
        const onPage = (accounts: ReadonlyArray<Account>) =>
          Effect.suspend(() => {
            calls++
            pages.push(accounts.map((a) => a.domain))
            return calls === 2 ? Effect.fail(new Boom({ domain: accounts[0]!.domain })) : Effect.void
          })
        expect((yield* Effect.flip(AccountSyncJob.runOnce({ onPage, limit: 2 })))._tag).toBe("Boom")
        expect(yield* stored()).toEqual(Option.none())
        yield* AccountSyncJob.runOnce({ onPage, limit: 2 })
        expect(pages.slice(2)).toEqual([["company0.com", "company1.com"], ["company2.com", "company3.com"]])
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("the run's duration is measured by the Effect clock", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 1)
        const fiber = yield* Effect.fork(AccountSyncJob.runOnce({ onAccount: () => Effect.sleep("2 seconds") }))
        yield* waitForSleep("2 seconds")
        yield* TestClock.adjust("2 seconds")
        const run = yield* Fiber.join(fiber)
        expect(run.durationMillis).toBe(2000)
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("a store that fails to write fails the run with its PlatformError; nothing is lost", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 2)
        const memory = yield* KeyValueStore.KeyValueStore
        let failWrites = true
        const flaky = KeyValueStore.make({
          ...memory,
          set: (key, value) =>
            failWrites
              ? Effect.fail(
                new PlatformError.SystemError({ module: "KeyValueStore", method: "set", reason: "Unknown" })
              )
              : memory.set(key, value)
        })
        const seen = recorder()
        const run = AccountSyncJob.runOnce({ onAccount: seen.onAccount }).pipe(
          Effect.provideService(KeyValueStore.KeyValueStore, flaky)
        )
        expect((yield* Effect.flip(run))._tag).toBe("SystemError")
        expect(yield* memory.get(KEY)).toEqual(Option.none())
        failWrites = false
        yield* run
        expect(seen.domains).toEqual(["company0.com", "company1.com", "company0.com", "company1.com"])
      }).pipe(Effect.provide(onSim(profile))))
  })
}

for (const profile of SIM_PROFILES) {
  describe(`AccountSyncJob.runOnce: a stored checkpoint that cannot be read (${profile} profile)`, () => {
    for (
      const value of [
        "last tuesday",
        "",
        "1",
        "2026-04-30",
        "2026-02-30T00:00:00.000Z",
        "2026-04-30T10:00:00",
        "2026-04-30T25:00:00Z",
        "{\"checkpoint\":\"2026-04-30T10:00:00.000Z\"}"
      ]
    ) {
      it.effect(`${JSON.stringify(value)}: fails with CheckpointCorrupt naming the key, syncs nothing`, () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          seed(sim, 3)
          const store = yield* KeyValueStore.KeyValueStore
          yield* store.set(KEY, value)
          const seen = recorder()
          const error = yield* Effect.flip(AccountSyncJob.runOnce({ onAccount: seen.onAccount }))
          expect(error).toBeInstanceOf(AccountSyncJob.CheckpointCorrupt)
          expect(error).toMatchObject({ _tag: "CheckpointCorrupt", key: KEY, value })
          expect((error as AccountSyncJob.CheckpointCorrupt).message).toContain(`"${KEY}"`)
          expect(sim.requests).toEqual([])
          expect(seen.domains).toEqual([])
          expect(yield* store.get(KEY)).toEqual(Option.some(value))
        }).pipe(Effect.provide(onSim(profile))))
    }

    it.effect("a hand-written date-time with an offset is read as that instant", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 1)
        yield* Effect.flatMap(KeyValueStore.KeyValueStore, (store) => store.set(KEY, "2026-04-30T12:00:00+02:00"))
        const run = yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void })
        expect(lastSyncs(sim)).toEqual(["2026-04-30T09:58:00.000Z"]) // minus the overlap
        expect(run.previousCheckpoint.pipe(Option.map(DateTime.formatIso))).toEqual(
          Option.some("2026-04-30T10:00:00.000Z")
        )
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("the error's value is cut to 100 characters", () =>
      Effect.gen(function*() {
        yield* Effect.flatMap(KeyValueStore.KeyValueStore, (store) => store.set(KEY, "x".repeat(5000)))
        const error = yield* Effect.flip(AccountSyncJob.runOnce({ onAccount: () => Effect.void }))
        expect(error).toMatchObject({ _tag: "CheckpointCorrupt", value: "x".repeat(100) })
      }).pipe(Effect.provide(onSim(profile))))
  })
}

describe("AccountSyncJob.runOnce: accounts that cannot be read", () => {
  const T1 = "2026-05-01T00:00:00.000Z"
  const T2 = "2026-05-02T00:00:00.000Z"
  /** Two pages, the first with an account without a name; every sync answers the same, at T1 then T2. */
  const server = () => {
    let syncs = 0
    return (request: SentRequest) => {
      if (request.url.searchParams.get("cursor") === "p2") {
        return envelope({ data: [account(4)], nextCursor: "p2", hasNextPage: false, syncTimestamp: T2 })
      }
      syncs++
      return envelope({
        data: [account(1), { ...account(2), domain: null }, account(3)],
        nextCursor: "p2",
        hasNextPage: true,
        syncTimestamp: syncs === 1 ? T1 : T2
      })
    }
  }

  it.effect("go to onMalformed in page order, and do not hold the checkpoint back", () => {
    const { layer, sent } = crmWith(server())
    return Effect.gen(function*() {
      const events: Array<string> = []
      const records: Array<MalformedAccount> = []
      const options: AccountSyncJob.AccountSyncJobOptions<never, never> = {
        onAccount: (a) => Effect.sync(() => void events.push(a.domain)),
        onMalformed: (record) =>
          Effect.sync(() => {
            events.push(`malformed #${record.index}`)
            records.push(record)
          })
      }
      const run = yield* AccountSyncJob.runOnce(options)
      expect(events).toEqual(["company1.com", "malformed #1", "company3.com", "company4.com"])
      expect(records[0]).toMatchObject({ index: 1, raw: { ...account(2), domain: null } })
      expect(records[0]!.error).toContain("domain")
      expect(run).toMatchObject({ changed: 3, malformed: 1 })
      expect(yield* stored()).toEqual(Option.some(T1))

      // The next run starts after it (minus the overlap): the malformed record did not block the checkpoint.
      yield* AccountSyncJob.runOnce(options)
      const reachedBack = "2026-04-30T23:58:00.000Z"
      expect(sent.map((r) => r.url.searchParams.get("lastSync"))).toEqual([null, null, reachedBack, reachedBack])
      expect(yield* stored()).toEqual(Option.some(T2))
    }).pipe(Effect.provide(Layer.merge(layer, KeyValueStore.layerMemory)))
  })

  it.effect("with onPage, a page's malformed records go to onMalformed after its accounts", () => {
    const { layer } = crmWith(server())
    return Effect.gen(function*() {
      const events: Array<string> = []
      yield* AccountSyncJob.runOnce({
        onPage: (accounts) => Effect.sync(() => void events.push(accounts.map((a) => a.domain).join(","))),
        onMalformed: (record) => Effect.sync(() => void events.push(`malformed #${record.index}`))
      })
      expect(events).toEqual(["company1.com,company3.com", "malformed #1", "company4.com"])
      expect(yield* stored()).toEqual(Option.some(T1))
    }).pipe(Effect.provide(Layer.merge(layer, KeyValueStore.layerMemory)))
  })

  it.effect("without onMalformed, each is a Warning log line naming it, and the checkpoint moves on", () => {
    const { layer } = crmWith(server())
    const logs = recordingLogger()
    return Effect.gen(function*() {
      const seen = recorder()
      const run = yield* AccountSyncJob.runOnce({ onAccount: seen.onAccount })
      expect(seen.domains).toEqual(["company1.com", "company3.com", "company4.com"])
      expect(run.malformed).toBe(1)
      expect(yield* stored()).toEqual(Option.some(T1))
      const warnings = logRecords(logs.lines).filter((r) => r.logLevel === "WARN")
      expect(warnings).toHaveLength(1)
      expect(warnings[0]!.message).toContain("skipped an account that could not be read")
      expect(warnings[0]!.message).toContain(`account #1 of its page (rtp_aid "${account(2).rtp_aid}"`)
      expect(warnings[0]!.message).toContain("domain")
    }).pipe(Effect.provide(Layer.mergeAll(layer, KeyValueStore.layerMemory, logs.layer)))
  })

  it.effect("a failing onMalformed fails the run like any handler, keeping the old checkpoint", () => {
    const { layer } = crmWith(server())
    return Effect.gen(function*() {
      const error = yield* Effect.flip(AccountSyncJob.runOnce({
        onAccount: () => Effect.void,
        onMalformed: (record) => Effect.fail(new Boom({ domain: String(record.index) }))
      }))
      expect(error).toEqual(new Boom({ domain: "1" }))
      expect(yield* stored()).toEqual(Option.none())
    }).pipe(Effect.provide(Layer.merge(layer, KeyValueStore.layerMemory)))
  })

  it.effect("a server that sends no syncTimestamp: the checkpoint is the time before the first request", () => {
    const { layer } = crmWith(() => envelope({ data: [account(1)], hasNextPage: false, syncTimestamp: null }))
    return Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-06-04T17:40:21Z"))
      const run = yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void })
      expect(DateTime.formatIso(run.checkpoint)).toBe("2026-06-04T17:40:21.000Z")
      expect(yield* stored()).toEqual(Option.some("2026-06-04T17:40:21.000Z"))
    }).pipe(Effect.provide(Layer.merge(layer, KeyValueStore.layerMemory)))
  })
})

for (const profile of SIM_PROFILES) {
  describe(`AccountSyncJob.runOnce: observability (${profile} profile)`, () => {
    it.effect("one span per run, the calls below it, and one summary Info line with the counts and the duration", () => {
      const logs = recordingLogger()
      return Effect.gen(function*() {
        const { spans, tracer } = yield* recordingTracer
        const sim = yield* RecotapSimulator
        seed(sim, 3)
        const first = yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void, limit: 2 }).pipe(
          Effect.withTracer(tracer)
        )
        rescore(sim, "company2.com")
        const second = yield* AccountSyncJob.runOnce({ onAccount: () => Effect.sleep("1500 millis") }).pipe(
          Effect.withTracer(tracer),
          Effect.fork,
          Effect.tap(() => waitForSleep("1500 millis")),
          Effect.tap(() => TestClock.adjust("1500 millis")),
          Effect.flatMap(Fiber.join)
        )

        const runs = spans.filter((s) => s.name === "RecotapCrm.accounts.syncJob")
        expect(runs).toHaveLength(2)
        expect(Object.fromEntries(runs[0]!.attributes)).toEqual({
          "recotap.sync.checkpoint_key": KEY,
          "recotap.sync.changed": 3,
          "recotap.sync.malformed": 0,
          "recotap.sync.checkpoint": DateTime.formatIso(first.checkpoint),
          "recotap.sync.duration_ms": 0
        })
        expect(Object.fromEntries(runs[1]!.attributes)).toMatchObject({
          "recotap.sync.changed": 1,
          "recotap.sync.duration_ms": 1500
        })
        const parentOf = (span: Tracer.Span) => Option.getOrUndefined(span.parent)?.spanId
        const calls = spans.filter((s) => s.name === "RecotapCrm.accounts.list")
        expect(calls).toHaveLength(3)
        expect(calls.map(parentOf)).toEqual([runs[0]!.spanId, runs[0]!.spanId, runs[1]!.spanId])

        const summaries = logRecords(logs.lines).filter((r) => r.logLevel === "INFO")
        expect(summaries.map((r) => r.message)).toEqual([
          "Recotap accounts sync: 3 changed, 0 malformed in 0 ms",
          "Recotap accounts sync: 1 changed, 0 malformed (2 read again unchanged) in 1500 ms"
        ])
        expect(summaries[0]!.annotations).toEqual({
          checkpointKey: KEY,
          changed: 3,
          malformed: 0,
          durationMs: 0,
          checkpoint: DateTime.formatIso(first.checkpoint)
        })
        expect(summaries[1]!.annotations).toMatchObject({
          changed: 1,
          durationMs: 1500,
          previousCheckpoint: DateTime.formatIso(first.checkpoint),
          checkpoint: DateTime.formatIso(second.checkpoint)
        })
      }).pipe(Effect.provide(Layer.merge(onSim(profile), logs.layer)))
    })

    it.effect("a failed run's span ends with its failure, and no summary line is written", () => {
      const logs = recordingLogger()
      return Effect.gen(function*() {
        const { spans, tracer } = yield* recordingTracer
        const sim = yield* RecotapSimulator
        seed(sim, 1)
        yield* Effect.flip(
          AccountSyncJob.runOnce({ onAccount: (a) => Effect.fail(new Boom({ domain: a.domain })) }).pipe(
            Effect.withTracer(tracer)
          )
        )
        const run = spans.find((s) => s.name === "RecotapCrm.accounts.syncJob")
        expect(run?.status._tag).toBe("Ended")
        expect(run?.status._tag === "Ended" && Exit.isFailure(run.status.exit)).toBe(true)
        expect(logRecords(logs.lines).filter((r) => r.logLevel === "INFO")).toEqual([])
      }).pipe(Effect.provide(Layer.merge(onSim(profile), logs.layer)))
    })
  })
}

for (const profile of SIM_PROFILES) {
  describe(`AccountSyncJob.schedule (${profile} profile)`, () => {
    /** The summary lines written so far: one per completed run. */
    const completedRuns = (lines: ReadonlyArray<string>) =>
      logRecords(lines).filter((r) => r.logLevel === "INFO" && String(r.message).startsWith("Recotap accounts sync:"))

    it.effect("runs at once, then at each tick, each run from the checkpoint of the previous one", () => {
      const logs = recordingLogger()
      return Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 3)
        const seen = recorder()
        const job = yield* Effect.fork(
          AccountSyncJob.schedule({ onAccount: seen.onAccount }, Schedule.spaced("15 minutes"))
        )
        yield* waitFor(Effect.sync(() => completedRuns(logs.lines).length === 1), "the first run")
        expect(seen.domains).toEqual(["company0.com", "company1.com", "company2.com"])

        rescore(sim, "company1.com")
        yield* waitForSleep("15 minutes")
        yield* TestClock.adjust("14 minutes")
        yield* letOthersRun
        expect(lastSyncs(sim)).toHaveLength(1)
        yield* TestClock.adjust("1 minute")
        yield* waitFor(Effect.sync(() => completedRuns(logs.lines).length === 2), "the second run")
        expect(seen.domains).toEqual(["company0.com", "company1.com", "company2.com", "company1.com"])
        expect(lastSyncs(sim)).toHaveLength(2)
        expect(lastSyncs(sim)[1]).not.toBeNull()
        expect(yield* Fiber.poll(job)).toEqual(Option.none())
        yield* Fiber.interrupt(job)
      }).pipe(Effect.provide(Layer.merge(onSim(profile), logs.layer)))
    })

    it.effect("gives the schedule each run's outcome, and ends with the schedule's output when it ends", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 2)
        // Repeat while runs find changes: the 1st finds 2, the 2nd none, and the job ends with that run.
        const out = yield* AccountSyncJob.schedule(
          { onAccount: () => Effect.void },
          Schedule.recurWhile((run: Option.Option<AccountSyncJob.AccountSyncRun>) =>
            Option.exists(run, (r) => r.changed > 0)
          )
        )
        expect(Option.map(out, (run) => run.changed)).toEqual(Option.some(0))
        expect(lastSyncs(sim)).toHaveLength(2)
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("never runs twice at once: a run that outlasts the interval delays the next one", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 1)
        let active = 0
        let maxActive = 0
        let runs = 0
        const job = yield* Effect.fork(AccountSyncJob.schedule({
          onAccount: () =>
            Effect.acquireUseRelease(
              Effect.sync(() => {
                runs++
                maxActive = Math.max(maxActive, ++active)
              }),
              () => Effect.sleep("20 minutes"),
              () => Effect.sync(() => void active--)
            )
        }, Schedule.fixed("15 minutes")))
        for (let step = 0; step < 24; step++) {
          sim.setScores("company0.com", { rtp_account_score: step })
          sim.advance("5 minutes") // the service's time passes too: each score shows past the read lag
          yield* TestClock.adjust("5 minutes")
          yield* letOthersRun
        }
        // Two hours of 20-minute runs: about six, back to back, never two at once.
        expect(maxActive).toBe(1)
        expect(runs).toBeGreaterThanOrEqual(4)
        expect(runs).toBeLessThanOrEqual(7)
        yield* Fiber.interrupt(job)
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("a 503 storm fails one run with a Warning line; the next tick syncs, from the same checkpoint", () => {
      const logs = recordingLogger()
      return Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 3)
        // More 503s than the client's own retries.
        sim.faults.script("GET /accounts", Fault.status(503), Fault.status(503), Fault.status(503))
        const seen = recorder()
        const job = yield* Effect.fork(
          AccountSyncJob.schedule({ onAccount: seen.onAccount }, Schedule.spaced("15 minutes"))
        )
        const warned = Effect.sync(() => logRecords(logs.lines).some((r) => r.logLevel === "WARN"))
        for (let i = 0; i < 100 && !(yield* warned); i++) {
          yield* TestClock.adjust("1 second")
        }
        const warning = logRecords(logs.lines).find((r) => r.logLevel === "WARN")
        expect(String(warning?.message)).toContain("the run failed (Recotap: StatusCode)")
        expect(String(warning?.message)).toContain("the next tick tries again")
        expect(JSON.stringify(warning)).toContain("503")
        expect(seen.domains).toEqual([])
        expect(yield* stored()).toEqual(Option.none())
        expect(sim.requests).toHaveLength(3)

        // The job waits for the next tick, 15 minutes after the failed run ended (a little before now).
        yield* waitFor(
          Effect.gen(function*() {
            const now = yield* TestClock.currentTimeMillis
            return [...yield* TestClock.sleeps()].some((t) => t > now + Duration.toMillis("14 minutes"))
          }),
          "the next tick"
        )
        yield* TestClock.adjust("15 minutes")
        yield* waitFor(Effect.sync(() => completedRuns(logs.lines).length === 1), "the run of the next tick")
        expect(seen.domains).toEqual(["company0.com", "company1.com", "company2.com"])
        expect(Option.isSome(yield* stored())).toBe(true)
        expect(yield* Fiber.poll(job)).toEqual(Option.none())
        yield* Fiber.interrupt(job)
      }).pipe(Effect.provide(Layer.merge(onSim(profile), logs.layer)))
    })

    it.effect("InvalidApiKey ends the job with that error, and no further run is tried", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 3)
        sim.revokeKey("sim-key")
        const job = yield* Effect.fork(
          AccountSyncJob.schedule({ onAccount: () => Effect.void }, Schedule.spaced("15 minutes"))
        )
        yield* waitFor(Effect.map(Fiber.poll(job), Option.isSome), "the job to end")
        yield* TestClock.adjust("1 hour")
        const exit = yield* Fiber.await(job)
        expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error._tag : exit).toBe("InvalidApiKey")
        expect(sim.requests).toHaveLength(1)
        expect(yield* stored()).toEqual(Option.none())
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("MissingApiKey ends the job likewise", () => {
      // A blank key: refused before anything is sent.
      const { layer, sent } = crmWith(() => envelope({ data: [account(1)], hasNextPage: false }), "  ")
      return Effect.gen(function*() {
        const error = yield* Effect.flip(
          AccountSyncJob.schedule({ onAccount: () => Effect.void }, Schedule.spaced("15 minutes"))
        )
        expect(error._tag).toBe("MissingApiKey")
        expect(sent).toEqual([])
      }).pipe(Effect.provide(Layer.merge(layer, KeyValueStore.layerMemory)))
    })

    it.effect("a stored checkpoint that cannot be read ends the job at once: nothing is synced", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 2)
        yield* Effect.flatMap(KeyValueStore.KeyValueStore, (store) => store.set(KEY, "yesterday"))
        const error = yield* Effect.flip(
          AccountSyncJob.schedule({ onAccount: () => Effect.void }, Schedule.spaced("15 minutes"))
        )
        expect(error).toMatchObject({ _tag: "CheckpointCorrupt", key: KEY, value: "yesterday" })
        expect(sim.requests).toEqual([])
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("a handler failure is logged as an Error; the next tick delivers the changes again", () => {
      const logs = recordingLogger()
      return Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 3)
        const seen: Array<string> = []
        let failed = false
        const job = yield* Effect.fork(AccountSyncJob.schedule({
          onAccount: (a) =>
            Effect.suspend(() => {
              seen.push(a.domain)
              if (a.domain === "company1.com" && !failed) {
                failed = true
                return Effect.fail(new Boom({ domain: a.domain }))
              }
              return Effect.void
            })
        }, Schedule.spaced("15 minutes")))
        yield* waitFor(Effect.sync(() => logRecords(logs.lines).some((r) => r.logLevel === "ERROR")), "the error line")
        const error = logRecords(logs.lines).find((r) => r.logLevel === "ERROR")
        expect(String(error?.message)).toContain("the run failed (a handler failed)")
        expect(JSON.stringify(error)).toContain("Boom")
        expect(yield* stored()).toEqual(Option.none())

        yield* waitForSleep("15 minutes")
        yield* TestClock.adjust("15 minutes")
        yield* waitFor(Effect.sync(() => completedRuns(logs.lines).length === 1), "the next run")
        expect(seen).toEqual(["company0.com", "company1.com", "company0.com", "company1.com", "company2.com"])
        expect(Option.isSome(yield* stored())).toBe(true)
        yield* Fiber.interrupt(job)
      }).pipe(Effect.provide(Layer.merge(onSim(profile), logs.layer)))
    })

    it.effect("a handler error that stopOn picks ends the job with that error, the checkpoint kept", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 3)
        const error = yield* Effect.flip(AccountSyncJob.schedule({
          onAccount: (a) => a.domain === "company1.com" ? Effect.fail(new Boom({ domain: a.domain })) : Effect.void,
          stopOn: (e) => e._tag === "Boom"
        }, Schedule.spaced("15 minutes")))
        expect(error).toEqual(new Boom({ domain: "company1.com" }))
        expect(yield* stored()).toEqual(Option.none())
      }).pipe(Effect.provide(onSim(profile))))

    it.effect("a handler error that is a Recotap error by tag is still the handler's: retried, not fatal", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim, 1)
        let calls = 0
        const job = yield* Effect.fork(AccountSyncJob.schedule({
          onAccount: () =>
            Effect.suspend(() =>
              ++calls === 1
                ? Effect.fail({ _tag: "InvalidApiKey" as const, detail: "the handler's own Recotap call" })
                : Effect.void
            )
        }, Schedule.spaced("15 minutes")))
        yield* waitFor(Effect.sync(() => calls === 1), "the first call")
        yield* waitForSleep("15 minutes")
        expect(yield* Fiber.poll(job)).toEqual(Option.none())
        yield* TestClock.adjust("15 minutes")
        yield* waitFor(Effect.sync(() => calls === 2), "the second call")
        yield* Fiber.interrupt(job)
      }).pipe(Effect.provide(onSim(profile))))
  })
}

describe("AccountSyncJob: types", () => {
  it("takes one of onAccount and onPage, and infers the handler's error and requirements", () => {
    const handler = (_: Account) => Effect.fail(new Boom({ domain: "" }))
    const _run = AccountSyncJob.runOnce({ onAccount: handler })
    type Expected = ReadError | AccountSyncJob.CheckpointCorrupt | PlatformError.PlatformError | Boom
    type Actual = Effect.Effect.Error<typeof _run>
    const exact: [Actual] extends [Expected] ? [Expected] extends [Actual] ? true : false : false = true
    expect(exact).toBe(true)
    class Db extends Context.Tag("Db")<Db, { readonly upsert: (a: Account) => Effect.Effect<void> }>() {}
    const _withDb = AccountSyncJob.runOnce({
      onPage: (accounts) => Effect.flatMap(Db, (db) => db.upsert(accounts[0]!))
    })
    type Needs = Effect.Effect.Context<typeof _withDb>
    type NeedsExpected = RecotapCrm | KeyValueStore.KeyValueStore | Db
    const needs: [Needs] extends [NeedsExpected] ? [NeedsExpected] extends [Needs] ? true : false : false = true
    expect(needs).toBe(true)
    // @ts-expect-error: not both
    const _both = AccountSyncJob.runOnce({ onAccount: () => Effect.void, onPage: () => Effect.void })
    // @ts-expect-error: one of them is needed
    const _neither = AccountSyncJob.runOnce({ limit: 10 })
  })
})
