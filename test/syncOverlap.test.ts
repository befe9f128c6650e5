/**
 * The overlap window of a delta sync: `accounts.sync`, the typed view and `AccountSyncJob` ask
 * from the checkpoint minus the overlap (two minutes by default), so that a change the service
 * records in the same whole second as the checkpoint, or makes readable only after a lag, is not
 * lost; and `AccountSyncJob` hands over no account read again unchanged.
 */
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { DEFAULT_SYNC_OVERLAP } from "../src/Account.js"
import * as AccountSyncJob from "../src/AccountSyncJob.js"
import { CustomFieldSchema, RecotapCrm } from "../src/index.js"
import { account, crmWith, envelope, type SentRequest } from "./helpers.js"

const KEY = AccountSyncJob.DEFAULT_CHECKPOINT_KEY

const lastSyncOf = (request: SentRequest) => request.url.searchParams.get("lastSync")

const emptyPage = () =>
  envelope({ data: [], nextCursor: null, hasNextPage: false, syncTimestamp: "2026-05-01T10:00:00Z" })

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

/**
 * A service as the live one was seen to behave: it records each change at the whole second, and
 * answers `lastSync` at whole-second precision (only changes in a later second than `lastSync`).
 */
const wholeSecondService = () => {
  const now = { millis: Date.parse("2026-05-01T10:00:00.300Z") }
  const accounts = new Map<string, { readonly body: ReturnType<typeof account>; readonly second: number }>()
  const write = (n: number, score: number) => {
    accounts.set(String(n), {
      body: { ...account(n), rtp_account_score: score },
      second: Math.floor(now.millis / 1000)
    })
  }
  const handler = (request: SentRequest) => {
    const lastSync = lastSyncOf(request)
    const since = lastSync === null ? -Infinity : Math.floor(Date.parse(lastSync) / 1000)
    const data = [...accounts.values()].filter((a) => a.second > since).map((a) => a.body)
    const syncTimestamp = new Date(Math.floor(now.millis / 1000) * 1000).toISOString()
    return envelope({ data, nextCursor: null, hasNextPage: false, syncTimestamp })
  }
  return { now, write, handler }
}

describe("accounts.sync: the overlap window", () => {
  it.effect("asks from lastSync minus two minutes by default, as ISO 8601 UTC, whatever form lastSync takes", () => {
    const { layer, sent } = crmWith(emptyPage)
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expect(Duration.toMillis(Duration.decode(DEFAULT_SYNC_OVERLAP))).toBe(120_000)
      yield* Stream.runDrain(crm.accounts.sync({ lastSync: "2026-05-01T12:00:00+02:00" }))
      yield* Stream.runDrain(crm.accounts.sync({ lastSync: new Date("2026-05-01T10:00:00Z") }))
      yield* Stream.runDrain(crm.accounts.sync({ lastSync: DateTime.unsafeMake("2026-05-01T10:00:00Z") }))
      yield* Stream.runDrain(crm.accounts.sync({ lastSync: "2026-05-01T10:00:00Z", overlap: "30 seconds" }))
      yield* Stream.runDrain(crm.accounts.sync({ lastSync: "2026-05-01T10:00:00Z", overlap: 0 }))
      yield* Stream.runDrain(crm.accounts.sync())
      expect(sent.map(lastSyncOf)).toEqual([
        "2026-05-01T09:58:00.000Z",
        "2026-05-01T09:58:00.000Z",
        "2026-05-01T09:58:00.000Z",
        "2026-05-01T09:59:30.000Z",
        "2026-05-01T10:00:00Z", // no overlap: as given
        null
      ])
    }).pipe(Effect.provide(layer))
  })

  it.effect("an overlap that is not a finite duration fails before anything is sent", () => {
    const { layer, sent } = crmWith(emptyPage)
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(
        Stream.runDrain(crm.accounts.sync({ lastSync: "2026-05-01T10:00:00Z", overlap: Duration.infinity }))
      )
      expect(error).toMatchObject({ _tag: "TransportError", reason: "InvalidRequest", notProcessed: true })
      expect(error.message).toContain("overlap")
      expect(sent).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a lastSync the server reads but Date cannot (a week date) is sent as given; an invalid one is refused", () => {
    const { layer, sent } = crmWith(emptyPage)
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      yield* Stream.runDrain(crm.accounts.sync({ lastSync: "2026-W17" }))
      expect(sent.map(lastSyncOf)).toEqual(["2026-W17"])
      const error = yield* Effect.flip(Stream.runDrain(crm.accounts.sync({ lastSync: "2026-04-22T24:00:00Z" })))
      expect(error).toMatchObject({ _tag: "TransportError", reason: "InvalidRequest" })
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a write in the same whole second as the checkpoint, after it was read, is lost without the overlap and delivered with it", () => {
    const service = wholeSecondService()
    const { layer } = crmWith(service.handler)
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      service.write(1, 10)
      const first = yield* collect(crm.accounts.sync())
      const last = first.at(-1)
      const checkpoint = last?._tag === "Completed" ? last.checkpoint : undefined
      expect(DateTime.formatIso(checkpoint!)).toBe("2026-05-01T10:00:00.000Z")
      // 400 ms later, in the same second: recorded as 10:00:00.
      service.now.millis += 400
      service.write(2, 20)
      const exact = yield* collect(crm.accounts.sync({ lastSync: checkpoint!, overlap: 0 }))
      expect(exact.filter((e) => e._tag === "Changed")).toEqual([])
      const overlapping = yield* collect(crm.accounts.sync({ lastSync: checkpoint! }))
      expect(overlapping.flatMap((e) => e._tag === "Changed" ? [e.account.domain] : [])).toEqual([
        "company1.com",
        "company2.com"
      ])
    }).pipe(Effect.provide(layer))
  })

  it.effect("the typed view's sync reaches back alike", () => {
    const { layer, sent } = crmWith(emptyPage)
    const Fields = CustomFieldSchema.declare({ CRM_STAGE_C: CustomFieldSchema.text() })
    return Effect.gen(function*() {
      const typed = yield* CustomFieldSchema.typed(Fields)
      yield* Stream.runDrain(typed.accounts.sync({ lastSync: "2026-05-01T10:00:00Z" }))
      yield* Stream.runDrain(typed.accounts.sync({ lastSync: "2026-05-01T10:00:00Z", overlap: "5 seconds" }))
      expect(sent.map(lastSyncOf)).toEqual(["2026-05-01T09:58:00.000Z", "2026-05-01T09:59:55.000Z"])
    }).pipe(Effect.provide(layer))
  })
})

describe("AccountSyncJob: accounts read again in the overlap window", () => {
  /** A server answering the given accounts on every sync, with the given server time. */
  const serving = (state: { data: Array<unknown>; time: string }) => () =>
    envelope({ data: state.data, nextCursor: null, hasNextPage: false, syncTimestamp: state.time })

  it.effect("are handed over again only when they changed, in any field; the run counts the others", () => {
    const state = { data: [account(1), account(2)] as Array<unknown>, time: "2026-05-01T10:00:00Z" }
    const { layer } = crmWith(serving(state))
    return Effect.gen(function*() {
      const seen: Array<string> = []
      const onAccount = (a: { readonly domain: string; readonly customFields?: unknown }) =>
        Effect.sync(() => void seen.push(`${a.domain}${a.customFields === undefined ? "" : " (fields)"}`))
      const first = yield* AccountSyncJob.runOnce({ onAccount })
      expect(first).toMatchObject({ changed: 2, alreadyDelivered: 0 })

      // Read again 30 s later, inside the overlap: company2 has a new custom field, same date.
      state.time = "2026-05-01T10:00:30Z"
      state.data = [account(1), { ...account(2), customFields: { CRM_STAGE_C: "POC" } }]
      const second = yield* AccountSyncJob.runOnce({ onAccount })
      expect(second).toMatchObject({ changed: 1, alreadyDelivered: 1 })
      expect(seen).toEqual(["company1.com", "company2.com", "company2.com (fields)"])

      // With onPage: only the changed accounts of the page, and no page when none changed.
      const pages: Array<ReadonlyArray<string>> = []
      state.data = [account(1), { ...account(2), customFields: { CRM_STAGE_C: "POC" } }, account(3)]
      const third = yield* AccountSyncJob.runOnce({
        onPage: (accounts) => Effect.sync(() => void pages.push(accounts.map((a) => a.domain)))
      })
      expect(third).toMatchObject({ changed: 1, alreadyDelivered: 2 })
      yield* AccountSyncJob.runOnce({
        onPage: (accounts) => Effect.sync(() => void pages.push(accounts.map((a) => a.domain)))
      })
      expect(pages).toEqual([["company3.com"]])
    }).pipe(Effect.provide(Layer.merge(layer, KeyValueStore.layerMemory)))
  })

  it.effect("keeps in mind only what the next run can read again: the store stays bounded", () => {
    const state = { data: [account(1), account(2)] as Array<unknown>, time: "2026-05-01T10:00:00Z" }
    const { layer } = crmWith(serving(state))
    return Effect.gen(function*() {
      const store = yield* KeyValueStore.KeyValueStore
      yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void })
      const remembered = () =>
        Effect.map(store.get(`${KEY}/delivered`), (text) => Object.keys(JSON.parse(Option.getOrThrow(text)).accounts))
      expect(yield* remembered()).toEqual(["000000000000000000000001", "000000000000000000000002"])

      // An hour later only company3 is read: the others cannot come again unchanged.
      state.time = "2026-05-01T11:00:00Z"
      state.data = [account(3)]
      yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void })
      expect(yield* remembered()).toEqual(["000000000000000000000003"])
    }).pipe(Effect.provide(Layer.merge(layer, KeyValueStore.layerMemory)))
  })

  it.effect("a remembered state that cannot be read costs only deliveries again, never a failure", () => {
    const state = { data: [account(1)] as Array<unknown>, time: "2026-05-01T10:00:00Z" }
    const { layer } = crmWith(serving(state))
    return Effect.gen(function*() {
      const store = yield* KeyValueStore.KeyValueStore
      yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void })
      yield* store.set(`${KEY}/delivered`, "{not json")
      const run = yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void })
      expect(run).toMatchObject({ changed: 1, alreadyDelivered: 0 })
    }).pipe(Effect.provide(Layer.merge(layer, KeyValueStore.layerMemory)))
  })

  it.effect("asks from the stored checkpoint minus the overlap given", () => {
    const state = { data: [] as Array<unknown>, time: "2026-05-01T10:00:00Z" }
    const { layer, sent } = crmWith(serving(state))
    return Effect.gen(function*() {
      yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void })
      yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void, overlap: "10 seconds" })
      yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void })
      expect(sent.map(lastSyncOf)).toEqual([null, "2026-05-01T09:59:50.000Z", "2026-05-01T09:58:00.000Z"])
    }).pipe(Effect.provide(Layer.merge(layer, KeyValueStore.layerMemory)))
  })

  it.effect("on a schedule, an overlap refused before sending ends the job instead of failing every tick", () => {
    const state = { data: [] as Array<unknown>, time: "2026-05-01T10:00:00Z" }
    const { layer, sent } = crmWith(serving(state))
    return Effect.gen(function*() {
      yield* KeyValueStore.KeyValueStore.pipe(Effect.flatMap((store) => store.set(KEY, "2026-05-01T09:00:00Z")))
      const error = yield* Effect.flip(
        AccountSyncJob.schedule(
          { onAccount: () => Effect.void, overlap: Duration.infinity },
          Schedule.spaced("1 minute")
        )
      )
      expect(error).toMatchObject({ _tag: "TransportError", reason: "InvalidRequest" })
      expect(sent).toHaveLength(0)
    }).pipe(Effect.provide(Layer.merge(layer, KeyValueStore.layerMemory)))
  })
})

describe("AccountSyncJob.schedule: what waiting cannot fix", () => {
  it.effect("a base URL that does not serve the API ends the job at the first tick", () => {
    const { layer, sent } = crmWith(() =>
      new Response(
        JSON.stringify({ statusCode: 404, message: "Cannot GET /api/v1/crm/accounts", error: "Not Found" }),
        {
          status: 404,
          headers: { "content-type": "application/json" }
        }
      )
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip(
        AccountSyncJob.schedule({ onAccount: () => Effect.void }, Schedule.spaced("1 minute"))
      )
      expect(error).toMatchObject({ _tag: "TransportError", reason: "RouteNotFound" })
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(Layer.merge(layer, KeyValueStore.layerMemory)))
  })
})
