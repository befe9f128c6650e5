/**
 * A 404 is `NotFound` only in its documented form, on the one endpoint that documents it
 * (`accounts.update`); every other 404 says the base URL does not serve the endpoint
 * (`TransportError`, `RouteNotFound`): on `accounts.update`, on a read, in a bulk write and in a
 * settling one. And the error names where to look instead, for each kind of base URL.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as BulkSettle from "../src/BulkSettle.js"
import { type DealInput, type RecotapConfigOptions, RecotapCrm } from "../src/index.js"
import { BASE_URLS, SANDBOX_BASE_URL } from "../src/RecotapConfig.js"
import { crmWith, errorEnvelope, failureOf, json, settle, successOf } from "./helpers.js"

const PRODUCTION_HOST = "eapi.recotap.com"
const update = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
const deals = Array.from({ length: 250 }, (_, i): DealInput => ({ externalDealId: `d-${i}`, name: `Deal ${i}` }))
const push = Effect.flatMap(RecotapCrm, (crm) => crm.deals.push(deals))

const text = (body: string, contentType = "text/plain") =>
  new Response(body, { status: 404, headers: { "content-type": contentType } })
const page = (body: string) => text(`<!DOCTYPE html><html>${body}</html>`, "text/html")

/** A body shape, whether `accounts.update` reads it as the documented "no such account", and what the error quotes. */
type Shape = readonly [name: string, answer: () => Response, documented: boolean, said: string]

const shapes: ReadonlyArray<Shape> = [
  // The documented form: Recotap's error envelope, data null or absent, no route text.
  [
    "the envelope with a customMessage and data null",
    () =>
      errorEnvelope(404, {
        message: "Not Found",
        customMessage: "Account with externalId 'crm-1' not found",
        data: null
      }),
    true,
    "Account with externalId 'crm-1' not found"
  ],
  [
    "the envelope with a message only",
    () => errorEnvelope(404, { message: "Account not found" }),
    true,
    "Account not found"
  ],
  [
    "the envelope with a list of messages",
    () => errorEnvelope(404, { message: ["Account not found"] }),
    true,
    "Account not found"
  ],
  // NestJS's default body for a route it does not have.
  [
    "NestJS's default route-not-found",
    () => json({ statusCode: 404, message: "Cannot PUT /api/v1/crm/accounts/crm-1", error: "Not Found" }, 404),
    false,
    "Cannot PUT /api/v1/crm/accounts/crm-1"
  ],
  // The service's own envelope around the framework's words, as the live service answers.
  [
    "the envelope with the route text in customMessage",
    () => errorEnvelope(404, { message: "Not Found", customMessage: "Cannot PUT /api/v1/crm/accounts/x" }),
    false,
    "Cannot PUT /api/v1/crm/accounts/x"
  ],
  [
    "the envelope with the route text in message",
    () => errorEnvelope(404, { message: "Cannot GET /api/v1/crm/accounts", data: null }),
    false,
    "Cannot GET /api/v1/crm/accounts"
  ],
  [
    "the envelope with the route text in message and a customMessage",
    () => errorEnvelope(404, { message: "Cannot PUT /api/v1/crm/accounts/x", customMessage: "Account not found" }),
    false,
    "Cannot PUT /api/v1/crm/accounts/x"
  ],
  // Anything else.
  [
    "an HTML page",
    () => page("<head><title>404 Not Found</title></head><body>nginx</body>"),
    false,
    "an HTML page: 404 Not Found"
  ],
  [
    "an HTML page with the route text",
    () => page("<body><pre>Cannot PUT /api/v1/crm/accounts/crm-1</pre></body>"),
    false,
    "Cannot PUT /api/v1/crm/accounts/crm-1"
  ],
  ["plain text", () => text("Not Found"), false, "Not Found"],
  ["an empty body", () => text(""), false, "an empty body"],
  [
    "JSON that is no error envelope",
    () => json({ error: "no such thing" }, 404),
    false,
    "{\"error\":\"no such thing\"}"
  ],
  ["a JSON array", () => json(["Not Found"], 404), false, "[\"Not Found\"]"],
  ["the envelope without statusCode", () => json({ message: "Account not found" }, 404), false, "Account not found"],
  [
    "the envelope with another statusCode",
    () => json({ statusCode: 400, message: "Account not found" }, 404),
    false,
    "Account not found"
  ],
  [
    "the envelope with data that is not null",
    () => errorEnvelope(404, { message: "Not Found", data: [{ property: "id" }] }),
    false,
    "Not Found"
  ]
]

/** The route-not-found error, not retried (the client retries by default here). */
const routeNotFound = (said: string) => ({
  _tag: "TransportError",
  reason: "RouteNotFound",
  status: 404,
  notProcessed: true,
  attempts: 1,
  detail: expect.stringContaining(`(the server answered "${said}")`)
})

describe("a 404, shape by shape", () => {
  for (const [name, answer, documented, said] of shapes) {
    it.effect(`${name}: accounts.update reads it as ${documented ? "NotFound" : "RouteNotFound"}`, () => {
      const { layer, sent } = crmWith(answer, undefined, {})
      return Effect.gen(function*() {
        const error = failureOf(yield* settle(update))
        expect(error).toMatchObject(documented ? { _tag: "NotFound" } : routeNotFound(said))
        expect(sent).toHaveLength(1)
      }).pipe(Effect.provide(layer))
    })

    it.effect(`${name}: a read reads it as RouteNotFound`, () => {
      const { layer, sent } = crmWith(answer, undefined, {})
      return Effect.gen(function*() {
        expect(failureOf(yield* settle(list))).toMatchObject(routeNotFound(said))
        expect(sent).toHaveLength(1)
      }).pipe(Effect.provide(layer))
    })

    it.effect(`${name}: a bulk write makes every item Unavailable and sends no later request`, () => {
      const { layer, sent } = crmWith(answer, undefined, {})
      return Effect.gen(function*() {
        const result = successOf(yield* settle(push))
        expect(result.summary).toMatchObject({ total: 250, unavailable: 250 })
        for (const outcome of result.outcomes) {
          expect(outcome).toMatchObject({ _tag: "Unavailable", error: routeNotFound(said) })
        }
        expect(sent).toHaveLength(1)
      }).pipe(Effect.provide(layer))
    })
  }
})

describe("a settling write meeting a route-not-found", () => {
  it.effect("ends after its first round: Unavailable, sent once, the later requests not sent", () => {
    const { layer, sent } = crmWith(() => json({ statusCode: 404, message: "Cannot POST /api/v1/crm/deals" }, 404))
    return Effect.gen(function*() {
      const result = successOf(yield* settle(BulkSettle.settleDeals(deals), "1 second"))
      expect(result.summary).toMatchObject({ total: 250, unavailable: 250, rounds: 1, settled: false })
      expect(result.outcomes[249]).toMatchObject({ _tag: "Unavailable", sends: 1, error: { reason: "RouteNotFound" } })
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })
})

describe("where the error says to look instead", () => {
  const said = () => json({ statusCode: 404, message: "Cannot GET /x", error: "Not Found" }, 404)
  const hintFor = (config: RecotapConfigOptions) => {
    const { layer } = crmWith(said, undefined, { ...config, retry: { maxRetries: 0 } })
    return Effect.map(Effect.flip(list), (error) => error.message).pipe(Effect.provide(layer))
  }

  it.effect("the default CRM base URL: the External revision's default", () =>
    Effect.gen(function*() {
      const hint = yield* hintFor({})
      expect(hint).toContain(`the base URL ${BASE_URLS.crm} does not serve this endpoint`)
      expect(hint).toContain(`try the External revision (revision: "external", base URL ${BASE_URLS.external})`)
    }))

  it.effect("the default External base URL: the CRM revision's default", () =>
    Effect.gen(function*() {
      const hint = yield* hintFor({ revision: "external" })
      expect(hint).toContain(`try the CRM revision (revision: "crm", base URL ${BASE_URLS.crm})`)
    }))

  it.effect("the sandbox: the sandbox's URLs, never production", () =>
    Effect.gen(function*() {
      const hint = yield* hintFor({ sandbox: true })
      expect(hint).toContain(`the sandbox serves the External revision at ${SANDBOX_BASE_URL}`)
      expect(hint).toContain(`baseUrl "${SANDBOX_BASE_URL}/crm" with revision: "crm", in place of sandbox: true`)
      expect(hint).not.toContain(PRODUCTION_HOST)
    }))

  it.effect("the CRM path on the sandbox's host: the sandbox's URL with the External revision", () =>
    Effect.gen(function*() {
      const hint = yield* hintFor({ baseUrl: `${SANDBOX_BASE_URL}/crm` })
      expect(hint).toContain(
        `try the External revision on the same host (baseUrl "${SANDBOX_BASE_URL}" with revision: "external")`
      )
      expect(hint).not.toContain(PRODUCTION_HOST)
    }))

  it.effect("a custom CRM base URL: the same origin's External path, and the revision to set", () =>
    Effect.gen(function*() {
      const hint = yield* hintFor({ baseUrl: "https://proxy.example.com/recotap/api/v1/crm/" })
      expect(hint).toContain(
        `try the External revision on the same host (baseUrl "https://proxy.example.com/recotap/api/v1" with revision: "external")`
      )
      expect(hint).not.toContain(PRODUCTION_HOST)
    }))

  it.effect("a custom External base URL: the same origin's CRM path, and the revision to set", () =>
    Effect.gen(function*() {
      const hint = yield* hintFor({ revision: "external", baseUrl: "http://127.0.0.1:8080/api/v1" })
      expect(hint).toContain(
        `try the CRM revision on the same host (baseUrl "http://127.0.0.1:8080/api/v1/crm" with revision: "crm")`
      )
    }))

  it.effect("a custom base URL with neither revision's path: both paths, and the revision setting", () =>
    Effect.gen(function*() {
      const hint = yield* hintFor({ baseUrl: "https://proxy.example.com/recotap" })
      expect(hint).toContain("the CRM revision under /api/v1/crm and the External revision under /api/v1")
      expect(hint).toContain(`the revision setting ("crm" now) must match it`)
      expect(hint).not.toContain(PRODUCTION_HOST)
    }))
})
