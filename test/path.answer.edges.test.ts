/**
 * The edges of reading an answer: what is (and is not) the framework's route-not-found, a
 * NotFound's fields, bodies of white space, statuses below 200.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { RecotapCrm } from "../src/index.js"
import { interpret } from "../src/internal/answer.js"
import { decodePayload } from "../src/internal/envelope.js"
import { TransportError } from "../src/RecotapError.js"
import { crmWith, envelope, errorEnvelope, json } from "./helpers.js"

const update = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
const routeText = "Cannot PUT /api/v1/crm/accounts/crm-1"

describe("the route-not-found 404", () => {
  it.effect("a 400 whose message reads like a missing route stays a BadRequest", () => {
    const { layer } = crmWith(() => json({ message: routeText, statusCode: 400 }, 400))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(update)
      expect(error).toMatchObject({ _tag: "BadRequest", serverMessage: routeText })
    }).pipe(Effect.provide(layer))
  })

  it.effect("a JSON route-not-found quotes the server's message, not the raw JSON around it", () => {
    const { layer } = crmWith(() => json({ message: routeText, error: "Not Found", statusCode: 404 }, 404))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(update)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "RouteNotFound", status: 404, notProcessed: true })
      expect(error.message).toContain(`(the server answered "${routeText}")`)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 404 whose message is the framework's route text is no NotFound, even with a customMessage", () => {
    const { layer } = crmWith(() => errorEnvelope(404, { message: routeText, customMessage: "Account not found" }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(update)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "RouteNotFound", status: 404, notProcessed: true })
      expect(error.message).toContain(`(the server answered "${routeText}")`)
    }).pipe(Effect.provide(layer))
  })
})

describe("the fields of a NotFound", () => {
  it.effect("without a customMessage from the server, the error has no customMessage field at all", () => {
    const { layer } = crmWith(() => errorEnvelope(404, { message: "Not Found" }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(update)
      expect(error).toMatchObject({ _tag: "NotFound", serverMessage: "Not Found" })
      expect(Object.keys(error)).not.toContain("customMessage")
    }).pipe(Effect.provide(layer))
  })
})

describe("a body of white space only", () => {
  it.effect("on a write that answers nothing, it is success, as an empty body is", () => {
    const { layer } = crmWith(() => new Response(" \r\n\t ", { status: 200 }))
    return Effect.gen(function*() {
      yield* update
    }).pipe(Effect.provide(layer))
  })

  it.effect("where a page is expected, it is a Decode error saying the body is empty", () => {
    const { layer } = crmWith(() => new Response("\n  \n", { status: 200 }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode" })
      expect(error.message).toContain("the response body is empty")
    }).pipe(Effect.provide(layer))
  })
})

describe("interpret: statuses below 200", () => {
  // A platform Response cannot carry a 1xx, but another HttpClient could hand one over.
  it("an informational status is not a success, even with a body the schema takes", async () => {
    const text = await envelope([]).text()
    const result = interpret(
      { method: "GET", url: "https://example.test/x", status: 199, headers: {}, text, receivedAt: 0 },
      decodePayload(Schema.Array(Schema.String)),
      { documented: false, unserved: (method, url) => TransportError.routeNotFound(method, url, "no route") }
    )
    expect(Either.isLeft(result)).toBe(true)
    expect(Either.getLeft(result)).toMatchObject({
      value: { _tag: "TransportError", reason: "StatusCode", status: 199 }
    })
  })
})
