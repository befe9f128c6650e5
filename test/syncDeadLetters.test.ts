/**
 * `AccountSyncJob`'s dead letters: a record that cannot be read is not lost when the checkpoint
 * moves on. It is kept (bounded) with its error and when it was seen, counted in the run's
 * summary, handed to `onMalformed` once, settled by a later run that reads the account, and
 * offered to the user: read, retry, drop.
 */
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { describe, expect, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as AccountSyncJob from "../src/AccountSyncJob.js"
import type { MalformedAccount } from "../src/index.js"
import { account, crmWith, envelope, logRecords, recordingLogger } from "./helpers.js"

const KEY = AccountSyncJob.DEFAULT_CHECKPOINT_KEY
const LETTERS = `${KEY}/dead-letters`

/** Account 5 as a record without a domain: no run can read it. */
const { domain: _, ...withoutDomain } = account(5)

/** A server answering the given records on every sync, with the given server time. */
const serving = (state: { data: Array<unknown>; time: string }) => {
  const { layer, sent } = crmWith(() =>
    envelope({ data: state.data, nextCursor: null, hasNextPage: false, syncTimestamp: state.time })
  )
  return { sent, layer: Layer.merge(layer, KeyValueStore.layerMemory) }
}

class Refused extends Data.TaggedError("Refused")<{ readonly domain: string }> {}

describe("AccountSyncJob: dead letters", () => {
  it.effect("a record that cannot be read is kept with its error and when it was seen, and counted in the summary", () => {
    const state = { data: [account(1), withoutDomain, account(2)] as Array<unknown>, time: "2026-05-01T10:00:00Z" }
    const logs = recordingLogger()
    return Effect.gen(function*() {
      const handed: Array<MalformedAccount> = []
      const run = yield* AccountSyncJob.runOnce({
        onAccount: () => Effect.void,
        onMalformed: (record) => Effect.sync(() => void handed.push(record))
      })
      expect(run).toMatchObject({ changed: 2, malformed: 1, deadLetters: 1 })
      const [letter, ...others] = yield* AccountSyncJob.deadLetters()
      expect(others).toEqual([])
      expect(letter).toMatchObject({ record: { index: 1, raw: withoutDomain }, timesSeen: 1 })
      expect(letter!.record.error).toContain("domain")
      expect(DateTime.formatIso(letter!.firstSeen)).toBe("2026-05-01T10:00:00.000Z")
      expect(handed).toHaveLength(1)
      const summary = logRecords(logs.lines).find((r) => r.logLevel === "INFO")
      expect(summary?.message).toBe("Recotap accounts sync: 2 changed, 1 malformed, 1 dead letter kept in 0 ms")
      expect(summary?.annotations).toMatchObject({ deadLetters: 1 })

      // Read again a minute later, inside the overlap: not handed over again, seen twice.
      state.time = "2026-05-01T10:01:00Z"
      const again = yield* AccountSyncJob.runOnce({
        onAccount: () => Effect.void,
        onMalformed: (record) => Effect.sync(() => void handed.push(record))
      })
      expect(again).toMatchObject({ changed: 0, malformed: 0, deadLetters: 1, alreadyDelivered: 2 })
      expect(handed).toHaveLength(1)
      const [seenTwice] = yield* AccountSyncJob.deadLetters()
      expect(seenTwice).toMatchObject({ id: letter!.id, timesSeen: 2 })
      expect(DateTime.formatIso(seenTwice!.firstSeen)).toBe("2026-05-01T10:00:00.000Z")
      expect(DateTime.formatIso(seenTwice!.lastSeen)).toBe("2026-05-01T10:01:00.000Z")
    }).pipe(Effect.provide(Layer.merge(serving(state).layer, logs.layer)))
  })

  it.effect("a later run that reads the account readable settles its letter and delivers it", () => {
    const state = { data: [withoutDomain] as Array<unknown>, time: "2026-05-01T10:00:00Z" }
    return Effect.gen(function*() {
      const seen: Array<string> = []
      yield* AccountSyncJob.runOnce({ onAccount: (a) => Effect.sync(() => void seen.push(a.domain)) })
      expect(yield* AccountSyncJob.deadLetters()).toHaveLength(1)

      state.time = "2026-05-01T11:00:00Z"
      state.data = [account(5)]
      const run = yield* AccountSyncJob.runOnce({ onAccount: (a) => Effect.sync(() => void seen.push(a.domain)) })
      expect(run).toMatchObject({ changed: 1, deadLetters: 0 })
      expect(seen).toEqual(["company5.com"])
      expect(yield* AccountSyncJob.deadLetters()).toEqual([])
    }).pipe(Effect.provide(serving(state).layer))
  })

  it.effect("are bounded: past maxDeadLetters those seen longest ago go, with a warning", () => {
    const unreadable = (n: number) => ({ ...account(n), domain: null })
    const state = { data: [unreadable(1), unreadable(2)] as Array<unknown>, time: "2026-05-01T10:00:00Z" }
    const logs = recordingLogger()
    return Effect.gen(function*() {
      yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void, maxDeadLetters: 2 })
      state.time = "2026-05-01T11:00:00Z"
      state.data = [unreadable(3), unreadable(2)]
      const run = yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void, maxDeadLetters: 2 })
      expect(run.deadLetters).toBe(2)
      const kept = yield* AccountSyncJob.deadLetters()
      expect(kept.map((letter) => (letter.record.raw as { rtp_aid: string }).rtp_aid).sort()).toEqual([
        account(2).rtp_aid,
        account(3).rtp_aid
      ])
      expect(logRecords(logs.lines).filter((r) => r.logLevel === "WARN").map((r) => r.message)).toContainEqual(
        "Recotap accounts sync: 1 dead letter(s) let go, the oldest seen, to keep 2"
      )
    }).pipe(Effect.provide(Layer.merge(serving(state).layer, logs.layer)))
  })

  it.effect("dropDeadLetters lets go of the letters named; the others stay", () => {
    const state = {
      data: [withoutDomain, { ...account(6), domain: null }] as Array<unknown>,
      time: "2026-05-01T10:00:00Z"
    }
    return Effect.gen(function*() {
      yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void })
      const letters = yield* AccountSyncJob.deadLetters()
      expect(letters).toHaveLength(2)
      expect(yield* AccountSyncJob.dropDeadLetters([letters[0]!.id, "no-such-id"])).toBe(1)
      expect((yield* AccountSyncJob.deadLetters()).map((l) => l.id)).toEqual([letters[1]!.id])
    }).pipe(Effect.provide(serving(state).layer))
  })

  it.effect("retryDeadLetters hands over the letters that read as accounts now; the others stay", () => {
    const state = { data: [withoutDomain] as Array<unknown>, time: "2026-05-01T10:00:00Z" }
    return Effect.gen(function*() {
      const store = yield* KeyValueStore.KeyValueStore
      yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void })
      // A letter an older version of the client kept, that this one reads: as if stored then.
      const [kept] = yield* AccountSyncJob.deadLetters()
      const stored = JSON.parse((yield* store.get(LETTERS)).pipe((o) => o._tag === "Some" ? o.value : "[]"))
      yield* store.set(
        LETTERS,
        JSON.stringify([...stored, { ...stored[0], id: "readable", record: { ...stored[0].record, raw: account(7) } }])
      )

      const taken: Array<string> = []
      const count = yield* AccountSyncJob.retryDeadLetters((a) => Effect.sync(() => void taken.push(a.domain)))
      expect(count).toBe(1)
      expect(taken).toEqual(["company7.com"])
      expect((yield* AccountSyncJob.deadLetters()).map((l) => l.id)).toEqual([kept!.id])
    }).pipe(Effect.provide(serving(state).layer))
  })

  it.effect("retryDeadLetters stops at a handler's failure with its error; letters taken before it are let go", () => {
    const state = { data: [] as Array<unknown>, time: "2026-05-01T10:00:00Z" }
    return Effect.gen(function*() {
      const store = yield* KeyValueStore.KeyValueStore
      const letter = (n: number) => ({
        id: `letter-${n}`,
        record: { index: 0, raw: account(n), error: "domain: is missing" },
        firstSeen: "2026-05-01T10:00:00.000Z",
        lastSeen: "2026-05-01T10:00:00.000Z",
        timesSeen: 1
      })
      yield* store.set(LETTERS, JSON.stringify([letter(1), letter(2), letter(3)]))
      const error = yield* Effect.flip(
        AccountSyncJob.retryDeadLetters((a) =>
          a.domain === "company2.com" ? Effect.fail(new Refused({ domain: a.domain })) : Effect.void
        )
      )
      expect(error).toEqual(new Refused({ domain: "company2.com" }))
      expect((yield* AccountSyncJob.deadLetters()).map((l) => l.id).sort()).toEqual(["letter-2", "letter-3"])
    }).pipe(Effect.provide(serving(state).layer))
  })

  it.effect("a stored value that cannot be read as dead letters fails the run before anything is requested", () => {
    const state = { data: [account(1)] as Array<unknown>, time: "2026-05-01T10:00:00Z" }
    const { layer, sent } = serving(state)
    return Effect.gen(function*() {
      const store = yield* KeyValueStore.KeyValueStore
      yield* store.set(LETTERS, "[{\"id\": 1}]")
      const error = yield* Effect.flip(AccountSyncJob.runOnce({ onAccount: () => Effect.void }))
      expect(error).toMatchObject({ _tag: "CheckpointCorrupt", key: LETTERS, expected: "the job's dead letters" })
      expect(error.message).toContain(`"${LETTERS}" cannot be read as the job's dead letters`)
      expect(sent).toHaveLength(0)
      expect(yield* Effect.flip(AccountSyncJob.deadLetters())).toMatchObject({ _tag: "CheckpointCorrupt" })
    }).pipe(Effect.provide(layer))
  })

  it.effect("each job keeps its own letters, under its checkpoint key", () => {
    const state = { data: [withoutDomain] as Array<unknown>, time: "2026-05-01T10:00:00Z" }
    return Effect.gen(function*() {
      yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void, checkpointKey: "job-a" })
      expect(yield* AccountSyncJob.deadLetters({ checkpointKey: "job-a" })).toHaveLength(1)
      expect(yield* AccountSyncJob.deadLetters()).toEqual([])
    }).pipe(Effect.provide(serving(state).layer))
  })
})
