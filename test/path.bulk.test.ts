/**
 * Bulk writes when a request is refused: a 404 (none is documented: whatever its body, the base
 * URL does not serve the endpoint), a 400 with or without per-field violations on a segment push, an error body that is
 * not Recotap's JSON (a proxy's page); `skipped` item results; and the `concurrency` option.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { BulkResult } from "../src/Bulk.js"
import { type AccountInput, type BulkOptions, type DealInput, RecotapCrm } from "../src/index.js"
import { activity, crmWith, crmWithBodies, envelope, errorEnvelope, type SentRequestWithBody } from "./helpers.js"

const deal = (n: number): DealInput => ({ externalDealId: `deal-${n}`, name: `Deal ${n}` })
const deals = (count: number) => Array.from({ length: count }, (_, i) => deal(i))
const accountInput = (n: number): AccountInput => ({
  externalId: `crm-${n}`,
  name: `Company ${n}`,
  domain: `c${n}.com`
})
const accounts = (count: number) => Array.from({ length: count }, (_, i) => accountInput(i))

/** Recotap's answer applying every item of the request. */
const applyAll = (request: SentRequestWithBody) => {
  const body = JSON.parse(request.body) as Record<string, ReadonlyArray<Record<string, unknown>>>
  if (body["deals"] !== undefined) {
    return envelope({
      results: body["deals"].map((d) => ({ externalDealId: d["externalDealId"], status: "upserted" }))
    })
  }
  return envelope({
    results: (body["accounts"] ?? []).map((a) => ({ externalId: a["externalId"], status: "created" }))
  })
}

/** Answers the first request with `first`, applies every later one. */
const firstRefused = (first: () => Response) => {
  let calls = 0
  return (request: SentRequestWithBody) => (calls++ === 0 ? first() : applyAll(request))
}

const htmlPage = (status: number, title: string) =>
  new Response(`<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`, {
    status,
    headers: { "content-type": "text/html" }
  })

const kinds = (outcomes: ReadonlyArray<{ readonly _tag: string; readonly status?: string }>) =>
  outcomes.map((o) => (o._tag === "Rejected" ? `Rejected:${o.status}` : o._tag))

const errorText = (outcome: unknown): string => {
  const error = (outcome as { readonly error?: unknown }).error
  return typeof error === "string" ? error : error instanceof Error ? error.message : String(error)
}

describe("a bulk request answered 404", () => {
  // No bulk endpoint documents a 404: whatever the body says, the base URL does not serve it.
  const pushDeals = Effect.flatMap(RecotapCrm, (crm) => crm.deals.push(deals(150)))
  const pushToSegment = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.push(accounts(150), { segmentId: "seg-x" }))
  const answers: ReadonlyArray<
    [string, () => Response, Effect.Effect<BulkResult<unknown, unknown>, unknown, RecotapCrm>, string]
  > = [
    [
      "Recotap's envelope with a customMessage",
      () => errorEnvelope(404, { message: "Not Found", customMessage: "Pipeline 'smb' not found" }),
      pushDeals,
      "Pipeline 'smb' not found"
    ],
    ["a bare envelope", () => errorEnvelope(404, { message: "Not Found" }), pushDeals, "Not Found"],
    ["a proxy's HTML page", () => htmlPage(404, "404 Not Found"), pushDeals, "404 Not Found"],
    [
      "a segment not found, on a segment push",
      () => errorEnvelope(404, { message: "Not Found", customMessage: "Segment 'seg-x' not found" }),
      pushToSegment,
      "Segment 'seg-x' not found"
    ]
  ]
  for (const [name, answer, push, said] of answers) {
    it.effect(`${name}: that request's items Unavailable (RouteNotFound); the later requests are not sent`, () => {
      const { layer, sent } = crmWithBodies(firstRefused(answer), undefined, {})
      return Effect.gen(function*() {
        const result: BulkResult<unknown, unknown> = yield* push
        expect(sent).toHaveLength(1)
        expect(result.summary).toMatchObject({ total: 150, unavailable: 150 })
        expect(result.outcomes[0]).toMatchObject({
          _tag: "Unavailable",
          error: { _tag: "TransportError", reason: "RouteNotFound", status: 404, notProcessed: true, attempts: 1 }
        })
        expect(errorText(result.outcomes[149])).toContain(said)
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("the framework's route-not-found mid-way: that request's items Unavailable, the later ones not sent (Unavailable too)", () => {
    let calls = 0
    const { layer, sent } = crmWithBodies(
      (request) =>
        calls++ === 1
          ? new Response(
            JSON.stringify({ message: "Cannot POST /api/v1/crm/deals", error: "Not Found", statusCode: 404 }),
            {
              status: 404,
              headers: { "content-type": "application/json" }
            }
          )
          : applyAll(request),
      undefined,
      {}
    )
    return Effect.gen(function*() {
      const result = yield* Effect.flatMap(RecotapCrm, (crm) => crm.deals.push(deals(250)))
      expect(sent).toHaveLength(2)
      expect(new Set(kinds(result.outcomes.slice(0, 100)))).toEqual(new Set(["Applied"]))
      expect(new Set(kinds(result.outcomes.slice(100)))).toEqual(new Set(["Unavailable"]))
      expect(result.outcomes[100]).toMatchObject({
        error: { _tag: "TransportError", reason: "RouteNotFound", status: 404, notProcessed: true, attempts: 1 }
      })
      expect(result.outcomes[249]).toMatchObject({ error: { reason: "RouteNotFound", notProcessed: true } })
      expect(errorText(result.outcomes[249])).toContain("Cannot POST /api/v1/crm/deals")
    }).pipe(Effect.provide(layer))
  })
})

describe("a segment push refused with a 400", () => {
  it.effect("with per-field violations: only that request's items are refused, each with its own problem; later requests are sent", () => {
    const { layer, sent } = crmWithBodies(
      firstRefused(() =>
        errorEnvelope(400, {
          message: "Bad Request",
          data: [{ property: "accounts.3.domain", constraints: { isFqdn: "domain must be a valid domain name" } }]
        })
      )
    )
    return Effect.gen(function*() {
      const result = yield* Effect.flatMap(
        RecotapCrm,
        (crm) => crm.accounts.push(accounts(150), { segmentId: "seg-1" })
      )
      expect(sent).toHaveLength(2)
      expect(new Set(kinds(result.outcomes.slice(0, 100)))).toEqual(new Set(["Rejected:refused"]))
      expect(new Set(kinds(result.outcomes.slice(100)))).toEqual(new Set(["Applied"]))
      expect(result.outcomes[3]).toMatchObject({ error: "domain must be a valid domain name" })
      expect(errorText(result.outcomes[0])).toContain("accounts.3.domain")
      expect(errorText(result.outcomes[0])).not.toContain("not sent")
      // The later request carried the segment too.
      expect(JSON.parse(sent[1]!.body)).toMatchObject({ segmentId: "seg-1" })
    }).pipe(Effect.provide(layer))
  })

  for (
    const [name, answer] of [
      ["without violations (the segment pre-check)", () =>
        errorEnvelope(400, {
          message: "Bad Request",
          customMessage: "Segment 'seg-1' is not active or draft and cannot accept new members"
        })],
      ["with an empty violation list", () =>
        errorEnvelope(400, {
          message: "Bad Request",
          customMessage: "Segment 'seg-1' is not active or draft and cannot accept new members",
          data: []
        })]
    ] as const
  ) {
    it.effect(`${name}: the later requests are not sent; their items are refused as not sent`, () => {
      const { layer, sent } = crmWithBodies(firstRefused(answer), undefined, {})
      return Effect.gen(function*() {
        const result = yield* Effect.flatMap(
          RecotapCrm,
          (crm) => crm.accounts.push(accounts(250), { segmentId: "seg-1" })
        )
        expect(sent).toHaveLength(1)
        expect(result.summary).toMatchObject({ total: 250, rejected: 250 })
        expect(new Set(kinds(result.outcomes))).toEqual(new Set(["Rejected:refused"]))
        expect(errorText(result.outcomes[0])).toContain("cannot accept new members")
        expect(errorText(result.outcomes[0])).not.toContain("not sent")
        expect(errorText(result.outcomes[100])).toContain("not sent")
        expect(errorText(result.outcomes[249])).toContain("not sent")
        expect(errorText(result.outcomes[249])).toContain("cannot accept new members")
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("without a segmentId, a 400 without violations refuses only its own request", () => {
    const { layer, sent } = crmWithBodies(firstRefused(() => errorEnvelope(400, { message: "Bad Request" })))
    return Effect.gen(function*() {
      const result = yield* Effect.flatMap(RecotapCrm, (crm) => crm.accounts.push(accounts(150)))
      expect(sent).toHaveLength(2)
      expect(result.summary).toMatchObject({ rejected: 100, applied: 50 })
    }).pipe(Effect.provide(layer))
  })
})

describe("a 400 whose body is not Recotap's JSON error (a proxy's HTML page)", () => {
  it.effect("on a segment push: refused whole, named by the page's title; like any refusal without violations, later requests are not sent", () => {
    const { layer, sent } = crmWithBodies(firstRefused(() => htmlPage(400, "400 Bad Request")))
    return Effect.gen(function*() {
      const result = yield* Effect.flatMap(
        RecotapCrm,
        (crm) => crm.accounts.push(accounts(150), { segmentId: "seg-1" })
      )
      expect(sent).toHaveLength(1)
      expect(new Set(kinds(result.outcomes))).toEqual(new Set(["Rejected:refused"]))
      expect(errorText(result.outcomes[0])).toContain("400 Bad Request")
      expect(errorText(result.outcomes[0])).not.toContain("<html")
      expect(errorText(result.outcomes[149])).toContain("not sent")
    }).pipe(Effect.provide(layer))
  })

  it.effect("on a deals push: that request refused, named by the title; later requests sent", () => {
    const { layer, sent } = crmWithBodies(firstRefused(() => htmlPage(400, "400 Bad Request")))
    return Effect.gen(function*() {
      const result = yield* Effect.flatMap(RecotapCrm, (crm) => crm.deals.push(deals(150)))
      expect(sent).toHaveLength(2)
      expect(result.summary).toMatchObject({ rejected: 100, applied: 50 })
      expect(errorText(result.outcomes[0])).toContain("400 Bad Request")
    }).pipe(Effect.provide(layer))
  })

  it.effect("on accounts.update: a BadRequest from the server, no violations, the title as its message; not retried", () => {
    const { layer, sent } = crmWith(() => htmlPage(400, "400 Bad Request – request header too large"), undefined, {})
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(
        crm.accounts.update({ externalId: "crm-1" }, { customFields: { REGION_C: "EU" } })
      )
      expect(sent).toHaveLength(1)
      expect(error).toMatchObject({ _tag: "BadRequest", origin: "server", violations: [] })
      expect(error._tag === "BadRequest" && error.customMessage).toBeUndefined()
      expect(error._tag === "BadRequest" && error.serverMessage).toContain("400 Bad Request – request header too large")
      expect(error.message).toContain("400 Bad Request – request header too large")
      expect(error.message).not.toContain("<title>")
    }).pipe(Effect.provide(layer))
  })

  it.effect("on accounts.update, plain text: a BadRequest quoting it", () => {
    const { layer } = crmWith(() => new Response("Request Header Or Cookie Too Large", { status: 400 }))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
      expect(error).toMatchObject({ _tag: "BadRequest", origin: "server", violations: [] })
      expect(error.message).toContain("Request Header Or Cookie Too Large")
    }).pipe(Effect.provide(layer))
  })

  it.effect("on accounts.update, JSON of another shape (no message): a BadRequest, not a decode failure", () => {
    const { layer } = crmWith(() =>
      new Response(JSON.stringify(["oops"]), { status: 400, headers: { "content-type": "application/json" } })
    )
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
      expect(error).toMatchObject({ _tag: "BadRequest", origin: "server", violations: [] })
    }).pipe(Effect.provide(layer))
  })
})

describe("item results with status skipped", () => {
  it.effect("sales activities: Rejected (skipped) with Recotap's error, or the status when it gave none", () => {
    const { layer } = crmWith(() =>
      envelope({
        results: [
          { externalActivityId: "act-1", status: "created" },
          { externalActivityId: "act-2", status: "skipped", error: "Unsupported activity type: meeting" },
          { externalActivityId: "act-3", status: "skipped" },
          { externalActivityId: "act-4", status: "skipped", error: null }
        ],
        summary: { total: 4, created: 1, skipped: 3 }
      })
    )
    return Effect.gen(function*() {
      const result = yield* Effect.flatMap(RecotapCrm, (crm) => crm.salesActivities.push([1, 2, 3, 4].map(activity)))
      expect(result.outcomes).toMatchObject([
        { _tag: "Applied", index: 0, status: "created" },
        { _tag: "Rejected", index: 1, status: "skipped", error: "Unsupported activity type: meeting" },
        { _tag: "Rejected", index: 2, status: "skipped", error: "skipped" },
        { _tag: "Rejected", index: 3, status: "skipped", error: "skipped" }
      ])
      expect(result.summary).toMatchObject({ total: 4, applied: 1, rejected: 3, unknown: 0 })
    }).pipe(Effect.provide(layer))
  })

  it.effect("matched by key when the results come in another order", () => {
    const { layer } = crmWith(() =>
      envelope({
        results: [
          { externalActivityId: "act-2", status: "created" },
          { externalActivityId: "act-1", status: "skipped", error: "skipped it" }
        ]
      })
    )
    return Effect.gen(function*() {
      const result = yield* Effect.flatMap(RecotapCrm, (crm) => crm.salesActivities.push([activity(1), activity(2)]))
      expect(result.outcomes).toMatchObject([
        { _tag: "Rejected", status: "skipped", error: "skipped it" },
        { _tag: "Applied", status: "created" }
      ])
    }).pipe(Effect.provide(layer))
  })
})

describe("the concurrency option", () => {
  const odd: ReadonlyArray<[string, unknown]> = [
    ["1.5", 1.5],
    ["Infinity", Infinity],
    ["\"2\" (a string)", "2"],
    ["0", 0],
    ["-1", -1],
    ["NaN", Number.NaN]
  ]
  for (const [name, concurrency] of odd) {
    it.effect(`${name}: every item Invalid, naming the option, and nothing sent`, () => {
      const { layer, sent } = crmWith(() => envelope({ results: [] }))
      const options = { concurrency } as unknown as BulkOptions
      return Effect.gen(function*() {
        const crm = yield* RecotapCrm
        const results = [
          yield* crm.deals.push(deals(3), options),
          yield* crm.accounts.push(accounts(2), options),
          yield* crm.salesActivities.push([activity(1)], options),
          yield* crm.dealStages.push([{
            pipelineId: "p",
            pipelineLabel: "P",
            stages: [{ stageId: "s", stageLabel: "S" }]
          }], options),
          yield* crm.accounts.mapExternalIds([{ domain: "a.com", externalId: "crm-1" }], options)
        ]
        for (const result of results) {
          expect(result.summary.invalid).toBe(result.summary.total)
          for (const outcome of result.outcomes) {
            expect(outcome).toMatchObject({ _tag: "Invalid", error: expect.stringContaining("concurrency") })
          }
        }
        expect(results[0]?.outcomes.map((o) => o.index)).toEqual([0, 1, 2])
        expect(sent).toHaveLength(0)
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("an item that is invalid in itself is still one Invalid outcome", () => {
    const { layer, sent } = crmWith(() => envelope({ results: [] }))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const result = yield* crm.deals.push([deal(0), { externalDealId: "", name: "x" }], { concurrency: 0 })
      expect(result.outcomes.map((o) => o._tag)).toEqual(["Invalid", "Invalid"])
      expect(sent).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("1 is valid: the requests are sent one at a time, in input order", () => {
    let inFlight = 0
    let most = 0
    const { layer, sent } = crmWithBodies((request) =>
      Effect.gen(function*() {
        inFlight += 1
        most = Math.max(most, inFlight)
        yield* Effect.yieldNow()
        inFlight -= 1
        return applyAll(request)
      })
    )
    return Effect.gen(function*() {
      const result = yield* Effect.flatMap(RecotapCrm, (crm) => crm.deals.push(deals(250), { concurrency: 1 }))
      expect(result.summary).toMatchObject({ total: 250, applied: 250 })
      expect(sent).toHaveLength(3)
      expect(most).toBe(1)
      expect(sent.map((r) => (JSON.parse(r.body) as { deals: ReadonlyArray<DealInput> }).deals[0]?.externalDealId))
        .toEqual([
          "deal-0",
          "deal-100",
          "deal-200"
        ])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a large integer is valid", () => {
    const { layer, sent } = crmWithBodies(applyAll)
    return Effect.gen(function*() {
      const result = yield* Effect.flatMap(RecotapCrm, (crm) => crm.deals.push(deals(150), { concurrency: 1_000 }))
      expect(result.summary).toMatchObject({ applied: 150 })
      expect(sent).toHaveLength(2)
    }).pipe(Effect.provide(layer))
  })
})
