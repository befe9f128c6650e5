/**
 * One odd record does not stop a sync: each account of a page is decoded on its own, tolerantly
 * where the meaning is clear; an odd field is read as its fallback and reported on the account;
 * only a record without a usable rtp_aid or domain (or not an object) cannot be read, and it is
 * reported, never dropped silently, and never fails its page. (Every odd field, one by one:
 * `accounts.oddFields.test.ts`.)
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { type Account, type AccountSyncEvent, RecotapCrm } from "../src/index.js"
import { account, crmWith, envelope, recordingLogger, type SentRequest } from "./helpers.js"

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

const without = (record: Record<string, unknown>, key: string) => {
  const { [key]: _, ...rest } = record
  return rest
}

/** The first page: good accounts, accounts that read tolerantly or with issues, and accounts that cannot be read. */
const odd: ReadonlyArray<unknown> = [
  account(0),
  { ...account(1), name: null },
  {
    ...account(2),
    externalId: null,
    customFields: null,
    rtp_last_account_date: null,
    rtp_journey_stage: null,
    rtp_g2_intent_score: null
  },
  { ...account(3), rtp_account_score: "42", rtp_website_intent_score: " 7.5 " },
  without(account(4), "rtp_aid"),
  { ...account(5), rtp_account_score: "high" },
  without(account(6), "domain"),
  42,
  account(8)
]

const { name: _name, ...nameless } = account(1)

/** What the first page's readable accounts decode to, in page order. */
const readable: ReadonlyArray<Account> = [
  account(0),
  { ...nameless, issues: [{ field: "name", received: "null", note: "Expected string, actual null; left out" }] },
  {
    name: "Company 2",
    domain: "company2.com",
    rtp_aid: account(2).rtp_aid,
    rtp_account_score: 2,
    rtp_journey_stage: "",
    rtp_advertising_activity_score: 1,
    rtp_website_intent_score: 2,
    rtp_g2_intent_score: 0,
    rtp_bombora_intent_score: 4
  },
  { ...account(3), rtp_account_score: 42, rtp_website_intent_score: 7.5 },
  {
    ...account(5),
    rtp_account_score: 0,
    issues: [{
      field: "rtp_account_score",
      received: "\"high\"",
      note: "Expected number | a numeric string | null, actual \"high\"; read as 0 (not yet scored)"
    }]
  },
  account(8)
]

/** The first page's unreadable accounts: index, and what their error must name. */
const unreadable: ReadonlyArray<readonly [number, string]> = [
  [4, "rtp_aid"],
  [6, "domain"],
  [7, "object"]
]

/**
 * Two pages: the odd one (`syncTimestamp: null` unless `firstTimestamp` is given, `nextCursor`
 * "p2"), then two good accounts with no `nextCursor` at all.
 */
const twoPages = (firstTimestamp: string | null = null) => (request: SentRequest) =>
  request.url.searchParams.get("cursor") === "p2"
    ? envelope({ data: [account(9), account(10)], hasNextPage: false, syncTimestamp: "2026-05-02T00:00:00.000Z" })
    : envelope({ data: odd, nextCursor: "p2", hasNextPage: true, syncTimestamp: firstTimestamp })

const allReadable = [...readable, account(9), account(10)]

describe("accounts.list reads each account on its own", () => {
  it.effect("the readable accounts are data, the others malformed with index, raw value and the field", () => {
    const { layer } = crmWith(twoPages())
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const page = yield* crm.accounts.list()
      expect(page.data).toEqual(readable)
      // Optional fields sent as null are absent, not null.
      expect(Object.keys(page.data[2]!)).not.toContain("externalId")
      expect(Object.keys(page.data[2]!)).not.toContain("customFields")
      expect(Object.keys(page.data[2]!)).not.toContain("rtp_last_account_date")
      expect(page.malformed.map((m) => m.index)).toEqual(unreadable.map(([index]) => index))
      for (const [index, field] of unreadable) {
        const record = page.malformed.find((m) => m.index === index)!
        expect(record.raw).toEqual(odd[index])
        expect(record.error).toContain(field)
      }
      expect(page.malformed.find((m) => m.index === 4)!.error).toBe("rtp_aid: is missing")
      expect(page.malformed.find((m) => m.index === 6)!.error).toBe("domain: is missing")
      expect(page.data.length + page.malformed.length).toBe(odd.length)
      expect(page.syncTimestamp).toBeUndefined()
      expect(page.nextCursor).toBe("p2")
      expect(page.hasNextPage).toBe(true)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a record is malformed for its identity alone, and every problem of it is named", () => {
    const { layer } = crmWith(() =>
      envelope({ data: [{ name: "acme", rtp_account_score: "n/a" }], hasNextPage: false })
    )
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const [record] = (yield* crm.accounts.list()).malformed
      expect(record?.error).toBe("rtp_aid: is missing; domain: is missing")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a page with no nextCursor and a null syncTimestamp is fine", () => {
    const { layer } = crmWith(() => envelope({ data: [account(1)], hasNextPage: false, syncTimestamp: null }))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expect(yield* crm.accounts.list()).toEqual({
        data: [account(1)],
        malformed: [],
        nextCursor: null,
        hasNextPage: false
      })
    }).pipe(Effect.provide(layer))
  })

  it.effect("a page without hasNextPage still fails, with Decode naming it", () => {
    const { layer } = crmWith(() => envelope({ data: [account(1)], nextCursor: null }))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(crm.accounts.list())
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode" })
      expect(error.message).toContain("hasNextPage")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a page whose data is not a list still fails, with Decode", () => {
    const { layer } = crmWith(() => envelope({ data: { oops: true }, hasNextPage: false }))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expect(yield* Effect.flip(crm.accounts.list())).toMatchObject({ _tag: "TransportError", reason: "Decode" })
    }).pipe(Effect.provide(layer))
  })

  it.effect("pages carry malformed too", () => {
    const { layer } = crmWith(twoPages())
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const pages = yield* collect(crm.accounts.pages())
      expect(pages.map((p) => p.malformed.length)).toEqual([unreadable.length, 0])
      expect(pages.flatMap((p) => p.data)).toEqual(allReadable)
    }).pipe(Effect.provide(layer))
  })
})

describe("accounts.stream with accounts that cannot be read", () => {
  it.effect("skips each with one warning naming its index, rtp_aid or domain, and the error (the default)", () => {
    const { layer, sent } = crmWith(twoPages())
    const logger = recordingLogger()
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expect(yield* collect(crm.accounts.stream())).toEqual(allReadable)
      expect(sent).toHaveLength(2)
      // The recording logger keeps two renderings of each line: take the logfmt ones.
      const warnings = logger.lines.filter((line) => line.includes("level=WARN"))
      expect(warnings).toHaveLength(unreadable.length)
      unreadable.forEach(([index, field], i) => {
        expect(warnings[i]).toContain(`#${index} `)
        expect(warnings[i]).toContain(field)
      })
      expect(warnings[0]).toContain("company4.com") // no rtp_aid: named by its domain
      expect(warnings[0]).not.toContain("rtp_aid \"")
      expect(warnings[1]).toContain(account(6).rtp_aid) // no domain: named by its rtp_aid
    }).pipe(Effect.provide(Layer.merge(layer, logger.layer)))
  })

  it.effect("skip, given explicitly, does the same", () => {
    const { layer } = crmWith(twoPages())
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expect(yield* collect(crm.accounts.stream({}, { onMalformed: "skip" }))).toEqual(allReadable)
    }).pipe(Effect.provide(layer))
  })

  it.effect("fails with a Decode TransportError at the first one when asked, after the accounts before it", () => {
    const { layer, sent } = crmWith(twoPages())
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(
          crm.accounts.stream({ limit: 9 }, { onMalformed: "fail" }),
          (a) => Effect.sync(() => seen.push(a.rtp_aid))
        )
      )
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode", method: "GET" })
      expect(error.message).toContain("#4 ")
      expect(error.message).toContain("rtp_aid: is missing")
      expect(error.message).toContain("company4.com")
      expect(seen).toEqual([0, 1, 2, 3].map((n) => account(n).rtp_aid))
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("fail mode passes pages with nothing malformed untouched", () => {
    const { layer } = crmWith(() =>
      envelope({ data: [account(1), { ...account(2), rtp_account_score: "5" }], hasNextPage: false })
    )
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expect(yield* collect(crm.accounts.stream({}, { onMalformed: "fail" }))).toEqual([
        account(1),
        { ...account(2), rtp_account_score: 5 }
      ])
    }).pipe(Effect.provide(layer))
  })
})

describe("accounts.sync with accounts that cannot be read", () => {
  const changedOrMalformed = (events: ReadonlyArray<AccountSyncEvent>) =>
    events.map((
      e
    ) => (e._tag === "Changed" ? e.account.rtp_aid : e._tag === "Malformed" ? `malformed #${e.record.index}` : e._tag))

  it.effect("emits Changed and Malformed in page order, then Completed with the counts and the checkpoint", () => {
    const { layer } = crmWith(twoPages("2026-05-01T00:00:00.000Z"))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const events = yield* collect(crm.accounts.sync({ lastSync: new Date("2026-04-01T00:00:00Z") }))
      expect(changedOrMalformed(events)).toEqual([
        account(0).rtp_aid,
        account(1).rtp_aid,
        account(2).rtp_aid,
        account(3).rtp_aid,
        "malformed #4",
        account(5).rtp_aid,
        "malformed #6",
        "malformed #7",
        account(8).rtp_aid,
        account(9).rtp_aid,
        account(10).rtp_aid,
        "Completed"
      ])
      expect(events.flatMap((e) => (e._tag === "Changed" ? [e.account] : []))).toEqual(allReadable)
      const malformed = events.flatMap((e) => (e._tag === "Malformed" ? [e.record] : []))
      expect(malformed.map((m) => m.raw)).toEqual(unreadable.map(([index]) => odd[index]))
      const completed = events.at(-1)
      expect(completed).toMatchObject({ _tag: "Completed", changed: allReadable.length, malformed: unreadable.length })
      // The checkpoint advances all the same.
      expect(completed?._tag === "Completed" && DateTime.formatIso(completed.checkpoint)).toBe(
        "2026-05-01T00:00:00.000Z"
      )
    }).pipe(Effect.provide(layer))
  })

  it.effect("a first page with syncTimestamp null falls back to the time before the first request", () => {
    const { layer } = crmWith(twoPages(null))
    return Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-06-04T17:40:21Z"))
      const crm = yield* RecotapCrm
      const events = yield* collect(crm.accounts.sync())
      const completed = events.at(-1)
      expect(completed).toMatchObject({ _tag: "Completed", changed: allReadable.length, malformed: unreadable.length })
      expect(completed?._tag === "Completed" && DateTime.formatIso(completed.checkpoint)).toBe(
        "2026-06-04T17:40:21.000Z"
      )
    }).pipe(Effect.provide(layer))
  })

  it.effect("a sync with nothing odd counts zero malformed", () => {
    const { layer } = crmWith(() =>
      envelope({ data: [account(1)], hasNextPage: false, syncTimestamp: "2026-05-01T00:00:00Z" })
    )
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const events = yield* collect(crm.accounts.sync())
      expect(events.at(-1)).toMatchObject({ _tag: "Completed", changed: 1, malformed: 0 })
    }).pipe(Effect.provide(layer))
  })
})

describe("lastSync as an ISO 8601 string", () => {
  const empty = () =>
    envelope({ data: [], nextCursor: null, hasNextPage: false, syncTimestamp: "2026-05-01T00:00:00.000Z" })

  it.effect("is sent as given, by list, stream and sync; a Date is still sent as ISO UTC", () => {
    const { layer, sent } = crmWith(empty)
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      yield* crm.accounts.list({ lastSync: "2026-04-22T10:30:00+02:00" })
      yield* collect(crm.accounts.stream({ lastSync: "2026-04-22" }))
      yield* collect(crm.accounts.sync({ lastSync: "2026-05-01T00:00:00.000Z" }))
      yield* crm.accounts.list({ lastSync: new Date("2026-04-22T10:30:00+02:00") })
      expect(sent.map((r) => r.url.searchParams.get("lastSync"))).toEqual([
        "2026-04-22T10:30:00+02:00",
        "2026-04-22",
        "2026-04-30T23:58:00.000Z", // a sync reaches back by its overlap window

        "2026-04-22T08:30:00.000Z"
      ])
    }).pipe(Effect.provide(layer))
  })

  const invalid: ReadonlyArray<string> = ["yesterday", "", "2026-04-22T24:00:00Z", "22/04/2026"]
  for (const lastSync of invalid) {
    it.effect(`refuses ${JSON.stringify(lastSync)} before sending, with InvalidRequest naming lastSync`, () => {
      const { layer, sent } = crmWith(empty)
      return Effect.gen(function*() {
        const crm = yield* RecotapCrm
        for (const attempt of [crm.accounts.list({ lastSync }), Stream.runDrain(crm.accounts.sync({ lastSync }))]) {
          const error = yield* Effect.flip(attempt)
          expect(error).toMatchObject({ _tag: "TransportError", reason: "InvalidRequest" })
          expect(error.message).toContain("lastSync")
          expect(error.message).toContain("ISO 8601")
        }
        expect(sent).toHaveLength(0)
      }).pipe(Effect.provide(layer))
    })
  }
})
