/** dealStages against the simulator: create-only pipelines in requests of 20, all or nothing per request, and the list. */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type BulkOutcome, type DealPipelineInput, type DealPipelineResult, RecotapCrm } from "../src/index.js"
import { Fault, RecotapSimulator, type Simulator } from "../src/simulator/index.js"
import { crmWith, json } from "./helpers.js"

const ROUTE = "POST /deal-stages"

/** A valid pipeline with two stages. */
const pipeline = (id: string, rest: Partial<DealPipelineInput> = {}): DealPipelineInput => ({
  pipelineId: id,
  pipelineLabel: `Pipeline ${id}`,
  stages: [{ stageId: "open", stageLabel: "Open" }, { stageId: "won", stageLabel: "Closed Won" }],
  ...rest
})

/** `count` pipelines `p-00`, `p-01`, ... */
const pipelines = (count: number) =>
  Array.from({ length: count }, (_, n) => pipeline(`p-${String(n).padStart(2, "0")}`))

/** The pipeline IDs of each `POST /deal-stages` request. */
const sentBatches = (sim: Simulator) =>
  sim.requests
    .filter((r) => r.route === ROUTE)
    .map((r) => (r.body as { pipelines: ReadonlyArray<DealPipelineInput> }).pipelines.map((p) => p.pipelineId))

const created = (input: DealPipelineInput, index: number): BulkOutcome<DealPipelineInput, DealPipelineResult> => ({
  _tag: "Applied",
  index,
  input,
  status: "created",
  result: { pipelineId: input.pipelineId, status: "created" }
})

describe("dealStages.push", () => {
  it.effect("sends 21 pipelines in 2 requests; each is created, and listed back with its stages", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      const input = pipelines(21)
      const result = yield* crm.dealStages.push(input)

      expect(result.outcomes).toEqual(input.map(created))
      expect(result.summary).toEqual({ total: 21, applied: 21, rejected: 0, invalid: 0, unavailable: 0, unknown: 0 })
      expect(sentBatches(sim).map((ids) => ids.length)).toEqual([20, 1])
      expect(sim.pipelines()).toEqual(input)
      expect(yield* crm.dealStages.list()).toEqual({ pipelines: input, unrecognized: [] })
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  const wordings = [
    ["crm", "Pipeline(s) already exist: p-05. Use the update endpoint to modify existing pipelines."],
    ["external", "Pipeline(s) already exist: p-05"]
  ] as const

  for (const [revision, message] of wordings) {
    it.effect(`one existing pipeline refuses its whole request, and only that one (${revision} wording)`, () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        const crm = yield* RecotapCrm
        const existing = pipeline("p-05", { pipelineLabel: "The first p-05" })
        yield* crm.dealStages.push([existing])

        const input = pipelines(25) // p-05 is in the first request (p-00 … p-19)
        const result = yield* crm.dealStages.push(input)
        expect(result.summary).toEqual({ total: 25, applied: 5, rejected: 20, invalid: 0, unavailable: 0, unknown: 0 })
        result.outcomes.slice(0, 20).forEach((outcome, i) => {
          expect(outcome).toMatchObject({ _tag: "Rejected", index: i, status: "refused" })
          expect(outcome.input).toBe(input[i])
          expect(outcome._tag === "Rejected" && outcome.error).toContain(message)
        })
        expect(result.outcomes.slice(20)).toEqual(input.slice(20).map((p, i) => created(p, 20 + i)))

        // Nothing of the refused request was created; the existing pipeline is untouched.
        expect(sim.pipelines()).toEqual([existing, ...input.slice(20)])
        expect(sentBatches(sim).map((ids) => ids.length)).toEqual([1, 20, 5])
      }).pipe(Effect.provide(RecotapSimulator.layerCrm({ revision }))))
  }

  it.effect("pushing the same pipelines twice refuses the second push as a whole", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      yield* crm.dealStages.push(pipelines(2))
      const again = yield* crm.dealStages.push([...pipelines(2), pipeline("p-new")])
      expect(again.outcomes.map((o) => [o._tag, o.index, o._tag === "Rejected" && o.status])).toEqual([
        ["Rejected", 0, "refused"],
        ["Rejected", 1, "refused"],
        ["Rejected", 2, "refused"]
      ])
      expect(again.outcomes[0]?._tag === "Rejected" && again.outcomes[0].error).toContain(
        "Pipeline(s) already exist: p-00, p-01."
      )
      expect(sim.pipelines().map((p) => p.pipelineId)).toEqual(["p-00", "p-01"])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("invalid pipelines are Invalid and never sent; the valid ones are created", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      const invalid: ReadonlyArray<readonly [DealPipelineInput, string]> = [
        [
          pipeline("dup", {
            stages: [{ stageId: "a", stageLabel: "A" }, { stageId: "b", stageLabel: "B" }, {
              stageId: "a",
              stageLabel: "Again"
            }]
          }),
          "stages: stage IDs must be unique within a pipeline"
        ],
        [pipeline("none", { stages: [] as unknown as DealPipelineInput["stages"] }), "stages.0: is missing"],
        [pipeline(" "), "pipelineId: must not be empty"],
        [pipeline("blank-label", { pipelineLabel: "" }), "pipelineLabel: must not be empty"],
        [
          pipeline("blank-stage", { stages: [{ stageId: "", stageLabel: "Open" }] }),
          "stages.0.stageId: must not be empty"
        ]
      ]
      const input = [pipeline("ok-1"), ...invalid.map(([p]) => p), pipeline("ok-2")]
      const result = yield* crm.dealStages.push(input)

      expect(result.summary).toEqual({ total: 7, applied: 2, rejected: 0, invalid: 5, unavailable: 0, unknown: 0 })
      expect(result.outcomes[0]).toEqual(created(input[0]!, 0))
      expect(result.outcomes[6]).toEqual(created(input[6]!, 6))
      invalid.forEach(([bad, message], i) => {
        const outcome = result.outcomes[i + 1]
        expect(outcome).toMatchObject({ _tag: "Invalid", index: i + 1 })
        expect(outcome?.input).toBe(bad)
        expect(outcome?._tag === "Invalid" && outcome.error).toContain(message)
      })
      expect(sentBatches(sim)).toEqual([["ok-1", "ok-2"]])
      expect(sim.pipelines().map((p) => p.pipelineId)).toEqual(["ok-1", "ok-2"])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("a lost answer leaves its pipelines Unknown; resending a created one is then refused", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      // Processed, then cut short: the pipelines exist though the answer was lost.
      sim.faults.script(ROUTE, Fault.truncated())
      const crm = yield* RecotapCrm
      const input = pipelines(2)
      const result = yield* crm.dealStages.push(input)
      expect(result.outcomes).toMatchObject([
        { _tag: "Unknown", index: 0, error: { _tag: "TransportError", reason: "Transport" } },
        { _tag: "Unknown", index: 1, error: { _tag: "TransportError", reason: "Transport" } }
      ])
      expect(sim.pipelines()).toEqual(input)
      const resent = yield* crm.dealStages.push(input)
      expect(resent.outcomes.map((o) => o._tag === "Rejected" && o.status)).toEqual(["refused", "refused"])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("a refused key fails the whole call with InvalidApiKey", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.revokeKey("sim-key")
      const crm = yield* RecotapCrm
      expect(yield* Effect.flip(crm.dealStages.push(pipelines(1)))).toMatchObject({ _tag: "InvalidApiKey" })
      expect(yield* Effect.flip(crm.dealStages.list())).toMatchObject({ _tag: "InvalidApiKey" })
      expect(sim.pipelines()).toEqual([])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))
})

describe("dealStages.list", () => {
  it.effect("is empty before any pipeline is registered, and reads the bare-array answer", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expect(yield* crm.dealStages.list()).toEqual({ pipelines: [], unrecognized: [] })
      const input = [
        pipeline("smb-pipeline"),
        pipeline("enterprise-pipeline", { stages: [{ stageId: "s1", stageLabel: "Qualified" }] })
      ]
      yield* crm.dealStages.push(input)
      expect(yield* crm.dealStages.list()).toEqual({ pipelines: input, unrecognized: [] })
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  // §2.12 is unsure of the shape: every plausible one is read, pages followed, odd items kept.
  const smb = pipeline("smb")
  const ent = pipeline("ent", { stages: [{ stageId: "s1", stageLabel: "Qualified" }] })
  const envelope = (data: unknown) => ({ statusCode: 200, timestamp: "2026-04-30T10:00:00.000Z", path: "/x", data })
  const page = (data: ReadonlyArray<unknown>, hasNextPage: boolean, nextCursor: string | null = "c1") => ({
    data,
    nextCursor,
    hasNextPage
  })
  const shapes: ReadonlyArray<readonly [string, ReadonlyArray<unknown>]> = [
    ["an empty bare array", [[]]],
    ["a bare array (as seen live)", [[smb, ent]]],
    ["{ data: [...] } without the envelope", [{ data: [smb, ent] }]],
    ["the standard envelope around an array", [envelope([smb, ent])]],
    ["a paginated wrapper, one page", [page([smb, ent], false)]],
    ["a paginated wrapper inside the envelope, one page", [envelope(page([smb, ent], false))]],
    ["a paginated wrapper without nextCursor", [{ data: [smb, ent], hasNextPage: false }]],
    ["two pages of a paginated wrapper", [page([smb], true), page([ent], false, "c1")]],
    ["two pages of a paginated wrapper inside the envelope", [
      envelope(page([smb], true)),
      envelope(page([ent], false))
    ]]
  ]

  for (const [name, answers] of shapes) {
    it.effect(`reads ${name}`, () => {
      const remaining = [...answers]
      const { layer, sent } = crmWith(() => json(remaining.shift()))
      return Effect.gen(function*() {
        const crm = yield* RecotapCrm
        const listed = yield* crm.dealStages.list()
        expect(listed).toEqual({ pipelines: name === "an empty bare array" ? [] : [smb, ent], unrecognized: [] })
        expect(sent.map((r) => r.url.searchParams.get("cursor"))).toEqual(
          answers.map((_, i) => (i === 0 ? null : "c1"))
        )
        expect(sent.every((r) => r.url.pathname === "/api/v1/crm/deal-stages")).toBe(true)
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("keeps items of another shape as received, with their index and why, beside the readable ones", () => {
    const odd: ReadonlyArray<unknown> = [
      { id: "p-1", label: "No pipelineId" },
      { pipelineId: "no-stages", pipelineLabel: "No stages" },
      { pipelineId: "no-label", stages: [] },
      { pipelineId: "bad-stage", pipelineLabel: "Bad stage", stages: [{ stageLabel: "No ID" }] },
      "just-an-id",
      null
    ]
    // Two pages, the second inside the envelope: indexes count across pages.
    const answers = [page([smb, ...odd.slice(0, 3)], true, "next"), envelope(page([...odd.slice(3), ent], false))]
    const { layer, sent } = crmWith(() => json(answers.shift()))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const listed = yield* crm.dealStages.list()
      expect(listed.pipelines).toEqual([smb, ent])
      expect(listed.unrecognized).toEqual(odd.map((raw, i) => ({ index: i + 1, raw, error: expect.any(String) })))
      expect(listed.unrecognized.map((item) => item.error)).toEqual([
        expect.stringContaining("pipelineId: is missing"),
        expect.stringContaining("stages: is missing"),
        expect.stringContaining("pipelineLabel: is missing"),
        expect.stringContaining("stages.0.stageId: is missing"),
        "Expected a pipeline object, actual \"just-an-id\"",
        "Expected a pipeline object, actual null"
      ])
      expect(sent.map((r) => r.url.searchParams.get("cursor"))).toEqual([null, "next"])
    }).pipe(Effect.provide(layer))
  })

  const broken: ReadonlyArray<readonly [string, unknown, string]> = [
    ["a body that is no list", { items: [] }, "Decode"],
    ["an envelope whose data is null", envelope(null), "Decode"],
    ["text", "pipelines", "Decode"],
    ["a page that claims more without a cursor", page([smb], true, null), "Decode"]
  ]
  for (const [name, body, reason] of broken) {
    it.effect(`fails on ${name} with a TransportError (${reason})`, () => {
      const { layer } = crmWith(() => json(body))
      return Effect.gen(function*() {
        const crm = yield* RecotapCrm
        expect(yield* Effect.flip(crm.dealStages.list())).toMatchObject({ _tag: "TransportError", reason })
      }).pipe(Effect.provide(layer))
    })
  }
})
