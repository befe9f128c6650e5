/**
 * A Stream value is a description: running it twice runs it from the start twice. Nothing of
 * one run (the cursors seen, the checkpoint, the counts) may leak into the next.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { RecotapCrm } from "../src/index.js"
import { account, crmWith, envelope, type SentRequest } from "./helpers.js"

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

/**
 * Serves `total` records in pages of `size` for both `/accounts` and `/segments`: the cursor is
 * the index of the next record; the last page keeps its cursor, as the live service does.
 */
const pagedServer = (total: number, size: number) => (request: SentRequest) => {
  const from = Number(request.url.searchParams.get("cursor") ?? "0")
  const to = Math.min(total, from + size)
  const hasNextPage = to < total
  const segments = request.url.pathname.endsWith("/segments")
  const data = Array.from(
    { length: to - from },
    (_, i) =>
      segments ? { segmentId: `seg-${from + i}`, name: `Segment ${from + i}`, status: "active" } : account(from + i)
  )
  return envelope(
    {
      data,
      nextCursor: hasNextPage ? String(to) : String(from),
      hasNextPage,
      ...(segments ? {} : { syncTimestamp: "2026-05-01T00:00:00.000Z" })
    },
    segments ? "/api/v1/crm/segments" : "/api/v1/crm/accounts"
  )
}

const accountIds = Array.from({ length: 7 }, (_, i) => account(i).rtp_aid)
const segmentIds = Array.from({ length: 7 }, (_, i) => `seg-${i}`)
/** The cursors one full run sends: the first page, then 3 and 6. */
const oneRun = [null, "3", "6"]
const cursors = (sent: ReadonlyArray<SentRequest>) => sent.map((r) => r.url.searchParams.get("cursor"))

describe("a stream value built once runs from the start every time", () => {
  it.effect("accounts.stream()", () => {
    const { layer, sent } = crmWith(pagedServer(7, 3))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const stream = crm.accounts.stream({ limit: 3 })
      const first = yield* collect(stream)
      const second = yield* collect(stream)
      expect(first.map((a) => a.rtp_aid)).toEqual(accountIds)
      expect(second.map((a) => a.rtp_aid)).toEqual(accountIds)
      expect(cursors(sent)).toEqual([...oneRun, ...oneRun])
    }).pipe(Effect.provide(layer))
  })

  it.effect("accounts.stream() in fail mode", () => {
    const { layer } = crmWith(pagedServer(7, 3))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const stream = crm.accounts.stream({ limit: 3 }, { onMalformed: "fail" })
      expect((yield* collect(stream)).map((a) => a.rtp_aid)).toEqual(accountIds)
      expect((yield* collect(stream)).map((a) => a.rtp_aid)).toEqual(accountIds)
    }).pipe(Effect.provide(layer))
  })

  it.effect("accounts.pages()", () => {
    const { layer, sent } = crmWith(pagedServer(7, 3))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const pages = crm.accounts.pages({ limit: 3 })
      const first = yield* collect(pages)
      const second = yield* collect(pages)
      expect(first.flatMap((p) => p.data.map((a) => a.rtp_aid))).toEqual(accountIds)
      expect(second).toEqual(first)
      expect(cursors(sent)).toEqual([...oneRun, ...oneRun])
    }).pipe(Effect.provide(layer))
  })

  it.effect("accounts.pages() from a given cursor", () => {
    const { layer, sent } = crmWith(pagedServer(7, 3))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const pages = crm.accounts.pages({ limit: 3, cursor: "3" })
      const first = yield* collect(pages)
      const second = yield* collect(pages)
      expect(first.flatMap((p) => p.data.map((a) => a.rtp_aid))).toEqual(accountIds.slice(3))
      expect(second).toEqual(first)
      expect(cursors(sent)).toEqual(["3", "6", "3", "6"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("accounts.sync()", () => {
    const { layer, sent } = crmWith(pagedServer(7, 3))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const sync = crm.accounts.sync({ limit: 3 })
      const first = yield* collect(sync)
      const second = yield* collect(sync)
      for (const events of [first, second]) {
        expect(events.flatMap((e) => (e._tag === "Changed" ? [e.account.rtp_aid] : []))).toEqual(accountIds)
        expect(events.at(-1)).toMatchObject({ _tag: "Completed", changed: 7, malformed: 0 })
        expect(events).toHaveLength(8)
      }
      expect(cursors(sent)).toEqual([...oneRun, ...oneRun])
    }).pipe(Effect.provide(layer))
  })

  it.effect("segments.stream()", () => {
    const { layer, sent } = crmWith(pagedServer(7, 3))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const stream = crm.segments.stream({ limit: 3 })
      expect((yield* collect(stream)).map((s) => s.segmentId)).toEqual(segmentIds)
      expect((yield* collect(stream)).map((s) => s.segmentId)).toEqual(segmentIds)
      expect(cursors(sent)).toEqual([...oneRun, ...oneRun])
    }).pipe(Effect.provide(layer))
  })

  it.effect("segments.pages()", () => {
    const { layer, sent } = crmWith(pagedServer(7, 3))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const pages = crm.segments.pages({ limit: 3 })
      const first = yield* collect(pages)
      const second = yield* collect(pages)
      expect(first.flatMap((p) => p.data.map((s) => s.segmentId))).toEqual(segmentIds)
      expect(second).toEqual(first)
      expect(cursors(sent)).toEqual([...oneRun, ...oneRun])
    }).pipe(Effect.provide(layer))
  })

  it.effect("two runs of one stream value at the same time do not share their cursors", () => {
    const { layer } = crmWith(pagedServer(7, 3))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const stream = crm.accounts.stream({ limit: 3 })
      const [a, b] = yield* Effect.all([collect(stream), collect(stream)], { concurrency: 2 })
      expect(a.map((x) => x.rtp_aid)).toEqual(accountIds)
      expect(b.map((x) => x.rtp_aid)).toEqual(accountIds)
    }).pipe(Effect.provide(layer))
  })
})
