/** segments (keyset pages of static active/draft segments) and journeyStages against the simulator. */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { RecotapCrm, type Segment } from "../src/index.js"
import { RecotapSimulator, type Simulator, SIMULATOR_ORIGIN } from "../src/simulator/index.js"

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

/** The seven listed segments, seg-01 … seg-07, alternately active and draft. */
const listed = Array.from({ length: 7 }, (_, i): Segment & { readonly status: "active" | "draft" } => ({
  segmentId: `seg-0${i + 1}`,
  name: `Segment ${i + 1}`,
  status: i % 2 === 0 ? "active" : "draft"
}))

/** Seeds the listed segments, out of order, among segments that are never listed. */
const seed = (sim: Simulator) =>
  sim.seedSegments([
    { segmentId: "seg-00", name: "Dynamic", type: "dynamic" },
    ...listed.slice(4),
    { segmentId: "seg-035", name: "Archived", status: "archived" },
    { segmentId: "seg-045", name: "Dynamic draft", type: "dynamic", status: "draft" },
    ...listed.slice(0, 4)
  ])

/** The `limit` and `cursor` of each request, in order. */
const queries = (sim: Simulator) =>
  sim.requests.map((r) => {
    const url = new URL(r.url)
    return [r.route, url.searchParams.get("limit"), url.searchParams.get("cursor")]
  })

/** A fresh simulator for every test that provides it. */
const segmentsLayer = RecotapSimulator.layerCrm()

describe("segments", () => {
  it.effect("stream with limit 3 returns exactly the 7 static active/draft segments, in order, in 3 requests", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      seed(sim)
      const crm = yield* RecotapCrm
      expect(yield* collect(crm.segments.stream({ limit: 3 }))).toEqual(listed)
      expect(queries(sim)).toEqual([
        ["GET /segments", "3", null],
        ["GET /segments", "3", "seg-03"],
        ["GET /segments", "3", "seg-06"]
      ])
    }).pipe(Effect.provide(segmentsLayer)))

  it.effect("pages stops on hasNextPage, though the last page keeps its cursor", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      seed(sim)
      const crm = yield* RecotapCrm
      expect(yield* collect(crm.segments.pages({ limit: 3 }))).toEqual([
        { data: listed.slice(0, 3), nextCursor: "seg-03", hasNextPage: true },
        { data: listed.slice(3, 6), nextCursor: "seg-06", hasNextPage: true },
        { data: listed.slice(6), nextCursor: "seg-07", hasNextPage: false }
      ])
      expect(sim.requests).toHaveLength(3)
    }).pipe(Effect.provide(segmentsLayer)))

  it.effect("pages and stream start from a given cursor", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      seed(sim)
      const crm = yield* RecotapCrm
      const pages = yield* collect(crm.segments.pages({ limit: 2, cursor: "seg-03" }))
      expect(pages.map((p) => p.data.map((s) => s.segmentId))).toEqual([["seg-04", "seg-05"], ["seg-06", "seg-07"]])
      expect(yield* collect(crm.segments.stream({ cursor: "seg-05" }))).toEqual(listed.slice(5))
    }).pipe(Effect.provide(segmentsLayer)))

  it.effect("pages are fetched as the consumer pulls them, at most one ahead", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      seed(sim)
      const crm = yield* RecotapCrm
      expect(yield* collect(Stream.take(crm.segments.stream({ limit: 3 }), 2))).toEqual(listed.slice(0, 2))
      expect(sim.requests.length).toBeGreaterThanOrEqual(1)
      expect(sim.requests.length).toBeLessThanOrEqual(2)
      sim.clearRequests()
      expect(yield* collect(Stream.take(crm.segments.stream({ limit: 3 }), 4))).toEqual(listed.slice(0, 4))
      expect(sim.requests.length).toBeGreaterThanOrEqual(2)
      expect(sim.requests.length).toBeLessThanOrEqual(3)
    }).pipe(Effect.provide(segmentsLayer)))

  it.effect("list returns one page: the first with limit, or every segment with the default limit", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      seed(sim)
      const crm = yield* RecotapCrm
      expect(yield* crm.segments.list({ limit: 3 })).toEqual({
        data: listed.slice(0, 3),
        nextCursor: "seg-03",
        hasNextPage: true
      })
      expect(yield* crm.segments.list({ limit: 3, cursor: "seg-03" })).toEqual({
        data: listed.slice(3, 6),
        nextCursor: "seg-06",
        hasNextPage: true
      })
      expect(yield* crm.segments.list()).toEqual({ data: listed, nextCursor: "seg-07", hasNextPage: false })
      expect(queries(sim)).toEqual([
        ["GET /segments", "3", null],
        ["GET /segments", "3", "seg-03"],
        ["GET /segments", null, null]
      ])
    }).pipe(Effect.provide(segmentsLayer)))

  it.effect("a workspace without listed segments has one empty page", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.seedSegments([{ segmentId: "seg-x", name: "Archived", status: "archived" }])
      const crm = yield* RecotapCrm
      expect(yield* crm.segments.list()).toEqual({ data: [], nextCursor: null, hasNextPage: false })
      expect(yield* collect(crm.segments.stream({ limit: 3 }))).toEqual([])
      expect(sim.requests).toHaveLength(2)
    }).pipe(Effect.provide(segmentsLayer)))

  for (const limit of [0, -1, 2.5]) {
    it.effect(`limit ${limit} is a TransportError (InvalidRequest) and nothing is sent`, () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seed(sim)
        const crm = yield* RecotapCrm
        const expected = { _tag: "TransportError", reason: "InvalidRequest", method: "GET" }
        expect(yield* Effect.flip(crm.segments.list({ limit }))).toMatchObject(expected)
        expect(yield* Effect.flip(collect(crm.segments.pages({ limit })))).toMatchObject(expected)
        expect(yield* Effect.flip(collect(crm.segments.stream({ limit })))).toMatchObject(expected)
        expect((yield* Effect.flip(crm.segments.list({ limit }))).message).toContain("limit")
        expect(sim.requests).toEqual([])
      }).pipe(Effect.provide(segmentsLayer)))
  }

  it.effect("a refused key is InvalidApiKey", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.revokeKey("sim-key")
      const crm = yield* RecotapCrm
      expect(yield* Effect.flip(collect(crm.segments.stream()))).toMatchObject({ _tag: "InvalidApiKey" })
    }).pipe(Effect.provide(segmentsLayer)))
})

describe("journeyStages.list", () => {
  const stages = ["Cold", "Warming", "Engaged", "Pipeline", "Won"]

  it.effect("returns the configured stages, from Recotap's bare-array answer", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      expect(yield* crm.journeyStages.list()).toEqual(stages)
      expect(sim.requests.map((r) => r.route)).toEqual(["GET /journey-stages"])
      // The answer really is a bare array, without the envelope.
      const reply = sim.reply({
        method: "GET",
        url: new URL(`${SIMULATOR_ORIGIN}${sim.prefix}/journey-stages`),
        headers: { "x-api-key": "sim-key" },
        body: ""
      })
      expect(reply._tag === "Respond" && JSON.parse(reply.body)).toEqual(stages)
    }).pipe(Effect.provide(RecotapSimulator.layerCrm({ journeyStages: stages }))))

  it.effect("returns the default stages, and follows changes", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      expect(yield* crm.journeyStages.list()).toEqual(["Unaware", "Aware", "Consideration", "Opportunity", "Customer"])
      sim.setJourneyStages([])
      expect(yield* crm.journeyStages.list()).toEqual([])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))
})
