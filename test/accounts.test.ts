import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { RecotapCrm } from "../src/index.js"
import { account, crmWith, envelope, errorEnvelope, json, SECRET, type SentRequest } from "./helpers.js"

const page = (
  accounts: ReadonlyArray<unknown>,
  more: { nextCursor?: string | null; hasNextPage?: boolean; syncTimestamp?: string } = {}
) =>
  envelope({
    data: accounts,
    nextCursor: more.nextCursor ?? null,
    hasNextPage: more.hasNextPage ?? false,
    ...(more.syncTimestamp === undefined ? {} : { syncTimestamp: more.syncTimestamp })
  })

/** Serves `total` accounts in pages of `size`, cursor = index of the next account; the last page keeps its cursor. */
const pagedServer = (total: number, size: number, syncTimestamp = (n: number) => `2026-05-0${n + 1}T00:00:00.000Z`) => {
  let served = 0
  return (request: SentRequest) => {
    const from = Number(request.url.searchParams.get("cursor") ?? "0")
    const to = Math.min(total, from + size)
    const hasNextPage = to < total
    return page(Array.from({ length: to - from }, (_, i) => account(from + i)), {
      nextCursor: hasNextPage ? String(to) : String(from),
      hasNextPage,
      syncTimestamp: syncTimestamp(served++)
    })
  }
}

const list = (params?: Parameters<RecotapCrm["Type"]["accounts"]["list"]>[0]) =>
  Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list(params))

describe("accounts.list", () => {
  it.effect("decodes an enveloped page with every documented field", () => {
    const { layer, sent } = crmWith(() =>
      page([{ ...account(1), customFields: { CRM_STAGE_C: "POC", RENEWAL_DATE_C: null } }], {
        nextCursor: "abc",
        hasNextPage: true,
        syncTimestamp: "2026-04-30T10:00:00.000Z"
      })
    )
    return Effect.gen(function*() {
      const result = yield* list()
      expect(result.hasNextPage).toBe(true)
      expect(result.nextCursor).toBe("abc")
      expect(result.syncTimestamp && DateTime.formatIso(result.syncTimestamp)).toBe("2026-04-30T10:00:00.000Z")
      expect(result.data[0]).toEqual({ ...account(1), customFields: { CRM_STAGE_C: "POC", RENEWAL_DATE_C: null } })
      expect(sent).toHaveLength(1)
      expect(sent[0]!.method).toBe("GET")
      expect(sent[0]!.url.toString()).toBe("https://eapi.recotap.com/api/v1/crm/accounts")
    }).pipe(Effect.provide(layer))
  })

  it.effect("reads unscored accounts: missing or null scores are 0, a missing stage is empty", () => {
    const { layer } = crmWith(() =>
      page([{ name: "acme", domain: "acme.com", rtp_aid: "6a21b8855a81c58936372c2d", rtp_account_score: null }])
    )
    return Effect.gen(function*() {
      const [first] = (yield* list()).data
      expect(first).toMatchObject({ rtp_account_score: 0, rtp_g2_intent_score: 0, rtp_journey_stage: "" })
      expect(first?.externalId).toBeUndefined()
    }).pipe(Effect.provide(layer))
  })

  it.effect("accepts a page sent without the envelope", () => {
    const { layer } = crmWith(() => json({ data: [account(1)], nextCursor: null, hasNextPage: false }))
    return Effect.gen(function*() {
      expect((yield* list()).data.map((a) => a.domain)).toEqual(["company1.com"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("sends the key, JSON accept header and every parameter in wire form", () => {
    const { layer, sent } = crmWith(() => page([]), SECRET, { revision: "external", retry: { maxRetries: 0 } })
    return Effect.gen(function*() {
      yield* list({
        lastSync: new Date("2026-04-22T10:30:00Z"),
        limit: 25,
        cursor: "663abc",
        domains: ["acme.com", "https://www.hubspot.com/x"]
      })
      yield* list({ lastSync: DateTime.unsafeMakeZoned(new Date("2026-04-22T10:30:00Z"), { timeZone: "+02:00" }) })
      const [first, second] = sent
      expect(first!.headers["x-api-key"]).toBe(SECRET)
      expect(first!.headers["accept"]).toBe("application/json")
      expect(Object.fromEntries(first!.url.searchParams)).toEqual({
        lastSync: "2026-04-22T10:30:00.000Z",
        limit: "25",
        cursor: "663abc",
        domains: "[\"acme.com\",\"https://www.hubspot.com/x\"]"
      })
      expect(second!.headers["x-api-key"]).toBe(SECRET)
      expect(second!.url.searchParams.get("lastSync")).toBe("2026-04-22T10:30:00.000Z")
    }).pipe(Effect.provide(layer))
  })

  it.effect("the CRM revision, which documents no domains filter, refuses it before sending anything", () => {
    const { layer, sent } = crmWith(() => page([]))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list({ domains: ["acme.com"] }))
      expect(error).toMatchObject({ _tag: "TransportError", reason: "InvalidRequest" })
      expect(error.message).toContain("External revision")
      const crm = yield* RecotapCrm
      const fromStream = yield* Effect.flip(Stream.runCollect(crm.accounts.stream({ domains: ["acme.com"] })))
      expect(fromStream).toMatchObject({ reason: "InvalidRequest" })
      expect(sent).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  const invalid: ReadonlyArray<[string, Record<string, unknown>, string]> = [
    ["a zero limit", { limit: 0 }, "limit"],
    ["a negative limit", { limit: -5 }, "limit"],
    ["a fractional limit", { limit: 1.5 }, "limit"],
    ["more than 100 domains", { domains: Array.from({ length: 101 }, (_, i) => `d${i}.com`) }, "domains"],
    ["an empty domain list", { domains: [] }, "domains"],
    ["an invalid date", { lastSync: new Date("not a date") }, "lastSync"]
  ]
  for (const [name, params, parameter] of invalid) {
    it.effect(`rejects ${name} before sending anything`, () => {
      const { layer, sent } = crmWith(() => page([]), SECRET, { revision: "external", retry: { maxRetries: 0 } })
      return Effect.gen(function*() {
        const error = yield* Effect.flip(list(params as never))
        expect(error._tag).toBe("TransportError")
        expect(error._tag === "TransportError" && error.reason).toBe("InvalidRequest")
        expect(error.message).toContain("could not be built")
        expect(error.message).toContain(parameter)
        expect(sent).toHaveLength(0)
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("a 400 on a read is a TransportError with the server's text", () => {
    const { layer } = crmWith(() =>
      errorEnvelope(400, {
        message: "Bad Request",
        customMessage: "lastSync must be a valid ISO 8601 date string",
        data: null
      })
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list())
      expect(error).toMatchObject({ _tag: "TransportError", reason: "StatusCode", status: 400 })
      expect(error.message).toContain("lastSync must be a valid ISO 8601 date string")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 5xx is a TransportError carrying method, URL and status", () => {
    const { layer } = crmWith(() => errorEnvelope(503, { message: "Service Unavailable" }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list({ limit: 5 }))
      expect(error).toMatchObject({
        _tag: "TransportError",
        reason: "StatusCode",
        status: 503,
        method: "GET",
        url: "https://eapi.recotap.com/api/v1/crm/accounts?limit=5"
      })
      expect(error.message).toContain("Service Unavailable")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a body that is not JSON is a Decode TransportError", () => {
    const { layer } = crmWith(() => new Response("<html><body>502 Bad Gateway</body></html>", { status: 200 }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list())
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode", status: 200 })
      expect(error.message).toContain("not JSON")
    }).pipe(Effect.provide(layer))
  })

  it.effect("an account without its rtp_aid is reported malformed, naming the field; a page of the wrong shape is a Decode TransportError", () => {
    const { layer } = crmWith(() => page([{ ...account(1), rtp_aid: " " }]))
    const broken = crmWith(() => envelope({ data: [account(1)], nextCursor: null }))
    return Effect.gen(function*() {
      const result = yield* list().pipe(Effect.provide(layer))
      expect(result.data).toEqual([])
      expect(result.malformed[0]).toMatchObject({ index: 0, error: "rtp_aid: must not be empty" })
      const error = yield* Effect.flip(list()).pipe(Effect.provide(broken.layer))
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode" })
      expect(error.message).toContain("hasNextPage")
    })
  })

  it.effect("a connection failure is a Transport TransportError", () => {
    const { layer } = crmWith(() => Effect.fail(new TypeError("fetch failed: ECONNREFUSED")))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list())
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Transport", method: "GET" })
      expect(error._tag === "TransportError" && error.cause).toBeInstanceOf(TypeError)
    }).pipe(Effect.provide(layer))
  })

  it.effect("times out after the configured 30 s by default", () => {
    const { layer } = crmWith(() => Effect.never)
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(list()))
      yield* TestClock.adjust("29 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Timeout" })
      expect(error.message).toContain("30s")
    }).pipe(Effect.provide(layer))
  })
})

describe("accounts.stream", () => {
  it.effect("pages on hasNextPage, even though the last page keeps a cursor", () => {
    const { layer, sent } = crmWith(pagedServer(7, 3))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const all = yield* Stream.runCollect(crm.accounts.stream({ limit: 3 }))
      expect(Chunk.toReadonlyArray(all).map((a) => a.externalId)).toEqual(
        Array.from({ length: 7 }, (_, i) => account(i).externalId)
      )
      expect(sent.map((r) => r.url.searchParams.get("cursor"))).toEqual([null, "3", "6"])
      expect(sent.every((r) => r.url.searchParams.get("limit") === "3")).toBe(true)
    }).pipe(Effect.provide(layer))
  })

  it.effect("starts from the given cursor", () => {
    const { layer, sent } = crmWith(pagedServer(7, 3))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const rest = yield* Stream.runCollect(crm.accounts.stream({ cursor: "5" }))
      expect(Chunk.size(rest)).toBe(2)
      expect(sent.map((r) => r.url.searchParams.get("cursor"))).toEqual(["5"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("is lazy, one page ahead: fetches the pages the consumer pulls, and at most the next", () => {
    const { layer, sent } = crmWith(pagedServer(1000, 10))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const first = yield* Stream.runCollect(Stream.take(crm.accounts.stream(), 15))
      expect(Chunk.size(first)).toBe(15)
      expect(sent.length).toBeGreaterThanOrEqual(2)
      expect(sent.length).toBeLessThanOrEqual(3)
    }).pipe(Effect.provide(layer))
  })

  it.effect("prefetches: the next page is requested while the consumer works on the current one", () => {
    const { layer, sent } = crmWith(pagedServer(30, 10))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const seenWhileWorking: Array<number> = []
      yield* crm.accounts.pages().pipe(
        Stream.runForEach(() =>
          Effect.gen(function*() {
            // The consumer's own work: the prefetch runs meanwhile.
            for (let i = 0; i < 50; i++) yield* Effect.yieldNow()
            seenWhileWorking.push(sent.length)
          })
        )
      )
      // While page 1 was worked on, page 2 had been requested; and so on; never more than one ahead.
      expect(seenWhileWorking).toEqual([2, 3, 3])
    }).pipe(Effect.provide(layer))
  })

  it.effect("fails instead of looping when a page claims more without a new cursor", () => {
    const { layer, sent } = crmWith(() => page([account(1)], { nextCursor: "same", hasNextPage: true }))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(Stream.runDrain(crm.accounts.stream({ cursor: "same" })))
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode" })
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })
})

describe("accounts.sync", () => {
  it.effect("yields every changed account, then the first page's syncTimestamp as checkpoint", () => {
    const { layer, sent } = crmWith(pagedServer(5, 2))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const events = Chunk.toReadonlyArray(
        yield* Stream.runCollect(crm.accounts.sync({ lastSync: new Date("2026-04-01T00:00:00Z"), limit: 2 }))
      )
      expect(events.slice(0, 5).map((e) => e._tag === "Changed" && e.account.externalId)).toEqual(
        Array.from({ length: 5 }, (_, i) => account(i).externalId)
      )
      const last = events[5]
      expect(last?._tag).toBe("Completed")
      // Pages carry 05-01, 05-02, 05-03: the checkpoint is the first, so nothing updated mid-sync is missed.
      expect(last?._tag === "Completed" && DateTime.formatIso(last.checkpoint)).toBe("2026-05-01T00:00:00.000Z")
      expect(events).toHaveLength(6)
      // Asked from lastSync minus the two-minute overlap, on every page.
      expect(sent.every((r) => r.url.searchParams.get("lastSync") === "2026-03-31T23:58:00.000Z")).toBe(true)
    }).pipe(Effect.provide(layer))
  })

  it.effect("emits no checkpoint when the sync fails midway", () => {
    let calls = 0
    const { layer } = crmWith((request) =>
      calls++ === 0 ? pagedServer(5, 2)(request) : errorEnvelope(500, { message: "Internal Server Error" })
    )
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(crm.accounts.sync(), (e) => Effect.sync(() => seen.push(e._tag)))
      )
      expect(error).toMatchObject({ _tag: "TransportError", status: 500 })
      expect(seen).toEqual(["Changed", "Changed"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("falls back to the time before the first request when the server sends no syncTimestamp", () => {
    const { layer } = crmWith(() => page([account(1)]))
    return Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-06-04T17:40:21Z"))
      const crm = yield* RecotapCrm
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(crm.accounts.sync()))
      const last = events.at(-1)
      expect(last?._tag === "Completed" && DateTime.formatIso(last.checkpoint)).toBe("2026-06-04T17:40:21.000Z")
    }).pipe(Effect.provide(layer))
  })
})
